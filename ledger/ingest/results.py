"""What the pipeline answers for each submitted entry: a receipt or a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ledger.chain import Checkpoint


class Receipt(NamedTuple):
    """The entry is durable: it is leaf ``leaf_index`` and ``checkpoint`` includes it.

    A named tuple, not a dataclass: one is built per accepted record on the ingest hot path.
    """

    record_id: bytes
    leaf_index: int
    checkpoint: Checkpoint
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Refusal:
    """The entry was not stored. ``code`` is a gRPC status name; ``reason`` names the field and why."""

    position: int
    record_id: bytes
    code: str
    reason: str


Result = Receipt | Refusal
