"""Conversions between core values and ledger.v1 messages. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.chain import Checkpoint
from ledger.ingest import Receipt, Result
from ledger.ingest.prepare import Submitted
from ledger.query import ProvenEntry
from ledger.v1 import ledger_pb2, records_pb2


def checkpoint_pb(cp: Checkpoint) -> ledger_pb2.Checkpoint:
    return ledger_pb2.Checkpoint(
        tree_size=cp.tree_size,
        root_hash=cp.root_hash,
        timestamp_ms=cp.timestamp_ms,
        previous_hash=cp.previous_hash,
        signature=cp.signature,
        node_key_id=cp.node_key_id,
        sequence=cp.sequence,
        log_id=cp.log_id,
    )


def checkpoint_from_pb(m: ledger_pb2.Checkpoint) -> Checkpoint:
    return Checkpoint(
        m.sequence, m.tree_size, m.timestamp_ms, m.root_hash, m.previous_hash, m.node_key_id, m.log_id, m.signature
    )


def submitted(records: Sequence[records_pb2.SignedRecord]) -> list[Submitted]:
    return [Submitted(r.payload, r.signature, r.key_id) for r in records]


def results_pb(results: Sequence[Result]) -> list[ledger_pb2.SubmitResult]:
    """One SubmitResult per result; checkpoints shared by a block are converted once."""
    out = []
    cps: dict[int, ledger_pb2.Checkpoint] = {}
    for r in results:
        if isinstance(r, Receipt):
            cp = cps.get(r.checkpoint.sequence)
            if cp is None:
                cp = cps[r.checkpoint.sequence] = checkpoint_pb(r.checkpoint)
            out.append(
                ledger_pb2.SubmitResult(
                    receipt=ledger_pb2.Receipt(
                        record_id=r.record_id, leaf_index=r.leaf_index, checkpoint=cp, duplicate=r.duplicate
                    )
                )
            )
        else:
            out.append(
                ledger_pb2.SubmitResult(
                    refusal=ledger_pb2.Refusal(
                        position=r.position, record_id=r.record_id, code=r.code, reason=r.reason
                    )
                )
            )
    return out


def log_entry_pb(e: ProvenEntry) -> ledger_pb2.LogEntry:
    return ledger_pb2.LogEntry(
        leaf_index=e.leaf_index,
        leaf=e.leaf,
        payload=e.payload or b"",
        erased=e.payload is None,
        inclusion_proof=e.proof,
    )
