"""Who is calling: the member id bound to the connection's client certificate.

Python server interceptors cannot see the peer certificate, so the identity is read from the
servicer context's auth context inside the wrapped handler.
"""

from __future__ import annotations

import grpc

MEMBER_URI_PREFIX = "creditledger:member:"


def caller_member(context: grpc.ServicerContext) -> str | None:
    """The member id of the client certificate's common name; None on an insecure connection."""
    auth = context.auth_context()
    names = auth.get("x509_common_name") or []
    if not names:
        return None
    return bytes(names[0]).decode()
