"""A server interceptor that gives every RPC a request id and writes one access-log line for it.

Promises: the id is the caller's ``x-request-id`` metadata when it is 1-64 characters of
``[A-Za-z0-9._-]``, otherwise a fresh random one; it is in ledger.logjson.REQUEST_ID while the
handler runs (so every log line of the RPC carries it) and is sent back as ``x-request-id`` initial
metadata. The access line (logger ``creditledger.rpc``, INFO) holds method, status code and duration,
never request or response contents.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from ledger.logjson import REQUEST_ID

log = logging.getLogger("creditledger.rpc")
HEADER = "x-request-id"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(details: grpc.HandlerCallDetails) -> str:
    for k, v in details.invocation_metadata or ():
        if k == HEADER and isinstance(v, str) and _VALID.fullmatch(v):
            return v
    return uuid.uuid4().hex[:16]


def _code(context: grpc.ServicerContext, failed: bool) -> str:
    try:
        c = context.code()
    except Exception:
        c = None
    if c is None:
        return "INTERNAL" if failed else "OK"
    return str(getattr(c, "name", c))


class RequestLogInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Wraps each handler; see the module docstring."""

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        rid = _request_id(details)
        method = details.method
        streaming = handler.response_streaming
        kind = ("stream" if handler.request_streaming else "unary") + "_" + ("stream" if streaming else "unary")
        if kind == "unary_unary":
            inner = handler.unary_unary
        elif kind == "unary_stream":
            inner = handler.unary_stream
        elif kind == "stream_unary":
            inner = handler.stream_unary
        else:
            inner = handler.stream_stream

        def done(context: grpc.ServicerContext, t0: float, failed: bool) -> None:
            code = _code(context, failed)
            log.info("rpc %s %s", method, code, extra={
                "rpc_method": method, "code": code,
                "duration_ms": round((time.perf_counter() - t0) * 1000, 3), "request_id": rid})

        def start(context: grpc.ServicerContext) -> float:
            REQUEST_ID.set(rid)
            with contextlib.suppress(Exception):  # metadata already sent: the id is still in the logs
                context.send_initial_metadata(((HEADER, rid),))
            return time.perf_counter()

        def unary(request: Any, context: grpc.ServicerContext) -> Any:
            t0 = start(context)
            failed = True
            try:
                out = inner(request, context)
                failed = False
                return out
            finally:
                done(context, t0, failed)
                REQUEST_ID.set(None)

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            t0 = start(context)
            failed = True
            try:
                for item in inner(request, context):
                    yield item
                    REQUEST_ID.set(rid)  # the worker thread serves only this call; re-assert anyway
                failed = False
            finally:
                done(context, t0, failed)
                REQUEST_ID.set(None)

        make = {
            "unary_unary": grpc.unary_unary_rpc_method_handler,
            "unary_stream": grpc.unary_stream_rpc_method_handler,
            "stream_unary": grpc.stream_unary_rpc_method_handler,
            "stream_stream": grpc.stream_stream_rpc_method_handler,
        }[kind]
        return make(
            stream if streaming else unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
