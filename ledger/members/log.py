"""The membership log: the live MemberRegistry kept equal to the MEMBERSHIP entries of the one log.

Promises:

* ``MembershipLog.open`` rebuilds the registry from the store's MEMBERSHIP entries alone (found
  through the ``mship/`` meta index written in the same WriteBatch as the entries).
* As a committer gate, every new entry is checked at the leaf index it will get: its signer key must
  be valid and its member active there (so a revocation committed after a record was prepared still
  refuses it), and a MEMBERSHIP entry must apply (``apply_change``). Changes of a block are staged on
  a copy and published to the live registry only after the block's synced write; a failed write
  publishes nothing. The committer is single-threaded, so later blocks always see earlier changes.
* Entries accepted before a revocation or suspension are never re-judged.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Sequence
from typing import Final

from ledger.ingest.prepare import Prepared
from ledger.members.changes import apply_change, change_member, parse_change, replay
from ledger.members.registry import KeyRecord, MemberRegistry
from ledger.records.leaf import LEAF_LEN
from ledger.records.signing import ID_LEN, KEY_ID_LEN, EntryKind
from ledger.store import BlockWrite, EntryWrite, RocksStore

INDEX_PREFIX: Final = b"mship/"
_U64 = struct.Struct(">Q")
_KID = slice(2 + ID_LEN, 2 + ID_LEN + KEY_ID_LEN)  # key id inside the canonical leaf bytes
_PLAIN = 0  # payload blob prefix of entries stored unsealed (ledger.privacy.vault)


def index_key(leaf_index: int) -> bytes:
    return INDEX_PREFIX + _U64.pack(leaf_index)


def membership_indices(store: RocksStore) -> list[int]:
    """Leaf indices of every MEMBERSHIP entry in the store, in leaf order (from the mship/ index)."""
    return [_U64.unpack(k[len(INDEX_PREFIX) :])[0] for k, _ in store.meta_prefix(INDEX_PREFIX)]


def stored_changes(store: RocksStore, indices: Sequence[int]) -> list[tuple[int, bytes, bytes]]:
    """(leaf index, leaf, payload) of those MEMBERSHIP entries, as ``replay`` takes them. Raises StoreError."""
    return [(e.leaf_index, e.leaf, plain_payload(e.payload)) for e in store.get_entries(indices)]


class MembershipLog:
    """Owns the live registry's state and the membership history. Thread-safe reads."""

    def __init__(self, registry: MemberRegistry, store: RocksStore) -> None:
        self.registry = registry
        self.store = store
        self.history: list[tuple[int, str]] = []  # (leaf index, member id), leaf order
        self._lock = threading.Lock()
        self._staged: MemberRegistry | None = None
        self._staged_history: list[tuple[int, str]] = []
        self._valid_until: dict[bytes, int] = {}

    # -- rebuild --------------------------------------------------------------------------------

    def indices(self) -> list[int]:
        """Leaf indices of every MEMBERSHIP entry in the store, in leaf order."""
        return membership_indices(self.store)

    def load(self) -> bool:
        """Replace the registry with the one the stored MEMBERSHIP entries define.

        Returns False (registry untouched) when the log has no membership entries yet. Raises
        ReplayError when a stored entry does not replay.
        """
        idx = self.indices()
        if not idx:
            return False
        reg, history = replay(stored_changes(self.store, idx), verify=False)
        with self._lock:
            self.registry.replace_with(reg)
            self.history = history
        return True

    def member_entries(self, member_id: str, below: int) -> list[int]:
        """Leaf indices (< ``below``) of the changes about ``member_id`` (all changes if empty)."""
        with self._lock:
            return [i for i, m in self.history if i < below and (not member_id or m == member_id)]

    # -- committer gate -------------------------------------------------------------------------

    def begin(self, base: int) -> None:
        self._staged = None
        self._staged_history = []
        self._valid_until = {}  # key id -> first leaf index at which its standing may change

    def admit(self, p: Prepared, leaf_index: int) -> None:
        """Refuse (LedgerError) an entry whose signer may not sign at ``leaf_index``."""
        kid = p.leaf[_KID]
        if p.kind == EntryKind.MEMBERSHIP:
            self._valid_until.clear()  # the registry is about to change inside this block
            reg = self._staged if self._staged is not None else self.registry.copy()
            ch = parse_change(p.payload, f"records[{p.position}].payload")
            apply_change(reg, ch, leaf_index, kid, f"records[{p.position}].payload")
            self._staged = reg
            self._staged_history.append((leaf_index, change_member(ch)))
            return
        if leaf_index < self._valid_until.get(kid, -1):
            return  # hot path: this signer was checked in this block, and nothing changes before then
        reg = self._staged if self._staged is not None else self.registry
        rec = reg.signer(kid, leaf_index)
        self._valid_until[kid] = _next_change(reg, rec, leaf_index)

    def end(self, committed: bool) -> None:
        staged, self._staged = self._staged, None
        if committed and staged is not None:
            with self._lock:
                self.registry.replace_with(staged)
                self.history.extend(self._staged_history)
        self._staged_history = []

    def block_rows(self, entries: list[EntryWrite], block: BlockWrite) -> None:
        """Block hook: index the block's MEMBERSHIP entries in the same WriteBatch."""
        for e in entries:
            if len(e.leaf) == LEAF_LEN and e.leaf[1] == EntryKind.MEMBERSHIP:
                block.extra[index_key(e.leaf_index)] = b"\x01"


def _next_change(reg: MemberRegistry, rec: KeyRecord, leaf_index: int) -> int:
    """The first leaf index after ``leaf_index`` at which the signer's standing could change."""
    m = reg.members[rec.member_id]
    bounds = [rec.valid_until, m.suspended_from, *(a for a, _ in m.past_suspensions)]
    later = [b for b in bounds if b is not None and b > leaf_index]
    return min(later, default=2**63)


def plain_payload(blob: bytes) -> bytes:
    """The payload of an unsealed stored blob (``0x00 || payload``); empty if redacted."""
    return blob[1:] if blob[:1] == bytes((_PLAIN,)) else b""


def genesis_matches(store: RocksStore, entry_ids: Sequence[bytes]) -> bool:
    """Whether the log starts with exactly these entries (in this order)."""
    if not entry_ids:
        return True
    return store.find_ids(list(entry_ids)) == list(range(len(entry_ids)))
