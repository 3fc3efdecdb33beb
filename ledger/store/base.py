"""The storage contract of a ledger node.

Everything the node persists goes through LogStore. Implementations must keep these promises:

* ``commit_block`` is atomic and durable: when it returns, every entry, index row, Merkle node,
  wrapped key and the checkpoint of the block are in one write that was synced to disk. When it
  raises, nothing of the block is visible.
* Reads never observe a partially committed block.
* Nothing is ever stored or loaded as a serialized Python object: keys and values are raw bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from ledger.chain import Checkpoint


class StoreError(Exception):
    """The store is unreadable, inconsistent or could not commit."""


class EntryWrite(NamedTuple):
    """One accepted entry of a block (a named tuple: one is built per record on the ingest hot path)."""

    leaf_index: int
    leaf: bytes  # canonical leaf bytes (ledger.records.leaf)
    payload: bytes  # sealed payload blob (or plaintext for entries with no personal data)
    entry_id: bytes
    borrower_ref: bytes = b""  # 32 bytes when the entry belongs to a borrower's history
    day: int = 0  # days since 1970-01-01 of the fact, for the borrower index order


@dataclass(slots=True)
class BlockWrite:
    """Everything one block adds to the store, committed in one synced write."""

    entries: list[EntryWrite]
    nodes: list[tuple[int, int, bytes]]  # (level, index, hash) of newly completed subtrees
    checkpoint: Checkpoint
    wrapped_keys: dict[bytes, bytes] = field(default_factory=dict)  # borrower_ref -> wrapped key row
    extra: dict[bytes, bytes] = field(default_factory=dict)  # meta rows (e.g. domain indexes)
    redact: list[int] = field(default_factory=list)  # leaves whose payload is dropped (retention)


@dataclass(frozen=True, slots=True)
class StoredEntry:
    leaf_index: int
    leaf: bytes
    payload: bytes  # the stored blob (sealed, plain, or empty once redacted)
    borrower_ref: bytes = b""


class LogStore(Protocol):
    def latest_checkpoint(self) -> Checkpoint | None:
        """The head checkpoint, or None for an empty log."""
        ...

    def checkpoint_at(self, tree_size: int) -> Checkpoint | None:
        """The checkpoint whose tree_size is exactly ``tree_size``, if one was issued."""
        ...

    def checkpoints(self, start_size: int = 0) -> list[Checkpoint]:
        """All checkpoints with tree_size >= start_size, in chain order."""
        ...

    def last_checkpoints(self, k: int) -> list[Checkpoint]:
        """The last ``k`` checkpoints (fewer if there are fewer), in chain order, read from the end."""
        ...

    def commit_block(self, block: BlockWrite) -> int:
        """Write the block as one atomic WriteBatch and sync the WAL; return the bytes written.

        Returns only once the batch is durable (as a sync=True write). Raises StoreError: when the
        write itself fails nothing was written; when the sync fails the store refuses every later
        write until it is reopened, since the batch may or may not be on disk.
        """
        ...

    def get_nodes(self, addresses: Sequence[tuple[int, int]]) -> list[bytes]:
        """The hashes at (level, index). Raises StoreError naming the first missing node."""
        ...

    def get_entries(self, indices: Sequence[int]) -> list[StoredEntry]:
        """Entries by leaf index. Raises StoreError naming the first missing leaf."""
        ...

    def find_ids(self, entry_ids: Sequence[bytes]) -> list[int | None]:
        """Leaf index for each entry id, None where unknown."""
        ...

    def borrower_indices(self, borrower_ref: bytes, limit: int = 0) -> list[int]:
        """Leaf indices of a borrower's entries, in (day, leaf index) order; limit 0: all."""
        ...

    def wrapped_keys(self, borrower_refs: Sequence[bytes]) -> list[bytes | None]:
        """Per borrower, its key row (generation, then the wrapped data key unless shredded); None
        if no key was ever created. One read."""
        ...

    def close(self) -> None: ...
