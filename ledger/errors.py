"""The error hierarchy of the ledger. Each class names the gRPC status it maps to.

Core code raises these; ledger.service.status turns them into gRPC statuses in one place. Messages say
which field is wrong and why, e.g. ``records[3].signature: does not verify under key 9f2c…``.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of all errors a client may see. ``code`` is a grpc.StatusCode name."""

    code = "INTERNAL"


class InvalidArgument(LedgerError):
    code = "INVALID_ARGUMENT"


class Unauthenticated(LedgerError):
    code = "UNAUTHENTICATED"


class PermissionDenied(LedgerError):
    code = "PERMISSION_DENIED"


class AlreadyExists(LedgerError):
    code = "ALREADY_EXISTS"


class NotFound(LedgerError):
    code = "NOT_FOUND"


class FailedPrecondition(LedgerError):
    code = "FAILED_PRECONDITION"


class Unavailable(LedgerError):
    """The node is shutting down or its store failed; retry elsewhere or later."""

    code = "UNAVAILABLE"


class ResourceExhausted(LedgerError):
    code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(f"{message}; retry after {retry_after_s:.1f}s")
        self.retry_after_s = retry_after_s


class DeadlineExceeded(LedgerError):
    code = "DEADLINE_EXCEEDED"


_BY_CODE: dict[str, type[LedgerError]] = {
    cls.code: cls
    for cls in (
        InvalidArgument, Unauthenticated, PermissionDenied, AlreadyExists, NotFound,
        FailedPrecondition, Unavailable, DeadlineExceeded,
    )
}


def error_for(code: str, message: str) -> LedgerError:
    """The LedgerError for a status code name (a refusal turned back into an exception)."""
    if code == ResourceExhausted.code:
        return ResourceExhausted(message)
    return _BY_CODE.get(code, LedgerError)(message)
