"""Corrections: a CORRECTION record must name a record of the same furnisher, borrower and account.

The log never changes; an index row ``sup/ superseded id || correction id`` lets readers follow the
chain of versions, and a correction of a disputed record closes the dispute (rows deleted in the
same batch).

Chains are linear: a correction must name the latest version. A second correction of a version
that already has one is refused (FAILED_PRECONDITION), so "the latest version" of an account is
always one record, never two competing ones. ``check_corrections`` refuses early, against the
store; ``CorrectionGate`` checks again at commit, which also covers two corrections of one version
in the same batch or block.
"""

from __future__ import annotations

from ledger.errors import FailedPrecondition, LedgerError, NotFound
from ledger.ingest.prepare import Prepared
from ledger.ingest.results import Refusal
from ledger.members import MemberRegistry
from ledger.privacy.vault import Vault
from ledger.records.leaf import decode_leaf
from ledger.records.signing import EntryKind
from ledger.risk.index import DISPUTE, DISPUTE_BY_RECORD, SUPERSEDED
from ledger.store import RocksStore
from ledger.v1 import records_pb2


def check_corrections(
    ready: list[Prepared], store: RocksStore, vault: Vault, registry: MemberRegistry
) -> tuple[list[Prepared], list[Refusal]]:
    """Validate the corrections among ``ready``; attach their index rows. Others pass through."""
    keep: list[Prepared] = []
    refused: list[Refusal] = []
    for p in ready:
        if not p.supersedes:
            keep.append(p)
            continue
        try:
            p.meta_rows = _rows_for(p, store, vault, registry)
            keep.append(p)
        except LedgerError as exc:
            refused.append(Refusal(p.position, p.entry_id, exc.code, str(exc)))
    return keep, refused


def _already_corrected(store: RocksStore, record_id: bytes, where: str, correction_id: bytes) -> None:
    """Raise unless ``record_id`` has no correction yet, other than ``correction_id`` itself (a
    resubmitted correction gets its original receipt, not a refusal)."""
    for key, _ in store.meta_prefix(SUPERSEDED + record_id):
        by = key[len(SUPERSEDED) + 32 :]
        if by == correction_id:
            continue
        raise FailedPrecondition(
            f"{where}: {record_id.hex()} was already corrected by {by.hex()}; correct the latest version"
        )


class CorrectionGate:
    """Committer gate (ledger.ingest.commit.BlockGate): at most one correction per version, also
    across submissions that meet in one block or were checked before an earlier one committed."""

    def __init__(self, store: RocksStore) -> None:
        self.store = store
        self._staged: set[bytes] = set()

    def begin(self, base: int) -> None:
        self._staged = set()

    def admit(self, p: Prepared, leaf_index: int) -> None:
        if not p.supersedes:
            return
        where = f"records[{p.position}].payload.supersedes"
        if p.supersedes in self._staged:
            raise FailedPrecondition(f"{where}: another record of this block already corrects "
                                     f"{p.supersedes.hex()}; correct the latest version")
        _already_corrected(self.store, p.supersedes, where, p.entry_id)
        self._staged.add(p.supersedes)

    def end(self, committed: bool) -> None:
        self._staged = set()


def _rows_for(p: Prepared, store: RocksStore, vault: Vault, registry: MemberRegistry) -> dict[bytes, bytes]:
    where = f"records[{p.position}].payload.supersedes"
    (idx,) = store.find_ids([p.supersedes])
    if idx is None:
        raise NotFound(f"{where}: {p.supersedes.hex()} is not in the log")
    _already_corrected(store, p.supersedes, where, p.entry_id)
    (old,) = store.get_entries([idx])
    leaf = decode_leaf(old.leaf)
    if leaf.kind != EntryKind.RECORD:
        raise FailedPrecondition(f"{where}: names an entry that is not a credit record")
    owner = registry.keys[leaf.key_id].member_id if leaf.key_id in registry.keys else ""
    if owner != p.member_id:
        raise FailedPrecondition(f"{where}: the record was furnished by {owner!r}, not {p.member_id!r}")
    if old.borrower_ref != p.borrower_ref:
        raise FailedPrecondition(f"{where}: the superseded record is of another borrower")
    payload = vault.open(old.borrower_ref, leaf.entry_id, old.payload)
    if payload is not None:
        new = records_pb2.CreditRecord.FromString(p.payload)
        if records_pb2.CreditRecord.FromString(payload).account_ref != new.account_ref:
            raise FailedPrecondition(f"{where}: the superseded record is of another account")
    rows = {SUPERSEDED + p.supersedes + p.entry_id: b"\x01"}
    for key, _ in store.meta_prefix(DISPUTE_BY_RECORD + p.supersedes):
        did = key[len(DISPUTE_BY_RECORD) + 32 :]
        rows[key] = b""
        rows[DISPUTE + did] = b""
    return rows


def versions_of(record_id: bytes, store: RocksStore, vault: Vault) -> list[int]:
    """Leaf indices of every version of a record, oldest first, following corrections both ways."""
    chain = [record_id]
    cur = record_id
    while True:  # back to the original
        (idx,) = store.find_ids([cur])
        if idx is None:
            raise NotFound(f"record_id: {cur.hex()} is not in the log")
        (e,) = store.get_entries([idx])
        leaf = decode_leaf(e.leaf)
        payload = vault.open(e.borrower_ref, leaf.entry_id, e.payload)
        prev = records_pb2.CreditRecord.FromString(payload).supersedes if payload else b""
        if not prev:
            break
        chain.insert(0, prev)
        cur = prev
    cur = record_id
    while True:  # forward to the newest (chains are linear: one correction per version)
        nxt = store.meta_prefix(SUPERSEDED + cur)
        if not nxt:
            break
        cur = nxt[-1][0][len(SUPERSEDED) + 32 :]
        chain.append(cur)
    found = store.find_ids(chain)
    return [i for i in found if i is not None]
