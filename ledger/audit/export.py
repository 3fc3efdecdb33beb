"""Checkpoint export, and consistency checks that need nothing but an export and the node's key.

Export format: JSON lines, one per checkpoint in chain order:
``{"sequence": n, "tree_size": n, "timestamp_ms": n, "root": hex, "checkpoint": hex of encode()}``.
Only ``checkpoint`` is trusted on reading; the other fields are for people.

Promises: every exported checkpoint is checked for the node's signature before use; a later head
(from a live node or a store) is accepted only with a verified RFC 6962 consistency proof from each
exported checkpoint, so a rewritten or rewound log is detected.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from ledger.chain import Checkpoint, CheckpointError, decode_checkpoint, verify_checkpoint_signature
from ledger.merkle import ProofError, consistency_proof, verify_consistency
from ledger.store import RocksStore


def export_checkpoints(store: RocksStore, path: Path) -> int:
    """Write every checkpoint of ``store`` to ``path``; returns how many."""
    cps = store.checkpoints(0)
    with path.open("w") as f:
        for cp in cps:
            f.write(json.dumps({"sequence": cp.sequence, "tree_size": cp.tree_size, "timestamp_ms": cp.timestamp_ms,
                                "root": cp.root_hash.hex(), "checkpoint": cp.encode().hex()}) + "\n")
    return len(cps)


def read_export(path: Path) -> list[Checkpoint]:
    """The checkpoints of an export file. Raises CheckpointError naming the bad line."""
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(decode_checkpoint(bytes.fromhex(json.loads(line)["checkpoint"])))
        except (ValueError, KeyError, TypeError, CheckpointError) as exc:
            raise CheckpointError(f"{path}:{n}: not an exported checkpoint ({exc})") from None
    return out


@dataclass
class ConsistencyReport:
    checked: int = 0
    head_tree_size: int = 0
    head_sequence: int = -1
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, object]:
        return {"ok": self.ok, "checked": self.checked, "head_sequence": self.head_sequence,
                "head_tree_size": self.head_tree_size, "first_problem": self.problems[0] if self.problems else None,
                "seconds": round(self.seconds, 3),
                "records_per_s": round(self.head_tree_size / self.seconds) if self.seconds > 0 else 0}


def _check_export_signatures(cps: list[Checkpoint], node_public_key: bytes, rep: ConsistencyReport) -> list[Checkpoint]:
    good = []
    for cp in cps:
        try:
            verify_checkpoint_signature(cp, node_public_key)
            good.append(cp)
        except CheckpointError as exc:
            rep.problems.append(f"exported {exc}")
    return good


def _check_against_head(old: Checkpoint, head: Checkpoint, proof: list[bytes] | None, rep: ConsistencyReport) -> None:
    if old.tree_size > head.tree_size:
        rep.problems.append(f"checkpoint {old.sequence}: tree size {old.tree_size} is beyond the head's "
                            f"{head.tree_size} (log rewound)")
    elif old.tree_size == head.tree_size:
        if old.root_hash != head.root_hash:
            rep.problems.append(f"checkpoint {old.sequence}: split view, two roots for tree size {old.tree_size}")
    elif old.tree_size > 0:
        try:
            verify_consistency(old.tree_size, head.tree_size, proof or [], old.root_hash, head.root_hash)
        except ProofError as exc:
            rep.problems.append(f"checkpoint {old.sequence}: not consistent with head {head.sequence}: {exc}")
    rep.checked += 1


def consistency_offline(cps: list[Checkpoint], store: RocksStore, node_public_key: bytes) -> ConsistencyReport:
    """Check every exported checkpoint against the head of ``store`` (opened read-only)."""
    t0 = time.perf_counter()
    rep = ConsistencyReport()
    good = _check_export_signatures(cps, node_public_key, rep)
    head = store.latest_checkpoint()
    if head is None:
        rep.problems.append("store has no checkpoint")
        return rep
    try:
        verify_checkpoint_signature(head, node_public_key)
    except CheckpointError as exc:
        rep.problems.append(f"store head {exc}")
        return rep
    rep.head_tree_size, rep.head_sequence = head.tree_size, head.sequence
    for cp in good:
        proof = None
        if 0 < cp.tree_size < head.tree_size:
            try:
                proof = consistency_proof(cp.tree_size, head.tree_size, store.get_nodes)
            except Exception as exc:  # missing nodes: the proof cannot be built, so it cannot verify
                rep.problems.append(f"checkpoint {cp.sequence}: no consistency proof from the store ({exc})")
                continue
        _check_against_head(cp, head, proof, rep)
    rep.seconds = time.perf_counter() - t0
    return rep


def consistency_online(cps: list[Checkpoint], target: str, node_public_key: bytes) -> ConsistencyReport:
    """Check every exported checkpoint against a live node's head, proofs fetched over gRPC."""
    from ledger.client import LedgerClient, open_channel
    from ledger.client.client import VerificationError

    t0 = time.perf_counter()
    rep = ConsistencyReport()
    good = _check_export_signatures(cps, node_public_key, rep)
    with open_channel(target) as ch:
        head = LedgerClient(ch, node_public_key).checkpoint()  # signature verified
        rep.head_tree_size, rep.head_sequence = head.tree_size, head.sequence
        for cp in good:
            if cp.tree_size > head.tree_size or cp.tree_size in (0, head.tree_size):
                _check_against_head(cp, head, None, rep)
                continue
            try:
                LedgerClient(ch, node_public_key, trusted=cp).accept_checkpoint(head)
                rep.checked += 1
            except VerificationError as exc:
                rep.problems.append(f"checkpoint {cp.sequence}: {exc}")
    rep.seconds = time.perf_counter() - t0
    return rep
