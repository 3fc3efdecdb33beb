"""Risk-side client: signed inquiries, verified credit reports, disputes and erasure requests.

A credit report is shown only after every entry behind it verified against one checkpoint and the
report recomputed from those entries equals the node's.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from ledger.client.client import LedgerClient, VerificationError, VerifiedEntry
from ledger.client.signer import RecordSigner, new_nonce
from ledger.records.signing import EntryKind
from ledger.risk.report import Fact, build_report
from ledger.service.convert import checkpoint_from_pb
from ledger.v1 import ledger_pb2, records_pb2, risk_pb2, risk_pb2_grpc


@dataclass(frozen=True)
class VerifiedReport:
    report: risk_pb2.Report
    entries: list[VerifiedEntry]
    inquiry: ledger_pb2.Receipt


def _now_ms() -> int:
    return int(time.time() * 1000)


class RiskClient:
    """Acts for one member with one signing key."""

    def __init__(self, client: LedgerClient, signer: RecordSigner, member_id: str) -> None:
        self.client = client
        self.signer = signer
        self.member_id = member_id
        self.stub = risk_pb2_grpc.RiskStub(client.channel)

    def _sign(self, msg: risk_pb2.Inquiry | risk_pb2.Dispute | risk_pb2.DisputeResolution | risk_pb2.Erasure,
              kind: EntryKind) -> records_pb2.SignedRecord:
        return self.signer.sign_payload(msg.SerializeToString(deterministic=True), kind)

    def credit_report(
        self, borrower_ref: bytes, purpose: int, consent_ref: str = "", *, as_of_tree_size: int = 0,
        as_of_date: str = "", now_ms: int | None = None,
    ) -> VerifiedReport:
        """Sign an inquiry, fetch the report, verify every entry and recompute the report."""
        q = risk_pb2.Inquiry(member_id=self.member_id, borrower_ref=borrower_ref, purpose=purpose,  # type: ignore[arg-type]
                             consent_ref=consent_ref, requested_at_ms=now_ms or _now_ms(), nonce=new_nonce())
        known = self.client.trusted.tree_size if self.client.trusted else 0
        resp = self.stub.CreditReport(risk_pb2.CreditReportRequest(
            inquiry=self._sign(q, EntryKind.INQUIRY), as_of_tree_size=as_of_tree_size, as_of_date=as_of_date,
            known_tree_size=known))
        cp = self.client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint), list(resp.consistency))
        entries = self.client.verify_entries([(h.entry, h.public_key) for h in resp.entries], cp)
        r = resp.report
        if r.borrower_ref != borrower_ref or r.as_of_tree_size != cp.tree_size:
            raise VerificationError("report: borrower or tree size does not match the request and checkpoint")
        again = build_report(
            borrower_ref, [Fact(e.leaf_index, e.kind, e.record_id, e.payload) for e in entries],
            as_of=dt.date.fromisoformat(r.as_of_date), as_of_tree_size=cp.tree_size,
            multi_lender_threshold=r.multi_lender_threshold, dispute_days=r.dispute_days,
        )
        if again.SerializeToString(deterministic=True) != r.SerializeToString(deterministic=True):
            raise VerificationError("report: does not follow from the verified entries")
        return VerifiedReport(r, entries, resp.inquiry_receipt)

    def file_dispute(self, borrower_ref: bytes, record_id: bytes, reason: str, code: str = "XB",
                     now_ms: int | None = None) -> ledger_pb2.Receipt:
        d = risk_pb2.Dispute(filed_by=self.member_id, borrower_ref=borrower_ref, record_id=record_id,
                             compliance_condition_code=code, reason=reason, filed_at_ms=now_ms or _now_ms(),
                             nonce=new_nonce())
        resp: risk_pb2.EntryReceipt = self.stub.FileDispute(self._sign(d, EntryKind.DISPUTE))
        return resp.receipt

    def resolve_dispute(self, borrower_ref: bytes, dispute_id: bytes, outcome: int, correction_id: bytes = b"",
                        note: str = "", now_ms: int | None = None) -> ledger_pb2.Receipt:
        r = risk_pb2.DisputeResolution(
            furnisher_id=self.member_id, dispute_id=dispute_id, borrower_ref=borrower_ref,
            outcome=outcome, correction_record_id=correction_id, note=note,  # type: ignore[arg-type]
            resolved_at_ms=now_ms or _now_ms(), nonce=new_nonce())
        resp: risk_pb2.EntryReceipt = self.stub.ResolveDispute(self._sign(r, EntryKind.DISPUTE_RESOLUTION))
        return resp.receipt

    def erase(self, borrower_ref: bytes, legal_basis: str, now_ms: int | None = None) -> ledger_pb2.Receipt:
        e = risk_pb2.Erasure(requested_by=self.member_id, borrower_ref=borrower_ref, legal_basis=legal_basis,
                             erased_at_ms=now_ms or _now_ms(), nonce=new_nonce())
        resp: risk_pb2.EntryReceipt = self.stub.Erase(self._sign(e, EntryKind.ERASURE))
        return resp.receipt
