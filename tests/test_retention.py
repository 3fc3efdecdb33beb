"""Retention redacts adverse payloads past their period, idempotently, and proofs stay green."""

from __future__ import annotations

import datetime as dt

from ledger.records.codes import is_delinquent
from ledger.risk.retention import DEFAULT_POLICIES, RetentionPolicy, due_for_redaction, run_retention
from ledger.v1 import records_pb2

from conftest import FIXED_NOW, Home, Served

YEAR_S = 365 * 86400


def test_policies() -> None:
    rec = records_pb2.CreditRecord(account_status="78", date_of_first_delinquency="2020-03-01",
                                   date_of_account_information="2020-05-01")
    assert DEFAULT_POLICIES["US"].expires(rec) == dt.date(2027, 3, 1) + dt.timedelta(days=180)
    assert DEFAULT_POLICIES["CN"].expires(rec) == dt.date(2025, 5, 1)
    assert RetentionPolicy(5, "adverse_end").expires(records_pb2.CreditRecord(account_status="11")) is None


def test_retention_redacts_due_adverse_records_once(home: Home, served: Served) -> None:
    recs = home.records(20, 12)
    served.client.submit(home.sign(recs))
    adverse = [r for r in recs if is_delinquent(r.account_status) or r.date_of_first_delinquency]
    assert adverse, "workload should contain delinquent records"
    node = served.node
    assert run_retention(node) is None  # in 2026 nothing is five years old yet
    node.settings.clock = lambda: FIXED_NOW + 6 * YEAR_S
    size_before = node.latest_checkpoint().tree_size  # type: ignore[union-attr]
    rec = run_retention(node)
    assert rec is not None
    assert node.metrics.retention_redacted._value.get() == len(adverse)
    assert rec.checkpoint.tree_size == size_before + 1  # one RETENTION entry, nothing rewritten
    assert due_for_redaction(node, DEFAULT_POLICIES, node.today()) == []
    assert run_retention(node) is None  # idempotent
    for ref in {r.borrower_ref for r in adverse}:
        hist = served.client.borrower_history(ref)  # proofs and signatures still verify
        gone = [e for e in hist if e.payload is None]
        kept = [records_pb2.CreditRecord.FromString(e.payload) for e in hist if e.payload is not None]
        assert gone and not any(is_delinquent(k.account_status) or k.date_of_first_delinquency for k in kept)
