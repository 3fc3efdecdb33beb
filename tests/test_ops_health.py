"""Standard gRPC health checking and server reflection on a live node process."""

from __future__ import annotations

from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from _ops_support import Node, make_home


def test_health_serving_and_reflection_lists_services(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    node = Node(home)
    try:
        health = health_pb2_grpc.HealthStub(node.channel)
        for service in ("", "ledger.v1.Submission", "ledger.v1.Log", "ledger.v1.Query"):
            resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert resp.status == health_pb2.HealthCheckResponse.SERVING, service
        refl = reflection_pb2_grpc.ServerReflectionStub(node.channel)
        answers = list(refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                                 timeout=10))
        names = {s.name for a in answers for s in a.list_services_response.service}
        assert {"ledger.v1.Submission", "ledger.v1.Log", "ledger.v1.Query", "grpc.health.v1.Health"} <= names, names
        # reflection also serves the file descriptors, so grpcurl-style tools can call the ledger
        req = reflection_pb2.ServerReflectionRequest(file_containing_symbol="ledger.v1.Log")
        ans = next(iter(refl.ServerReflectionInfo(iter([req]), timeout=10)))
        assert ans.file_descriptor_response.file_descriptor_proto
    finally:
        assert node.stop() == 0
