"""A gRPC channel set up the way the client library expects to talk to a ledger node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from grpc.experimental import ChannelOptions

# Server-streaming calls (CreditReportStream) are read on the caller's thread. By default grpcio
# starts a background thread per channel that polls such calls, and a client making one report at
# a time starts a fresh one for every call (the thread ends when the channel has no call left):
# ~0.25 ms of client CPU per report, measured. The option changes no call's semantics for code
# that iterates the responses, as this library does.
CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = ((ChannelOptions.SingleThreadedUnaryStream, 1),)


def open_channel(
    target: str, credentials: grpc.ChannelCredentials | None = None, options: Sequence[tuple[str, Any]] = ()
) -> grpc.Channel:
    """A channel to ``target`` (``host:port``) with CHANNEL_OPTIONS plus ``options`` (later ones win).

    TLS (mutual with a client certificate, as members use) when ``credentials`` are given, else
    plaintext. Connects lazily: an unreachable node shows as UNAVAILABLE on the first call.
    """
    opts = list(CHANNEL_OPTIONS) + list(options)
    if credentials is not None:
        return grpc.secure_channel(target, credentials, options=opts)
    return grpc.insecure_channel(target, options=opts)
