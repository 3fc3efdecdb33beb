"""Authorization in one place: the table of who may call which RPC, and the interceptor enforcing it.

Promises:

* ``POLICY`` maps each full RPC method name to the roles allowed to call it. Anything not in the
  table, including methods added later and methods that do not exist, is denied (PERMISSION_DENIED).
* A caller is the member bound to its client certificate (ledger.service.auth). It is allowed only
  if that member exists, is active (not suspended) at the current tree size, and holds one of the
  method's roles at that size. Unknown or suspended members get PERMISSION_DENIED; a certificate that
  names no member gets UNAUTHENTICATED. Errors become statuses through ledger.service.status only.
* Health and reflection are open to every active member of any role: they carry no credit data and
  the reflection descriptors are the public protocol. Operators get nothing else.
* Per-record rules (a furnisher submits only its own records with its own keys) stay in
  ledger.ingest.prepare; this table decides only who may reach a method at all.
* With ``enforce=False`` (``--insecure-dev`` plaintext on loopback) nothing is checked; the server
  logs that loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

import grpc

from ledger.errors import LedgerError, PermissionDenied, Unauthenticated
from ledger.members.registry import ROLES, MemberRegistry
from ledger.service.auth import caller_member
from ledger.service.status import abort_with

log = logging.getLogger(__name__)

_MEMBERS: Final = frozenset({"furnisher", "inquirer", "auditor", "admin"})  # roles with log access
_READERS: Final = frozenset({"inquirer", "auditor"})  # roles that may read credit data

POLICY: Final[Mapping[str, frozenset[str]]] = MappingProxyType({
    "/ledger.v1.Submission/SubmitRecords": frozenset({"furnisher"}),
    "/ledger.v1.Submission/StreamRecords": frozenset({"furnisher"}),
    "/ledger.v1.Log/GetCheckpoint": _MEMBERS,
    "/ledger.v1.Log/GetConsistencyProof": _MEMBERS,
    "/ledger.v1.Log/GetInclusionProof": _MEMBERS,
    "/ledger.v1.Log/GetRecord": _READERS,
    "/ledger.v1.Query/BorrowerHistory": _READERS,
    "/ledger.v1.Membership/ApplyChange": frozenset({"admin"}),
    "/ledger.v1.Membership/ListMembers": frozenset({"admin", "auditor"}),
    "/ledger.v1.Membership/GetMemberHistory": frozenset({"admin", "auditor"}),
    "/ledger.v1.Risk/CreditReport": _READERS,
    "/ledger.v1.Risk/CreditReportStream": _READERS,
    "/ledger.v1.Risk/RecordVersions": _READERS,
    "/ledger.v1.Risk/FileDispute": frozenset({"furnisher", "inquirer", "auditor"}),
    "/ledger.v1.Risk/ResolveDispute": frozenset({"furnisher"}),
    "/ledger.v1.Risk/OverdueDisputes": frozenset({"furnisher", "auditor", "admin"}),
    "/ledger.v1.Risk/Erase": frozenset({"admin", "auditor"}),
    "/grpc.health.v1.Health/Check": ROLES,
    "/grpc.health.v1.Health/Watch": ROLES,
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": ROLES,
})
assert all(r <= ROLES for r in POLICY.values())


def allowed(method: str, roles: frozenset[str]) -> bool:
    """Whether a member holding ``roles`` may call ``method`` (the table's answer; default deny)."""
    return bool(POLICY.get(method, frozenset()) & roles)


def authorize(registry: MemberRegistry, tree_size: int, method: str, member: str | None) -> str:
    """The member allowed to call ``method`` now. Raises Unauthenticated or PermissionDenied."""
    need = POLICY.get(method)
    if need is None:
        raise PermissionDenied(f"{method}: not in the authorization table (denied by default)")
    if member is None:
        raise Unauthenticated("a client certificate naming a member is required")
    m = registry.members.get(member)
    if m is None:
        raise PermissionDenied(f"member {member!r} is not a member of the consortium")
    if not m.active_at(tree_size):
        raise PermissionDenied(f"member {member!r} is suspended")
    roles = m.roles_at(tree_size)
    if not need & roles:
        raise PermissionDenied(f"{method}: role(s) {sorted(roles)} of {member!r} may not call it")
    return member


Behavior = Callable[..., Any]


class Authorizer(grpc.ServerInterceptor):  # type: ignore[misc]
    """Wraps every method handler with the table check (see the module docstring)."""

    def __init__(self, registry: MemberRegistry, tree_size: Callable[[], int], *, enforce: bool = True) -> None:
        self.registry = registry
        self.tree_size = tree_size
        self.enforce = enforce
        if not enforce:
            log.warning("AUTHORIZATION DISABLED (insecure dev mode): every caller may call every RPC")

    def check(self, method: str, context: grpc.ServicerContext) -> None:
        authorize(self.registry, self.tree_size(), method, caller_member(context))

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Any], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(details)
        if not self.enforce:
            return handler
        method = str(details.method)
        if handler is None or method not in POLICY:
            return grpc.stream_stream_rpc_method_handler(self._deny(method))
        return _wrap(handler, method, self.check)

    @staticmethod
    def _deny(method: str) -> Behavior:
        def deny(_requests: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            abort_with(context, PermissionDenied(f"{method}: not in the authorization table (denied by default)"))
            yield from ()

        return deny


def _guard(check: Callable[[str, grpc.ServicerContext], None], method: str, context: grpc.ServicerContext) -> None:
    try:
        check(method, context)
    except LedgerError as exc:
        abort_with(context, exc)


def _wrap(handler: Any, method: str, check: Callable[[str, grpc.ServicerContext], None]) -> Any:
    """The same handler with ``check`` run first, for each of the four call shapes."""
    req_s, resp_s = handler.request_streaming, handler.response_streaming
    des, ser = handler.request_deserializer, handler.response_serializer
    if not req_s and not resp_s:
        inner = handler.unary_unary

        def uu(request: Any, context: grpc.ServicerContext) -> Any:
            _guard(check, method, context)
            return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(uu, des, ser)
    if not req_s:
        inner_us = handler.unary_stream

        def us(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            _guard(check, method, context)
            yield from inner_us(request, context)

        return grpc.unary_stream_rpc_method_handler(us, des, ser)
    if not resp_s:
        inner_su = handler.stream_unary

        def su(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            _guard(check, method, context)
            return inner_su(requests, context)

        return grpc.stream_unary_rpc_method_handler(su, des, ser)
    inner_ss = handler.stream_stream

    def ss(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        _guard(check, method, context)
        yield from inner_ss(requests, context)

    return grpc.stream_stream_rpc_method_handler(ss, des, ser)


def policy_markdown() -> str:
    """The table as a Markdown role x RPC matrix (docs/SECURITY.md embeds it; a test keeps them equal)."""
    roles = sorted(ROLES)
    lines = ["| RPC | " + " | ".join(roles) + " |", "|---|" + "---|" * len(roles)]
    for method in sorted(POLICY):
        cells = ["yes" if r in POLICY[method] else "-" for r in roles]
        lines.append(f"| `{method}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
