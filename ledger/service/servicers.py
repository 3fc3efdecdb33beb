"""Thin gRPC servicers: validate the request shape, call the node, convert the answer."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future

import grpc

from ledger.errors import InvalidArgument, LedgerError
from ledger.ingest import Refusal, Result
from ledger.node import Node
from ledger.service import convert
from ledger.service.auth import caller_member
from ledger.service.limits import RateLimiter, check_deadline
from ledger.service.status import rpc
from ledger.v1 import ledger_pb2, ledger_pb2_grpc

log = logging.getLogger(__name__)
MAX_BATCH = 10_000
STREAM_WINDOW = 32  # batches in flight per stream before the reader waits


def _check_batch(n: int) -> None:
    if n == 0:
        raise InvalidArgument("records: empty batch")
    if n > MAX_BATCH:
        raise InvalidArgument(f"records: {n} records exceed the batch limit of {MAX_BATCH}")


class SubmissionServicer(ledger_pb2_grpc.SubmissionServicer):
    def __init__(self, node: Node, limiter: RateLimiter | None = None) -> None:
        self.node = node
        self.limiter = limiter or RateLimiter(0)

    @rpc
    def SubmitRecords(
        self, request: ledger_pb2.SubmitRecordsRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.SubmitRecordsResponse:
        _check_batch(len(request.records))
        member = caller_member(context)
        check_deadline(context)  # an expired call queues nothing
        self.node.check_room(len(request.records), member)  # shed load before converting anything
        self.limiter.take(member, len(request.records))
        fut = self.node.submit_async(convert.submitted(request.records), member)
        # Deadline honoured before commit only: once queued, the block commits whole and the
        # receipt is still valid if the caller gave up.
        return ledger_pb2.SubmitRecordsResponse(results=convert.results_pb(fut.result()))

    def StreamRecords(
        self, request_iterator: Iterator[ledger_pb2.StreamSubmitRequest], context: grpc.ServicerContext
    ) -> Iterator[ledger_pb2.StreamSubmitResponse]:
        member = caller_member(context)
        inflight: queue.Queue[tuple[int, Future[list[Result]] | list[Result]] | None] = queue.Queue(STREAM_WINDOW)
        reader = threading.Thread(
            target=self._read_stream, args=(request_iterator, member, inflight), daemon=True, name="stream-reader"
        )
        reader.start()
        while True:
            item = inflight.get()
            if item is None:
                return
            batch_id, pending = item
            results = pending.result() if isinstance(pending, Future) else pending
            yield ledger_pb2.StreamSubmitResponse(batch_id=batch_id, results=convert.results_pb(results))

    def _read_stream(
        self,
        requests: Iterator[ledger_pb2.StreamSubmitRequest],
        member: str | None,
        out: queue.Queue[tuple[int, Future[list[Result]] | list[Result]] | None],
    ) -> None:
        try:
            for req in requests:
                n = len(req.records)
                try:
                    _check_batch(n)
                    self.node.check_room(n, member)
                    self.limiter.take(member, n)
                    out.put((req.batch_id, self.node.submit_async(convert.submitted(req.records), member)))
                except LedgerError as exc:
                    # A refused batch does not end the stream: each record gets the batch's reason.
                    rid = [b""] * max(n, 1)
                    out.put((req.batch_id, [Refusal(i, rid[i], exc.code, str(exc)) for i in range(max(n, 1))]))
        except grpc.RpcError:
            pass  # the client went away; the results of queued batches are still committed
        except Exception:
            log.exception("stream reader failed")
        finally:
            out.put(None)


class LogServicer(ledger_pb2_grpc.LogServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    @rpc
    def GetCheckpoint(
        self, request: ledger_pb2.GetCheckpointRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.Checkpoint:
        return convert.checkpoint_pb(self.node.reader.checkpoint(request.tree_size))

    @rpc
    def GetRecord(
        self, request: ledger_pb2.GetRecordRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.GetRecordResponse:
        e = self.node.reader.record(request.record_id, request.tree_size)
        cp = self.node.reader.checkpoint(request.tree_size)
        return ledger_pb2.GetRecordResponse(
            entry=convert.log_entry_pb(e), checkpoint=convert.checkpoint_pb(cp), public_key=e.public_key
        )

    @rpc
    def GetInclusionProof(
        self, request: ledger_pb2.GetInclusionProofRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.GetInclusionProofResponse:
        lh, proof, cp = self.node.reader.inclusion(request.leaf_index, request.tree_size)
        return ledger_pb2.GetInclusionProofResponse(leaf_hash=lh, proof=proof, checkpoint=convert.checkpoint_pb(cp))

    @rpc
    def GetConsistencyProof(
        self, request: ledger_pb2.GetConsistencyProofRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.GetConsistencyProofResponse:
        proof, first, second = self.node.reader.consistency(request.first_size, request.second_size)
        return ledger_pb2.GetConsistencyProofResponse(
            proof=proof, first=convert.checkpoint_pb(first), second=convert.checkpoint_pb(second)
        )


class QueryServicer(ledger_pb2_grpc.QueryServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    @rpc
    def BorrowerHistory(
        self, request: ledger_pb2.BorrowerHistoryRequest, context: grpc.ServicerContext
    ) -> ledger_pb2.BorrowerHistoryResponse:
        with self.node.metrics.query_seconds.labels("history").time():
            entries, cp = self.node.reader.borrower_history(request.borrower_ref, request.limit)
            return ledger_pb2.BorrowerHistoryResponse(
                entries=convert.history_entries_pb(entries), checkpoint=convert.checkpoint_pb(cp)
            )
