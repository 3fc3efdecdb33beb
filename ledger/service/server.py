"""Build and run the node's gRPC server: TLS (or loopback-only plaintext for development), limits,
health checking and reflection."""

from __future__ import annotations

import ipaddress
import logging
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ledger.node import Node
from ledger.risk.desk import RiskConfig, RiskDesk
from ledger.service.authz import Authorizer
from ledger.service.limits import RateLimiter
from ledger.service.membership import MembershipServicer
from ledger.service.requestlog import RequestLogInterceptor
from ledger.service.risk import RiskServicer
from ledger.service.servicers import LogServicer, QueryServicer, SubmissionServicer
from ledger.v1 import ledger_pb2_grpc, membership_pb2_grpc, risk_pb2_grpc

log = logging.getLogger(__name__)
SERVICES = ("ledger.v1.Submission", "ledger.v1.Log", "ledger.v1.Query", "ledger.v1.Risk",
            "ledger.v1.Membership")


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    client_ca: Path


@dataclass(frozen=True)
class ServerLimits:
    max_workers: int = 32
    max_concurrent_rpcs: int = 256
    max_message_bytes: int = 16 * 1024 * 1024
    keepalive_time_ms: int = 30_000
    keepalive_timeout_ms: int = 10_000
    records_per_s: float = 0.0  # per-member submission rate limit (token bucket); 0: off
    records_burst: int = 0  # bucket size; 0: one second's worth


def _is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_server(
    node: Node,
    address: str,
    *,
    tls: TlsFiles | None = None,
    insecure_dev: bool = False,
    limits: ServerLimits | None = None,
    risk: RiskConfig | None = None,
) -> tuple[grpc.Server, int]:
    """A started-ready (not yet started) server bound to ``address``; returns it and the bound port.

    Plaintext needs ``insecure_dev`` and a loopback address; otherwise ValueError. With TLS every call
    needs a client certificate and passes the authorization table (ledger.service.authz); plaintext
    dev mode has no identities and checks nothing.
    """
    lim = limits or ServerLimits()
    if tls is None and (not insecure_dev or not _is_loopback(address)):
        raise ValueError("plaintext gRPC needs --insecure-dev and a loopback address")
    authorizer = Authorizer(node.registry, lambda: node.committer.tree_size, enforce=tls is not None)
    opts = [
        ("grpc.max_receive_message_length", lim.max_message_bytes),
        ("grpc.max_send_message_length", lim.max_message_bytes),
        ("grpc.keepalive_time_ms", lim.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", lim.keepalive_timeout_ms),
        ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(lim.max_workers, thread_name_prefix="rpc"),
        options=opts,
        maximum_concurrent_rpcs=lim.max_concurrent_rpcs,
        interceptors=[RequestLogInterceptor(), authorizer],
    )
    limiter = RateLimiter(lim.records_per_s, lim.records_burst)
    ledger_pb2_grpc.add_SubmissionServicer_to_server(SubmissionServicer(node, limiter), server)
    membership_pb2_grpc.add_MembershipServicer_to_server(MembershipServicer(node), server)
    ledger_pb2_grpc.add_LogServicer_to_server(LogServicer(node), server)
    ledger_pb2_grpc.add_QueryServicer_to_server(QueryServicer(node), server)
    risk_pb2_grpc.add_RiskServicer_to_server(RiskServicer(RiskDesk(node, risk)), server)
    hs = health.HealthServicer()
    for name in (*SERVICES, ""):
        hs.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(hs, server)
    reflection.enable_server_reflection((*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    if tls is not None:
        creds = grpc.ssl_server_credentials(
            [(tls.key.read_bytes(), tls.cert.read_bytes())],
            root_certificates=tls.client_ca.read_bytes(),
            require_client_auth=True,
        )
        port = server.add_secure_port(address, creds)
    else:
        if not insecure_dev or not _is_loopback(address):
            raise ValueError("plaintext gRPC needs --insecure-dev and a loopback address")
        log.warning("INSECURE DEV MODE: plaintext gRPC without client authentication or authorization on %s",
                    address)
        port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot bind {address}")
    return server, port
