"""Thin servicer for the risk side: credit reports, disputes, erasure, versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Set

import grpc

from ledger.errors import InvalidArgument
from ledger.ingest import Receipt
from ledger.risk.corrections import versions_of
from ledger.risk.desk import PendingReport, ReportAnswer, RiskDesk
from ledger.service import convert
from ledger.service.auth import caller_member
from ledger.service.status import rpc, rpc_stream
from ledger.v1 import records_pb2, risk_pb2, risk_pb2_grpc


def _receipt(r: Receipt) -> risk_pb2.EntryReceipt:
    return risk_pb2.EntryReceipt(receipt=convert.receipt_pb(r))


class RiskServicer(risk_pb2_grpc.RiskServicer):
    def __init__(self, desk: RiskDesk) -> None:
        self.desk = desk

    @rpc
    def CreditReport(
        self, request: risk_pb2.CreditReportRequest, context: grpc.ServicerContext
    ) -> risk_pb2.CreditReportResponse:
        resp: risk_pb2.CreditReportResponse = risk_pb2.CreditReportResponse.FromString(
            self._answer(request, self._start(request, context).finish())
        )
        return resp

    @rpc_stream
    def CreditReportStream(
        self, request: risk_pb2.CreditReportRequest, context: grpc.ServicerContext
    ) -> Iterator[risk_pb2.CreditReportChunk]:
        pending = self._start(request, context)
        yield convert.early_chunk_pb(pending.early)
        sent = {e.leaf_index for e in pending.early}
        yield convert.answer_chunk_pb(self._answer(request, pending.finish(), sent))

    def _start(self, request: risk_pb2.CreditReportRequest, context: grpc.ServicerContext) -> PendingReport:
        if request.as_of_date:
            try:
                dt.date.fromisoformat(request.as_of_date)
            except ValueError:
                raise InvalidArgument(f"as_of_date: {request.as_of_date!r} is not a date (YYYY-MM-DD)") from None
        return self.desk.start_report(
            convert.submitted_one(request.inquiry), caller_member(context), request.as_of_tree_size, request.as_of_date
        )

    def _answer(self, request: risk_pb2.CreditReportRequest, a: ReportAnswer, sent: Set[int] = frozenset()) -> bytes:
        """The wire bytes of the response for ``a``; entries whose leaf index is in ``sent`` carry
        only index and proof."""
        known, size = request.known_tree_size, a.checkpoint.tree_size
        proof = self.desk.node.reader.consistency_to(known, size) if 0 < known < size else []
        return convert.report_answer_wire(a.checkpoint, a.entries, a.report, a.inquiry, proof,
                                          known if proof else 0, sent)

    @rpc
    def FileDispute(self, request: records_pb2.SignedRecord, context: grpc.ServicerContext) -> risk_pb2.EntryReceipt:
        return _receipt(self.desk.file_dispute(convert.submitted_one(request), caller_member(context)))

    @rpc
    def ResolveDispute(
        self, request: records_pb2.SignedRecord, context: grpc.ServicerContext
    ) -> risk_pb2.EntryReceipt:
        return _receipt(self.desk.resolve_dispute(convert.submitted_one(request), caller_member(context)))

    @rpc
    def OverdueDisputes(
        self, request: risk_pb2.OverdueDisputesRequest, context: grpc.ServicerContext
    ) -> risk_pb2.OverdueDisputesResponse:
        return risk_pb2.OverdueDisputesResponse(disputes=self.desk.overdue_disputes())

    @rpc
    def Erase(self, request: records_pb2.SignedRecord, context: grpc.ServicerContext) -> risk_pb2.EntryReceipt:
        return _receipt(self.desk.erase(convert.submitted_one(request), caller_member(context)))

    @rpc
    def RecordVersions(
        self, request: risk_pb2.RecordVersionsRequest, context: grpc.ServicerContext
    ) -> risk_pb2.RecordVersionsResponse:
        if len(request.record_id) != 32:
            raise InvalidArgument("record_id: must be 32 bytes")
        node = self.desk.node
        idx = versions_of(request.record_id, node.store, node.vault)
        cp = node.reader.checkpoint(0)
        entries = node.reader.entries(idx, cp)
        return risk_pb2.RecordVersionsResponse(
            versions=convert.history_entries_pb(entries),
            checkpoint=convert.checkpoint_pb(cp),
        )
