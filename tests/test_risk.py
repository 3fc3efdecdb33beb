"""The risk side end to end over gRPC: inquiries (purpose, consent, post-loan rule, always logged),
verified credit reports, corrections, disputes with an injectable clock, and crypto-shredding."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from ledger.chain import NodeSigner
from ledger.client.risk import RiskClient
from ledger.errors import FailedPrecondition
from ledger.ingest.prepare import Prepared
from ledger.merkle import EMPTY_ROOT
from ledger.records.signing import EntryKind
from ledger.risk.corrections import CorrectionGate
from ledger.risk.index import SUPERSEDED
from ledger.store import RocksStore
from ledger.store.base import BlockWrite
from ledger.v1 import records_pb2, risk_pb2

from conftest import FIXED_NOW, Home, Served

NOW_MS = int(FIXED_NOW * 1000)
DAY_S = 86400


def _risk(home: Home, served: Served, member: str) -> RiskClient:
    return RiskClient(served.client, home.signer(member), member)


def _load(home: Home, served: Served) -> list[records_pb2.CreditRecord]:
    recs = home.records(4, 6)
    assert all(r.HasField("receipt") for r in served.client.submit(home.sign(recs)))
    return recs


def _size(s: Served) -> int:
    cp = s.node.latest_checkpoint()
    return cp.tree_size if cp else 0


def test_report_is_verified_and_lists_its_inquiry(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    got = _risk(home, served, "bank-a").credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "consent-1", now_ms=NOW_MS)
    r = got.report
    accounts = {(x.furnisher_id, x.account_ref) for x in recs if x.borrower_ref == ref}
    assert {(t.furnisher_id, t.account_ref) for t in r.tradelines} == accounts
    assert len(r.inquiries) == 1 and r.inquiries[0].member_id == "bank-a"
    assert r.total_balance == sum(t.current_balance for t in r.tradelines)
    assert all(len(t.payment_grid) == 24 for t in r.tradelines)
    assert r.open_lenders == len({t.furnisher_id for t in r.tradelines if t.open})


def test_inquiry_without_consent_is_refused_but_recorded(home: Home, served: Served) -> None:
    ref = _load(home, served)[0].borrower_ref
    before = _size(served)
    with pytest.raises(grpc.RpcError) as err:
        _risk(home, served, "bank-b").credit_report(ref, risk_pb2.GUARANTOR_CHECK, "", now_ms=NOW_MS)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "consent_ref" in err.value.details()
    assert _size(served) == before + 1  # the refused inquiry left its trace
    r = _risk(home, served, "bank-a").credit_report(ref, risk_pb2.BORROWER_REQUEST, "c-2", now_ms=NOW_MS).report
    assert [(i.member_id, i.purpose) for i in r.inquiries] == [
        ("bank-b", risk_pb2.GUARANTOR_CHECK), ("bank-a", risk_pb2.BORROWER_REQUEST)]


def test_account_review_only_for_a_lender_with_an_open_account(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    lenders = {r.furnisher_id for r in recs if r.borrower_ref == ref}
    outsider = next(b for b in ("bank-a", "bank-b", "bank-c") if b not in lenders)
    with pytest.raises(grpc.RpcError) as err:
        _risk(home, served, outsider).credit_report(ref, risk_pb2.ACCOUNT_REVIEW, now_ms=NOW_MS)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    insider = sorted(lenders)[0]
    assert _risk(home, served, insider).credit_report(ref, risk_pb2.ACCOUNT_REVIEW, now_ms=NOW_MS).report.tradelines


def test_replayed_inquiry_is_refused(home: Home, served: Served) -> None:
    ref = _load(home, served)[0].borrower_ref
    rc = _risk(home, served, "bank-a")
    q = risk_pb2.Inquiry(member_id="bank-a", borrower_ref=ref, purpose=risk_pb2.REGULATORY, consent_ref="x",
                         requested_at_ms=NOW_MS, nonce=b"\x01" * 16)
    signed = rc._sign(q, EntryKind.INQUIRY)
    rc.stub.CreditReport(risk_pb2.CreditReportRequest(inquiry=signed))
    with pytest.raises(grpc.RpcError) as err:
        rc.stub.CreditReport(risk_pb2.CreditReportRequest(inquiry=signed))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def _latest(recs: list[records_pb2.CreditRecord], ref: bytes) -> records_pb2.CreditRecord:
    mine = [r for r in recs if r.borrower_ref == ref]
    return max(mine, key=lambda r: r.date_of_account_information)


def _correct(home: Home, served: Served, old: records_pb2.CreditRecord, balance: int) -> bytes:
    new = records_pb2.CreditRecord()
    new.CopyFrom(old)
    new.kind = records_pb2.CORRECTION
    new.supersedes = home.signer(old.furnisher_id).sign_record(old).payload and _rid(old)
    new.current_balance = balance
    new.amount_past_due = min(new.amount_past_due, balance)
    new.nonce = b"\x0c" * 16
    (res,) = served.client.submit([home.signer(old.furnisher_id).sign_record(new)])
    assert res.HasField("receipt"), res
    return res.receipt.record_id


def _rid(rec: records_pb2.CreditRecord) -> bytes:
    import hashlib

    return hashlib.sha256(rec.SerializeToString(deterministic=True)).digest()


def test_correction_supersedes_and_versions_chain(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    old = _latest(recs, ref)
    cid = _correct(home, served, old, 12345)
    r = _risk(home, served, "bank-a").credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS).report
    line = next(t for t in r.tradelines if t.account_ref == old.account_ref and t.furnisher_id == old.furnisher_id)
    assert line.record_id == cid and line.current_balance == 12345 and line.corrections == 1
    vers = served.client.channel.unary_unary(
        "/ledger.v1.Risk/RecordVersions", request_serializer=risk_pb2.RecordVersionsRequest.SerializeToString,
        response_deserializer=risk_pb2.RecordVersionsResponse.FromString)(
        risk_pb2.RecordVersionsRequest(record_id=_rid(old)))
    assert [h.entry.leaf for h in vers.versions][-1][2:34] == cid
    assert len(vers.versions) == 2


def _correction_of(home: Home, old: records_pb2.CreditRecord, balance: int, nonce: bytes) -> records_pb2.SignedRecord:
    new = records_pb2.CreditRecord()
    new.CopyFrom(old)
    new.kind, new.supersedes, new.nonce = records_pb2.CORRECTION, _rid(old), nonce
    new.current_balance = balance
    new.amount_past_due = min(new.amount_past_due, balance)
    return home.signer(old.furnisher_id).sign_record(new)


def test_correction_chains_are_linear(home: Home, served: Served) -> None:
    """A version is corrected at most once: a second correction of it is refused (the latest version
    must be corrected), in a later batch and within one batch; resubmitting a correction is idempotent."""
    recs = _load(home, served)
    refs = sorted({r.borrower_ref for r in recs})
    old = _latest(recs, refs[0])
    first = _correction_of(home, old, 100, b"\x21" * 16)
    (ok,) = served.client.submit([first])
    assert ok.HasField("receipt")
    (again,) = served.client.submit([first])
    assert again.HasField("receipt") and again.receipt.duplicate
    (second,) = served.client.submit([_correction_of(home, old, 200, b"\x22" * 16)])
    assert second.refusal.code == "FAILED_PRECONDITION"
    assert "supersedes" in second.refusal.reason and "already corrected by " + ok.receipt.record_id.hex() in (
        second.refusal.reason)
    # correcting the correction extends the chain
    v2 = records_pb2.CreditRecord.FromString(first.payload)
    third = _correction_of(home, v2, 300, b"\x23" * 16)
    (res3,) = served.client.submit([third])
    assert res3.HasField("receipt")
    vers = served.client.channel.unary_unary(
        "/ledger.v1.Risk/RecordVersions", request_serializer=risk_pb2.RecordVersionsRequest.SerializeToString,
        response_deserializer=risk_pb2.RecordVersionsResponse.FromString)(
        risk_pb2.RecordVersionsRequest(record_id=_rid(old)))
    assert [h.entry.leaf[2:34] for h in vers.versions] == [_rid(old), ok.receipt.record_id, res3.receipt.record_id]
    # two corrections of one version in one batch: the first is taken, the second refused
    other = _latest(recs, refs[1])
    a, b = _correction_of(home, other, 10, b"\x24" * 16), _correction_of(home, other, 20, b"\x25" * 16)
    ra, rb = served.client.submit([a, b])
    assert ra.HasField("receipt") and rb.refusal.code == "FAILED_PRECONDITION"
    r = _risk(home, served, "bank-a").credit_report(other.borrower_ref, risk_pb2.BORROWER_REQUEST, "c",
                                                    now_ms=NOW_MS).report
    lines = [t for t in r.tradelines if t.account_ref == other.account_ref and t.furnisher_id == other.furnisher_id]
    assert [t.record_id for t in lines] == [ra.receipt.record_id]


def test_correction_of_another_furnishers_record_refused(home: Home, served: Served) -> None:
    recs = _load(home, served)
    old = _latest(recs, recs[0].borrower_ref)
    other = next(b for b in ("bank-a", "bank-b", "bank-c") if b != old.furnisher_id)
    new = records_pb2.CreditRecord()
    new.CopyFrom(old)
    new.furnisher_id, new.kind, new.supersedes, new.nonce = other, records_pb2.CORRECTION, _rid(old), b"\x0d" * 16
    (res,) = served.client.submit([home.signer(other).sign_record(new)])
    assert res.refusal.code == "FAILED_PRECONDITION" and "supersedes" in res.refusal.reason


def test_dispute_lifecycle_with_clock(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    target = _latest(recs, ref)
    filer = _risk(home, served, "bank-a")
    d1 = filer.file_dispute(ref, _rid(target), "balance wrong", now_ms=NOW_MS)
    view = filer.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS).report.disputes
    assert [(d.state, d.overdue) for d in view] == [("open", False)]
    served.node.settings.clock = lambda: FIXED_NOW + 31 * DAY_S  # a month later
    from ledger.v1 import risk_pb2_grpc

    stub = risk_pb2_grpc.RiskStub(served.client.channel)
    overdue = stub.OverdueDisputes(risk_pb2.OverdueDisputesRequest()).disputes
    assert [d.dispute_id for d in overdue] == [d1.record_id]
    furnisher = _risk(home, served, target.furnisher_id)
    later = NOW_MS + 31 * DAY_S * 1000
    if target.furnisher_id != "bank-a":
        with pytest.raises(grpc.RpcError) as err:
            filer.resolve_dispute(ref, d1.record_id, risk_pb2.CONFIRMED, now_ms=later)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    furnisher.resolve_dispute(ref, d1.record_id, risk_pb2.CONFIRMED, note="verified", now_ms=later)
    assert not stub.OverdueDisputes(risk_pb2.OverdueDisputesRequest()).disputes
    rep = filer.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=later).report
    assert [d.state for d in rep.disputes] == ["confirmed"]


def test_dispute_closed_by_correction(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    target = _latest(recs, ref)
    rc = _risk(home, served, "bank-c")
    rc.file_dispute(ref, _rid(target), "not mine", now_ms=NOW_MS)
    _correct(home, served, target, 1)
    rep = rc.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS).report
    assert [d.state for d in rep.disputes] == ["corrected"]


def test_erasure_shreds_payloads_and_keeps_proofs(home: Home, served: Served) -> None:
    recs = _load(home, served)
    ref = recs[0].borrower_ref
    n = sum(r.borrower_ref == ref for r in recs)
    with pytest.raises(grpc.RpcError) as err:  # a bank may not erase
        _risk(home, served, "bank-a").erase(ref, "GDPR Art. 17", now_ms=NOW_MS)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    _risk(home, served, "regulator").erase(ref, "GDPR Art. 17", now_ms=NOW_MS)
    hist = served.client.borrower_history(ref)  # every proof and signature still verifies
    assert sum(e.payload is None for e in hist) == n
    rep = _risk(home, served, "bank-a").credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS).report
    assert rep.erased_records == n and not rep.tradelines
    other = recs[-1].borrower_ref
    assert other != ref and all(e.payload for e in served.client.borrower_history(other))


def test_report_as_of_tree_size_and_date(home: Home, served: Served) -> None:
    recs = home.records(3, 6)
    ref = recs[0].borrower_ref
    first, rest = recs[: len(recs) // 2], recs[len(recs) // 2 :]
    served.client.submit(home.sign(first))
    early = _size(served)
    served.client.submit(home.sign(rest))
    rc = _risk(home, served, "bank-a")
    now = rc.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS).report
    past = rc.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", as_of_tree_size=early, now_ms=NOW_MS).report
    assert past.as_of_tree_size == early < now.as_of_tree_size
    newest = max(r.date_of_account_information for r in recs if r.borrower_ref == ref)
    assert max(t.reported for t in now.tradelines) == newest
    assert max(t.reported for t in past.tradelines) < newest
    dated = rc.credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", as_of_date="2024-03-15", now_ms=NOW_MS).report
    assert max(t.reported for t in dated.tradelines) <= "2024-03-15"
    assert not dated.inquiries  # the inquiries were made after that date


def test_malformed_inquiry_refused_and_not_recorded(home: Home, served: Served) -> None:
    ref = _load(home, served)[0].borrower_ref
    before = _size(served)
    with pytest.raises(grpc.RpcError) as err:  # stale timestamp
        _risk(home, served, "bank-a").credit_report(ref, risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS - 3_600_000)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "requested_at_ms" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        _risk(home, served, "bank-a").credit_report(ref[:5], risk_pb2.BORROWER_REQUEST, "c", now_ms=NOW_MS)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "borrower_ref" in err.value.details()
    assert _size(served) == before


def test_correction_gate_refuses_a_second_correction_in_one_block(tmp_path: Path) -> None:
    """The commit-time re-check: corrections from different submissions meeting in one block."""
    def corr(eid: bytes, sup: bytes) -> Prepared:
        return Prepared(0, eid, b"", b"", b"", b"", b"", b"", 0, "bank-a", supersedes=sup)

    store = RocksStore(tmp_path / "db")
    try:
        gate = CorrectionGate(store)
        v1, c1, c2 = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
        gate.begin(0)
        gate.admit(corr(c1, v1), 0)
        gate.admit(corr(b"\x09" * 32, b""), 1)  # not a correction: no check
        with pytest.raises(FailedPrecondition, match="another record of this block"):
            gate.admit(corr(c2, v1), 2)
        gate.end(True)
        cp = NodeSigner(bytes(32), "t").sign_next(None, 0, EMPTY_ROOT, 0)
        store.commit_block(BlockWrite([], [], cp, {}, extra={SUPERSEDED + v1 + c1: b"\x01"}))
        gate.begin(0)
        with pytest.raises(FailedPrecondition, match="already corrected by " + c1.hex()):
            gate.admit(corr(c2, v1), 0)
        gate.admit(corr(c1, v1), 0)  # the committed correction itself (a resubmission) is not refused
        gate.end(False)
    finally:
        store.close()
