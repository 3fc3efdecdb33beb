"""Who is calling: the member id bound to the connection's client certificate.

Python server interceptors cannot see the peer certificate, so the identity is read from the
servicer context's auth context inside the wrapped handler (ledger.service.authz). The member id is
the certificate's single SAN URI ``creditledger:member:<id>`` (gRPC exposes it as ``peer_uri``), or its
common name when it has no such URI (see ledger.members.ca).
"""

from __future__ import annotations

import grpc

from ledger.errors import Unauthenticated
from ledger.members.ca import MEMBER_URI_PREFIX, member_from_names

__all__ = ["MEMBER_URI_PREFIX", "caller_member"]


def caller_member(context: grpc.ServicerContext) -> str | None:
    """The member id of the client certificate; None on a connection without one (insecure dev).

    Raises Unauthenticated when the certificate names no member, or more than one
    (``ledger.members.ca.member_from_names``, the rule certificates are issued by).
    """
    auth = context.auth_context()
    if not auth.get("x509_pem_cert") and not auth.get("x509_common_name"):
        return None
    uris = [bytes(u).decode(errors="replace") for u in auth.get("peer_uri") or []]
    cns = [bytes(n).decode(errors="replace") for n in auth.get("x509_common_name") or []]
    member = member_from_names(uris, cns)
    if member is None:
        raise Unauthenticated("client certificate names no member, or more than one")
    return member
