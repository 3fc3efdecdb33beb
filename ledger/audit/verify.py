"""The full offline audit of a store (``creditledger verify``).

Promises:

* Read-only: the store is only read (open it with ``RocksStore(path, read_only=True)``).
* Every checkpoint: node signature and hash link to its predecessor; its root recomputed from the
  leaves (not from stored nodes).
* Every leaf: contiguous indices up to the head's tree size and none beyond; leaf format; signer key
  valid at the leaf (:func:`ledger.audit.keys.keys_at`); signature (batched through the verify
  backend); payload hash where the payload is readable (plain blobs always, sealed blobs with the
  master key; erased/redacted payloads are counted, not failed); the id index points back to it.
* Every stored Merkle node of the head tree: recomputed level by level from the leaves and compared.
* Problems are collected (up to ``max_problems``) and ordered leaves, nodes, checkpoints, each by
  position; ``report.first`` names the first bad spot.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.audit.keys import keys_at, problem_leaf, registry_for_audit
from ledger.audit.payloads import check_payloads
from ledger.chain import Checkpoint, CheckpointError, verify_checkpoint_signature, verify_link
from ledger.members import MemberRegistry, register_node_key
from ledger.merkle import root_at
from ledger.privacy.vault import Vault
from ledger.records.leaf import LeafFormatError, decode_leaf
from ledger.records.signing import EntryKind
from ledger.store import RocksStore, StoreError
from ledger.store.base import StoredEntry
from ledger.verify import VerifyBackend

_RANK = {"store": 0, "leaf": 1, "node": 2, "checkpoint": 3}


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # store | leaf | node | checkpoint
    position: tuple[int, int]  # (leaf index, 0) / (level, index) / (sequence, 0)
    what: str

    @property
    def where(self) -> str:
        if self.kind == "leaf":
            return f"leaf {self.position[0]}"
        if self.kind == "node":
            return f"merkle node level={self.position[0]} index={self.position[1]}"
        if self.kind == "checkpoint":
            return f"checkpoint {self.position[0]}"
        return "store"

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class AuditReport:
    tree_size: int = 0
    leaves: int = 0
    checkpoints: int = 0
    signatures: int = 0
    nodes: int = 0
    payloads_checked: int = 0
    payloads_sealed_unchecked: int = 0
    payloads_erased: int = 0
    seconds: float = 0.0
    backend: str = ""
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: (_RANK[p.kind], p.position)) if self.problems else None

    @property
    def records_per_s(self) -> float:
        return self.leaves / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict[str, object]:
        first = self.first
        return {
            "ok": self.ok, "tree_size": self.tree_size, "leaves": self.leaves, "checkpoints": self.checkpoints,
            "signatures": self.signatures, "merkle_nodes": self.nodes, "payloads_checked": self.payloads_checked,
            "payloads_sealed_unchecked": self.payloads_sealed_unchecked, "payloads_erased": self.payloads_erased,
            "problems": len(self.problems), "first_problem": str(first) if first else None,
            "backend": self.backend, "seconds": round(self.seconds, 3),
            "records_per_s": round(self.records_per_s), "notes": self.notes,
        }


class _Audit:
    def __init__(self, store: RocksStore, report: AuditReport, max_problems: int) -> None:
        self.store = store
        self.report = report
        self.max = max_problems
        self.membership: set[int] = set()  # MEMBERSHIP leaves, verified by the registry replay

    def problem(self, kind: str, position: tuple[int, int], what: str) -> None:
        if len(self.report.problems) < self.max:
            self.report.problems.append(Problem(kind, position, what))
        else:
            self.report.truncated = True

    def stored_nodes(self, addrs: Sequence[tuple[int, int]]) -> list[bytes | None]:
        """Stored hashes, None where missing (one multi-get unless something is missing)."""
        try:
            return list(self.store.get_nodes(addrs))
        except StoreError:
            out: list[bytes | None] = []
            for a in addrs:
                try:
                    out.append(self.store.get_nodes([a])[0])
                except StoreError:
                    out.append(None)
            return out


def audit_store(
    store: RocksStore,
    node_public_key: bytes,
    registry: MemberRegistry,
    *,
    backend: VerifyBackend,
    vault: Vault | None = None,
    chunk: int = 8192,
    progress: Callable[[int], None] | None = None,
    max_problems: int = 100,
) -> AuditReport:
    """Re-verify everything in ``store``; see the module docstring. Never raises for bad data."""
    t0 = time.perf_counter()
    rep = AuditReport(backend=backend.name)
    a = _Audit(store, rep, max_problems)
    if vault is None:
        rep.notes.append("no master key: sealed payloads not checked (signatures, leaves and tree checked)")
    registry, a.membership, replay_problem = registry_for_audit(store, registry)
    register_node_key(registry, node_public_key)  # node-signed entries (retention runs)
    if replay_problem:
        a.problem("leaf", (problem_leaf(replay_problem), 0), f"membership replay: {replay_problem}")
    if a.membership and not replay_problem:
        rep.signatures += len(a.membership)  # verified by the replay
    if a.membership:
        rep.notes.append(f"registry replayed from {len(a.membership)} membership entries in the log")
    cps = _check_chain(a, node_public_key)
    head = cps[-1] if cps else None
    n = head.tree_size if head else 0
    rep.tree_size, rep.checkpoints = n, len(cps)
    level0 = bytearray(n * 32)
    expected = 0
    batch: list[StoredEntry] = []
    try:
        for e in store.iter_entries(0):
            if e.leaf_index >= n:
                a.problem("leaf", (e.leaf_index, 0), f"beyond the head checkpoint (tree size {n})")
                break
            while expected < e.leaf_index:
                a.problem("leaf", (expected, 0), "missing")
                expected += 1
            expected += 1
            batch.append(e)
            if len(batch) >= chunk:
                _check_leaves(a, batch, registry, backend, vault, level0)
                if progress:
                    progress(len(batch))
                batch = []
    except StoreError as exc:
        a.problem("store", (0, 0), f"records unreadable: {exc}")
    if batch:
        _check_leaves(a, batch, registry, backend, vault, level0)
        if progress:
            progress(len(batch))
    for missing in range(expected, n):
        a.problem("leaf", (missing, 0), "missing")
        if rep.truncated:
            break
    levels = _check_nodes(a, n, level0)
    _check_roots(a, cps, levels)
    rep.seconds = time.perf_counter() - t0
    return rep


def check_structure(store: RocksStore, tree_size: int, max_problems: int = 10) -> list[Problem]:
    """Leaves vs level-0 nodes and every stored node recomputed from the leaves, for ``tree_size``.

    No signatures, payloads or checkpoints: the fast structural part of the audit that the node
    runs at start (ledger.node.check_store). Returns problems in audit order (first = first bad spot).
    """
    rep = AuditReport()
    a = _Audit(store, rep, max_problems)
    n = tree_size
    level0 = bytearray(n * 32)
    sha = hashlib.sha256
    expected = 0
    chunk: list[int] = []

    def flush() -> None:
        for i, got in zip(chunk, a.stored_nodes([(0, i) for i in chunk]), strict=True):
            if got is None:
                a.problem("node", (0, i), "missing")
            elif got != bytes(level0[i * 32 : i * 32 + 32]):
                a.problem("leaf", (i, 0), "leaf does not match its stored Merkle node (level 0)")
        chunk.clear()

    for e in store.iter_entries(0):
        i = e.leaf_index
        if i >= n:
            a.problem("leaf", (i, 0), f"beyond the head checkpoint (tree size {n})")
            break
        if i != expected:
            a.problem("leaf", (expected, 0), "missing")
        expected = i + 1
        level0[i * 32 : i * 32 + 32] = sha(b"\x00" + e.leaf).digest()
        chunk.append(i)
        if len(chunk) >= 8192:
            flush()
        if rep.truncated:
            break
    flush()
    if expected < n:
        a.problem("leaf", (expected, 0), "missing")
    if not rep.problems:
        _check_nodes(a, n, level0)
    return sorted(rep.problems, key=lambda p: (_RANK[p.kind], p.position))


def _check_chain(a: _Audit, node_public_key: bytes) -> list[Checkpoint]:
    try:
        cps = a.store.checkpoints(0)
    except StoreError as exc:
        a.problem("checkpoint", (0, 0), f"unreadable: {exc}")
        return []
    prev: Checkpoint | None = None
    for cp in cps:
        try:
            verify_checkpoint_signature(cp, node_public_key)
            verify_link(prev, cp)
        except CheckpointError as exc:
            a.problem("checkpoint", (cp.sequence, 0), str(exc).removeprefix(f"checkpoint {cp.sequence}: "))
        prev = cp
    return cps


def _check_leaves(
    a: _Audit,
    batch: list[StoredEntry],
    registry: MemberRegistry,
    backend: VerifyBackend,
    vault: Vault | None,
    level0: bytearray,
) -> None:
    rep = a.report
    sha = hashlib.sha256
    msgs: list[bytes] = []
    sigs: list[bytes] = []
    keys: list[bytes] = []
    where: list[int] = []
    eids: list[bytes] = []
    for e in batch:
        i = e.leaf_index
        level0[i * 32 : i * 32 + 32] = sha(b"\x00" + e.leaf).digest()
        rep.leaves += 1
        try:
            leaf = decode_leaf(e.leaf)
        except LeafFormatError as exc:
            a.problem("leaf", (i, 0), str(exc))
            eids.append(b"")
            continue
        eids.append(leaf.entry_id)
        if leaf.kind == EntryKind.MEMBERSHIP:
            if i not in a.membership:
                a.problem("leaf", (i, 0), "membership entry missing from the membership index")
            continue
        key = keys_at(registry, leaf.key_id, i)
        if key is None:
            a.problem("leaf", (i, 0), f"key {leaf.key_id.hex()} was not valid at this leaf")
        else:
            msgs.append(leaf.message())
            sigs.append(leaf.signature)
            keys.append(key.public_key)
            where.append(i)
    check_payloads(a, [(e, eid) for e, eid in zip(batch, eids, strict=True) if eid], vault)
    if msgs:
        mask = backend.verify_batch(msgs, sigs, keys)
        rep.signatures += len(msgs)
        for i, ok in zip(where, mask, strict=True):
            if not ok:
                a.problem("leaf", (i, 0), "signature does not verify under the signer's key")
    idx = a.store.find_ids([x for x in eids if x])
    it = iter(idx)
    for e, eid in zip(batch, eids, strict=True):
        if eid:
            got = next(it)
            if got != e.leaf_index:
                a.problem("leaf", (e.leaf_index, 0), f"id index points to {got}, not to this leaf")
    stored = a.stored_nodes([(0, e.leaf_index) for e in batch])
    for e, s in zip(batch, stored, strict=True):
        i = e.leaf_index
        if s is None:
            a.problem("node", (0, i), "missing")
        elif s != bytes(level0[i * 32 : i * 32 + 32]):
            a.problem("leaf", (i, 0), "leaf does not match its stored Merkle node (level 0)")


def _check_nodes(a: _Audit, n: int, level0: bytearray) -> list[bytearray]:
    """Recompute levels 1.. from level 0 and compare every stored node; return all levels."""
    levels = [level0]
    sha = hashlib.sha256
    level = 0
    while (n >> (level + 1)) > 0:
        below = levels[-1]
        count = n >> (level + 1)
        cur = bytearray(count * 32)
        for i in range(count):
            cur[i * 32 : i * 32 + 32] = sha(b"\x01" + below[i * 64 : i * 64 + 64]).digest()
        level += 1
        levels.append(cur)
        for start in range(0, count, 8192):
            addrs = [(level, i) for i in range(start, min(count, start + 8192))]
            for (lv, i), s in zip(addrs, a.stored_nodes(addrs), strict=True):
                if s is None:
                    a.problem("node", (lv, i), "missing")
                elif s != bytes(cur[i * 32 : i * 32 + 32]):
                    a.problem("node", (lv, i), "does not match the hash recomputed from the leaves")
        a.report.nodes += count
    a.report.nodes += n
    return levels


def _check_roots(a: _Audit, cps: list[Checkpoint], levels: list[bytearray]) -> None:
    def get(addrs: Sequence[tuple[int, int]]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for lv, i in addrs:
            buf = levels[lv] if lv < len(levels) else None
            out.append(bytes(buf[i * 32 : i * 32 + 32]) if buf is not None and (i + 1) * 32 <= len(buf) else None)
        return out

    for cp in cps:
        try:
            root = root_at(cp.tree_size, get)
        except Exception as exc:  # MerkleError: the tree is shorter than the checkpoint claims
            a.problem("checkpoint", (cp.sequence, 0), f"root cannot be recomputed: {exc}")
            continue
        if root != cp.root_hash:
            a.problem("checkpoint", (cp.sequence, 0), f"root does not match the leaves at tree size {cp.tree_size}")
