"""Risk-side operations on a node: signed entries in, reports out. Every inquiry is logged first.

All entries go through the node's block pipeline, so they are verified, durable and in the log with a
checkpoint before the call returns.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ledger.chain import Checkpoint
from ledger.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, error_for
from ledger.ingest import Receipt, Result
from ledger.ingest.prepare import Submitted, signed_entry
from ledger.node import Node
from ledger.query import ProvenEntry
from ledger.records.leaf import decode_leaf
from ledger.records.payload import EPOCH
from ledger.records.signing import KEY_ID_LEN, SIGNATURE_LEN, EntryKind, entry_id
from ledger.risk import entries as ent
from ledger.risk.index import DISPUTE, DISPUTE_BY_RECORD, SUPERSEDED
from ledger.risk.report import Fact, build_report, ms_date
from ledger.v1 import risk_pb2

_DAY = struct.Struct(">I")


@dataclass(frozen=True)
class RiskConfig:
    dispute_days: int = 30
    multi_lender_threshold: int = 3


@dataclass(frozen=True)
class ReportAnswer:
    report: risk_pb2.Report
    entries: list[ProvenEntry]
    checkpoint: Checkpoint
    inquiry: Receipt


@dataclass(frozen=True)
class PendingReport:
    """A report whose inquiry is recorded and allowed (``RiskDesk.start_report``)."""

    early: list[ProvenEntry]  # may be shown now; no proofs yet
    finish: Callable[[], ReportAnswer]  # the answer; raises PermissionDenied or NotFound


class RiskDesk:
    def __init__(self, node: Node, config: RiskConfig | None = None) -> None:
        self.node = node
        self.config = config or RiskConfig()

    # -- plumbing -------------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.node.settings.clock() * 1000)

    def _signer_member(self, s: Submitted, claimed: str, caller: str | None, field: str) -> str:
        if len(s.key_id) != KEY_ID_LEN or len(s.signature) != SIGNATURE_LEN:
            raise InvalidArgument("key_id/signature: must be 16 and 64 bytes")
        key = self.node.registry.signer(s.key_id, self.node.committer.tree_size)
        if claimed != key.member_id:
            raise PermissionDenied(f"{field}: {claimed!r} is not the signer's member {key.member_id!r}")
        if caller is not None and caller != key.member_id:
            raise PermissionDenied(f"key_id: key belongs to {key.member_id!r}, caller is {caller!r}")
        return key.member_id

    def _roles(self, member: str) -> frozenset[str]:
        m = self.node.registry.members.get(member)
        return m.roles if m else frozenset()

    def _append(self, kind: EntryKind, s: Submitted, member: str, ref: bytes, day: dt.date, **extra: Any) -> Receipt:
        return self._receipt(self._append_async(kind, s, member, ref, day, **extra).result(), kind)

    @staticmethod
    def _receipt(results: list[Result], kind: EntryKind) -> Receipt:
        (res,) = results
        if not isinstance(res, Receipt):
            raise error_for(res.code, res.reason.replace("records[0]", kind.name.lower()))
        return res

    def _append_async(
        self, kind: EntryKind, s: Submitted, member: str, ref: bytes, day: dt.date, **extra: Any
    ) -> Future[list[Result]]:
        key = self.node.registry.keys[s.key_id]
        p = signed_entry(kind, s.payload, s.signature, s.key_id, key.public_key, member, borrower_ref=ref, day=day,
                         **extra)
        return self.node.pipeline.submit([p], [], 1)

    # -- inquiries and reports ------------------------------------------------------------------

    def credit_report(
        self, s: Submitted, caller: str | None, as_of_size: int = 0, as_of_date: str = ""
    ) -> ReportAnswer:
        """Record the signed inquiry, then (if purpose and consent allow) build the report.

        The inquiry is in the log before any check of purpose or consent, so a refused query still
        leaves its trace. Raises InvalidArgument (malformed), PermissionDenied, FailedPrecondition.
        """
        return self.start_report(s, caller, as_of_size, as_of_date).finish()

    def start_report(
        self, s: Submitted, caller: str | None, as_of_size: int = 0, as_of_date: str = ""
    ) -> PendingReport:
        """``credit_report`` in two steps: returns once the inquiry is durable and its purpose and
        consent allow the borrower's entries to be shown; ``finish()`` builds the answer.

        ``early`` holds the entries read so far, without proofs, for a caller that sends them ahead.
        It is empty where the right to see them depends on the report itself (ACCOUNT_REVIEW: an
        open account of the inquirer) or on a tree size checked only at the end (``as_of_size``).
        Raises as ``credit_report``: InvalidArgument, PermissionDenied, FailedPrecondition (and
        ``finish`` PermissionDenied for ACCOUNT_REVIEW, NotFound for a bad ``as_of_size``).
        """
        q = ent.decode(s.payload, risk_pb2.Inquiry, "inquiry")
        ent.check_inquiry(q, self.now_ms())
        member = self._signer_member(s, q.member_id, caller, "inquiry.member_id")
        if not self._roles(member) & {"inquirer", "auditor"}:
            raise PermissionDenied(f"inquiry.member_id: {member!r} has no inquirer or auditor role")
        as_of = dt.date.fromisoformat(as_of_date) if as_of_date else self.node.today()
        pending = self._append_async(EntryKind.INQUIRY, s, member, q.borrower_ref, ms_date(q.requested_at_ms))
        # While the inquiry's block syncs, read and open the borrower's entries; nothing leaves this
        # method before the inquiry is durable.
        loaded = self.node.reader.load(self.node.store.borrower_indices(q.borrower_ref))
        receipt = self._receipt(pending.result(), EntryKind.INQUIRY)
        if receipt.duplicate:
            raise FailedPrecondition("inquiry: this signed inquiry was already used; sign a new one")
        self.node.metrics.inquiries.labels(risk_pb2.Purpose.Name(q.purpose).lower()).inc()
        if q.purpose != risk_pb2.ACCOUNT_REVIEW and not q.consent_ref.strip():
            raise FailedPrecondition(
                f"inquiry.consent_ref: required for purpose {risk_pb2.Purpose.Name(q.purpose)}"
            )

        def finish() -> ReportAnswer:
            with self.node.metrics.query_seconds.labels("report").time():
                answer = self.report_of(q.borrower_ref, as_of, as_of_size, receipt, loaded)
            if q.purpose == risk_pb2.ACCOUNT_REVIEW and not any(
                t.open and t.furnisher_id == member for t in answer.report.tradelines
            ):
                raise PermissionDenied(
                    f"inquiry.purpose: ACCOUNT_REVIEW needs an open account of {member!r} with this borrower"
                )
            return answer

        early = [] if q.purpose == risk_pb2.ACCOUNT_REVIEW or as_of_size else loaded
        return PendingReport(early, finish)

    def report_of(
        self, ref: bytes, as_of: dt.date, as_of_size: int, receipt: Receipt, loaded: list[ProvenEntry] | None = None
    ) -> ReportAnswer:
        """The report and its proven entries (no inquiry recorded: callers do that first).

        ``loaded``: entries already read (``LogReader.load``); entries committed since are added.
        """
        reader = self.node.reader
        cp = reader.checkpoint(as_of_size)
        have = {e.leaf_index for e in loaded or []}
        idx = [i for i in self.node.store.borrower_indices(ref) if i < cp.tree_size]
        fresh = reader.load([i for i in idx if i not in have])
        keep = [e for e in loaded or [] if e.leaf_index < cp.tree_size] + fresh
        proven = reader.prove(_in_order(keep, idx), cp)
        leaves = [decode_leaf(e.leaf) for e in proven]
        facts = [Fact(e.leaf_index, lf.kind, lf.entry_id, e.payload) for e, lf in zip(proven, leaves, strict=True)]
        report = build_report(
            ref, facts, as_of=as_of, as_of_tree_size=cp.tree_size,
            multi_lender_threshold=self.config.multi_lender_threshold, dispute_days=self.config.dispute_days,
        )
        return ReportAnswer(report, proven, cp, receipt)

    # -- disputes -------------------------------------------------------------------------------

    def file_dispute(self, s: Submitted, caller: str | None) -> Receipt:
        d = ent.decode(s.payload, risk_pb2.Dispute, "dispute")
        ent.check_dispute(d, self.now_ms())
        member = self._signer_member(s, d.filed_by, caller, "dispute.filed_by")
        (idx,) = self.node.store.find_ids([d.record_id])
        if idx is None:
            raise NotFound(f"dispute.record_id: {d.record_id.hex()} is not in the log")
        (stored,) = self.node.store.get_entries([idx])
        if decode_leaf(stored.leaf).kind != EntryKind.RECORD:
            raise InvalidArgument("dispute.record_id: names an entry that is not a credit record")
        if stored.borrower_ref != d.borrower_ref:
            raise InvalidArgument("dispute.borrower_ref: does not match the disputed record")
        opened = ms_date(d.filed_at_ms)
        deadline = opened + dt.timedelta(days=self.config.dispute_days)
        did = entry_id(s.payload)
        rows = {
            DISPUTE + did: _DAY.pack((deadline - EPOCH).days) + d.record_id + d.borrower_ref,
            DISPUTE_BY_RECORD + d.record_id + did: b"\x01",
        }
        r = self._append(EntryKind.DISPUTE, s, member, d.borrower_ref, opened, meta_rows=rows)
        self.refresh_dispute_metrics()
        return r

    def resolve_dispute(self, s: Submitted, caller: str | None) -> Receipt:
        r = ent.decode(s.payload, risk_pb2.DisputeResolution, "resolution")
        ent.check_resolution(r, self.now_ms())
        member = self._signer_member(s, r.furnisher_id, caller, "resolution.furnisher_id")
        row = self.node.store.meta(DISPUTE + r.dispute_id)
        if row is None:
            raise FailedPrecondition("resolution.dispute_id: no open dispute with this id")
        record_id = row[4:36]
        (idx,) = self.node.store.find_ids([record_id])
        assert idx is not None
        (stored,) = self.node.store.get_entries([idx])
        owner = self.node.registry.keys[decode_leaf(stored.leaf).key_id].member_id
        if owner != member:
            raise PermissionDenied(f"resolution.furnisher_id: only {owner!r}, who furnished the record, may answer")
        corrected = self.node.store.meta(SUPERSEDED + record_id + r.correction_record_id) is not None
        if r.outcome == risk_pb2.CORRECTED and not corrected:
            raise FailedPrecondition("resolution.correction_record_id: is not a correction of the disputed record")
        rows = {DISPUTE + r.dispute_id: b"", DISPUTE_BY_RECORD + record_id + r.dispute_id: b""}
        rec = self._append(EntryKind.DISPUTE_RESOLUTION, s, member, r.borrower_ref, ms_date(r.resolved_at_ms),
                           meta_rows=rows)
        self.refresh_dispute_metrics()
        return rec

    def open_disputes(self) -> list[risk_pb2.DisputeView]:
        today = self.node.today()
        out = []
        for key, v in self.node.store.meta_prefix(DISPUTE):
            deadline = EPOCH + dt.timedelta(days=_DAY.unpack_from(v)[0])
            out.append(risk_pb2.DisputeView(
                dispute_id=key[len(DISPUTE):], record_id=v[4:36], deadline=deadline.isoformat(),
                state="open", overdue=today > deadline,
            ))
        return out

    def overdue_disputes(self) -> list[risk_pb2.DisputeView]:
        return [d for d in self.refresh_dispute_metrics() if d.overdue]

    def refresh_dispute_metrics(self) -> list[risk_pb2.DisputeView]:
        views = self.open_disputes()
        self.node.metrics.disputes_open.set(len(views))
        self.node.metrics.disputes_overdue.set(sum(v.overdue for v in views))
        return views

    # -- erasure --------------------------------------------------------------------------------

    def erase(self, s: Submitted, caller: str | None) -> Receipt:
        """Log the erasure and destroy the borrower's data key in the same synced batch."""
        e = ent.decode(s.payload, risk_pb2.Erasure, "erasure")
        ent.check_erasure(e, self.now_ms())
        member = self._signer_member(s, e.requested_by, caller, "erasure.requested_by")
        if not self._roles(member) & {"admin", "auditor"}:
            raise PermissionDenied(f"erasure.requested_by: {member!r} has no admin or auditor role")
        ref, row = self.node.vault.shred_row(e.borrower_ref)
        rec = self._append(EntryKind.ERASURE, s, member, e.borrower_ref, ms_date(e.erased_at_ms),
                           sealed=False, key_rows={ref: row})
        self.node.store.purge_old_keys()
        return rec


def _in_order(entries: list[ProvenEntry], order: list[int]) -> list[ProvenEntry]:
    """``entries`` in the borrower index's (date, leaf) order."""
    pos = {leaf: k for k, leaf in enumerate(order)}
    return sorted(entries, key=lambda e: pos[e.leaf_index])
