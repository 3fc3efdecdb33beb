"""Risk-side client: signed inquiries, verified credit reports, disputes and erasure requests.

A credit report is shown only after every entry behind it verified against one checkpoint and the
report recomputed from those entries equals the node's.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.client.client import LedgerClient, PendingEntries, VerificationError, VerifiedEntry
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
        """Sign an inquiry, fetch the report, verify every entry and recompute the report.

        Uses CreditReportStream: the signatures of the entries sent early are checked while the node
        proves them. Raises VerificationError (anything that does not verify, or a stream that is not
        one early chunk then one answer) or grpc.RpcError (the node refused).
        """
        q = risk_pb2.Inquiry(member_id=self.member_id, borrower_ref=borrower_ref, purpose=purpose,  # type: ignore[arg-type]
                             consent_ref=consent_ref, requested_at_ms=now_ms or _now_ms(), nonce=new_nonce())
        known = self.client.trusted.tree_size if self.client.trusted else 0
        call = self.stub.CreditReportStream(risk_pb2.CreditReportRequest(
            inquiry=self._sign(q, EntryKind.INQUIRY), as_of_tree_size=as_of_tree_size, as_of_date=as_of_date,
            known_tree_size=known))
        try:
            first = next(call, None)
            if first is None or first.HasField("answer"):
                raise VerificationError("report stream: the first chunk must carry the early entries only")
            early = self.client.begin_entries([(h.entry, h.public_key) for h in first.early_entries])
            last = next(call, None)
            if last is None or not last.HasField("answer") or len(last.early_entries):
                raise VerificationError("report stream: the second chunk must carry the answer only")
            out = self.verify_answer(borrower_ref, last.answer, early)
            # Checked last: the stream's end comes after the answer, and need not be waited for first.
            if next(call, None) is not None:
                raise VerificationError("report stream: more than two chunks")
        finally:
            call.cancel()  # a no-op once the stream has ended
        return out

    def verify_answer(
        self, borrower_ref: bytes, resp: risk_pb2.CreditReportResponse, early: PendingEntries | None = None
    ) -> VerifiedReport:
        """Verify a report answer: CreditReport's response, or CreditReportStream's answer with the
        ``early`` entries its first chunk carried (``LedgerClient.begin_entries``).

        Every entry must verify against the answer's checkpoint, which the client must accept;
        every early entry must be in the answer exactly once; the report recomputed from the entries
        must equal the node's. Raises VerificationError otherwise.
        """
        early = early or self.client.begin_entries([])
        cp = self.client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint), list(resp.consistency),
                                           resp.consistency_from)
        sent = {index: i for i, index in enumerate(early.indices)}
        rows = [(h.entry, h.public_key) for h in resp.entries]
        full = [bool(e.leaf) for e, _ in rows]
        late = self.client.begin_entries([row for row, f in zip(rows, full, strict=True) if f])
        order: list[tuple[PendingEntries, int, Sequence[bytes]]] = []
        seen: set[int] = set()
        n_late = 0
        for (e, _), f in zip(rows, full, strict=True):
            index = e.leaf_index
            if index in seen:
                raise VerificationError(f"report: leaf {index} is listed twice")
            seen.add(index)
            if f:
                order.append((late, n_late, e.inclusion_proof))
                n_late += 1
            elif index in sent:
                order.append((early, sent.pop(index), e.inclusion_proof))
            else:
                raise VerificationError(f"report: leaf {index} has no leaf bytes and was not sent early")
        if sent:
            raise VerificationError(f"report: leaf {min(sent)} was sent early but is not in the answer")
        entries = self.client.prove_entries(order, cp)
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
        early.check_signatures()
        late.check_signatures()
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
