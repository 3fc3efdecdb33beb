"""What the pipeline answers for each submitted entry: a receipt or a refusal."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.chain import Checkpoint


@dataclass(frozen=True, slots=True)
class Receipt:
    """The entry is durable: it is leaf ``leaf_index`` and ``checkpoint`` includes it."""

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
