"""The one place where ledger errors become gRPC statuses.

Every servicer method is wrapped by ``rpc`` (unary response), ``rpc_stream`` (streamed response) or
reports through ``abort_with``; no servicer maps errors itself.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc

from ledger.errors import LedgerError, ResourceExhausted

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

RETRY_HINT_KEY = "retry-after-ms"


def status_code(err: LedgerError) -> grpc.StatusCode:
    """The gRPC status for a ledger error (INTERNAL for unknown codes)."""
    return getattr(grpc.StatusCode, err.code, grpc.StatusCode.INTERNAL)


def abort_with(context: grpc.ServicerContext, err: BaseException) -> None:
    """Abort the RPC with the status for ``err``. Unexpected errors become INTERNAL, logged."""
    if isinstance(err, LedgerError):
        if isinstance(err, ResourceExhausted):
            context.set_trailing_metadata(((RETRY_HINT_KEY, str(int(err.retry_after_s * 1000))),))
        context.abort(status_code(err), str(err))
    log.exception("internal error in RPC", exc_info=err)
    context.abort(grpc.StatusCode.INTERNAL, "internal error; see node log")


def rpc(method: F) -> F:
    """Wrap a unary servicer method so LedgerErrors become statuses."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            abort_with(context, exc)

    return wrapper  # type: ignore[return-value]


def rpc_stream(method: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """Wrap a response-streaming servicer method (a generator) so LedgerErrors, raised before or
    between its messages, become statuses."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            abort_with(context, exc)

    return wrapper


def _is_abort(exc: Exception) -> bool:
    # context.abort raises a plain Exception subclass that grpc recognises; let it through.
    return type(exc).__name__ == "_AbortError" or exc.__class__.__module__.startswith("grpc")
