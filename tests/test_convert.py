"""The wire-level fast paths in ledger.service.convert build exactly the messages built field by field."""

from __future__ import annotations

import os

from ledger.chain import NodeSigner
from ledger.ingest import Receipt
from ledger.ingest.results import Refusal
from ledger.merkle import EMPTY_ROOT
from ledger.query import ProvenEntry
from ledger.service import convert
from ledger.v1 import ledger_pb2


def _slow(e: ProvenEntry) -> ledger_pb2.HistoryEntry:
    return ledger_pb2.HistoryEntry(entry=convert.log_entry_pb(e), public_key=e.public_key)


def test_history_entries_equal_field_by_field() -> None:
    entries = [
        ProvenEntry(0, os.urandom(114), b"payload", [os.urandom(32) for _ in range(20)], os.urandom(32)),
        ProvenEntry(2**40 + 7, os.urandom(114), None, [], os.urandom(32)),  # erased, no proof
        ProvenEntry(5, os.urandom(114), b"", [os.urandom(32)], b""),  # empty payload, unknown key
        ProvenEntry(300, b"", os.urandom(5000), [os.urandom(32) for _ in range(3)], os.urandom(32)),
        # Proof elements other than 32 bytes take the element-at-a-time path; the encoding must not
        # depend on which path ran (a node never stores such hashes, a client must still see them).
        ProvenEntry(11, os.urandom(114), b"p", [os.urandom(32), os.urandom(31), b"", os.urandom(200)], b""),
        ProvenEntry(12, os.urandom(114), b"p", [os.urandom(33)], os.urandom(32)),
    ]
    fast = convert.history_entries_pb(entries)
    assert fast == [_slow(e) for e in entries]
    assert [f.SerializeToString(deterministic=True) for f in fast] == [
        _slow(e).SerializeToString(deterministic=True) for e in entries
    ]
    assert convert.history_entries_pb([]) == []


def test_brief_history_entries_carry_index_and_proof_only() -> None:
    entries = [
        ProvenEntry(0, os.urandom(114), b"payload", [os.urandom(32) for _ in range(20)], os.urandom(32)),
        ProvenEntry(2**40 + 7, os.urandom(114), None, [os.urandom(32)], os.urandom(32)),  # erased
        ProvenEntry(4, os.urandom(114), b"odd proof", [os.urandom(32), os.urandom(16)], os.urandom(32)),
        ProvenEntry(9, os.urandom(114), b"kept in full", [os.urandom(32)], os.urandom(32)),
    ]
    got = convert.history_entries_pb(entries, brief={0, 2**40 + 7, 4})
    want = [ledger_pb2.HistoryEntry(entry=ledger_pb2.LogEntry(leaf_index=e.leaf_index, inclusion_proof=e.proof))
            for e in entries[:3]] + [_slow(entries[3])]
    assert got == want


def test_results_equal_field_by_field() -> None:
    cp = NodeSigner(bytes(32), "t").sign_next(None, 3, EMPTY_ROOT, 1)
    rid = os.urandom(32)
    results = [Receipt(rid, 0, cp), Receipt(rid, 2**33, cp, duplicate=True),
               Refusal(1, rid, "INVALID_ARGUMENT", "records[1].payload: bad")]
    want = [
        ledger_pb2.SubmitResult(receipt=ledger_pb2.Receipt(
            record_id=rid, leaf_index=0, checkpoint=convert.checkpoint_pb(cp))),
        ledger_pb2.SubmitResult(receipt=ledger_pb2.Receipt(
            record_id=rid, leaf_index=2**33, checkpoint=convert.checkpoint_pb(cp), duplicate=True)),
        ledger_pb2.SubmitResult(refusal=ledger_pb2.Refusal(
            position=1, record_id=rid, code="INVALID_ARGUMENT", reason="records[1].payload: bad")),
    ]
    assert convert.results_pb(results) == want
