"""The wire-level fast paths in ledger.service.convert build exactly the messages built field by field."""

from __future__ import annotations

import os

import pytest

from ledger.chain import NodeSigner
from ledger.ingest import Receipt
from ledger.ingest.results import Refusal
from ledger.merkle import EMPTY_ROOT
from ledger.query import ProvenEntry
from ledger.service import convert
from ledger.v1 import ledger_pb2, risk_pb2


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


def _report_entries() -> list[ProvenEntry]:
    return [
        ProvenEntry(0, os.urandom(114), b"payload", [os.urandom(32) for _ in range(20)], os.urandom(32)),
        ProvenEntry(2**40 + 7, os.urandom(114), None, [os.urandom(32)], os.urandom(32)),  # erased
        ProvenEntry(9, os.urandom(114), b"late", [os.urandom(32) for _ in range(3)], os.urandom(32)),
    ]


def test_report_answer_equals_field_by_field() -> None:
    signer = NodeSigner(bytes(32), "t")
    cp = signer.sign_next(None, 2**40 + 8, EMPTY_ROOT, 1)
    inquiry = Receipt(os.urandom(32), 2**40 + 7, cp)
    report = risk_pb2.Report(borrower_ref=os.urandom(32), as_of_date="2026-11-29", as_of_tree_size=cp.tree_size,
                             total_balance=12_345, open_lenders=2, multi_lender_threshold=3,
                             tradelines=[risk_pb2.Tradeline(furnisher_id="bank-a", account_ref="acct-1")])
    entries = _report_entries()
    for consistency, known in (([], 0), ([os.urandom(32) for _ in range(4)], 17)):
        for brief in (frozenset(), frozenset({0, 2**40 + 7})):
            want = risk_pb2.CreditReportResponse(
                checkpoint=convert.checkpoint_pb(cp), entries=convert.history_entries_pb(entries, brief),
                report=report, inquiry_receipt=convert.receipt_pb(inquiry), consistency=consistency,
                consistency_from=known,
            )
            wire = convert.report_answer_wire(cp, entries, report, inquiry, consistency, known, brief)
            assert risk_pb2.CreditReportResponse.FromString(wire) == want
            assert convert.answer_chunk_pb(wire) == risk_pb2.CreditReportChunk(answer=want)


def test_early_chunk_equals_field_by_field() -> None:
    entries = _report_entries()
    want = risk_pb2.CreditReportChunk(early_entries=convert.history_entries_pb(entries))
    assert convert.early_chunk_pb(entries) == want
    assert not convert.early_chunk_pb([]).HasField("answer")
    assert len(convert.early_chunk_pb([]).early_entries) == 0


def test_repeated_field_numbers_need_a_one_byte_tag() -> None:
    with pytest.raises(ValueError, match="field 16"):
        convert.history_entries_wire(_report_entries(), field=16)
