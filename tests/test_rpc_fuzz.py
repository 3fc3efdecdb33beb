"""(d) Property-based fuzzing of every RPC in the authorization table against a live mTLS server.

Each RPC gets random bytes and random well-formed messages of its request type (fields filled from
the descriptor), sent with the certificate of a member allowed to call it. Promises checked: the
server answers every call with a proper status (never UNKNOWN, never an unexplained INTERNAL, never
UNAVAILABLE), the store is unchanged (same checkpoint), and the server still serves afterwards.
Bounded: 50 examples per RPC, derandomized, no deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2  # noqa: F401 - registers the descriptors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.members import ROLES
from ledger.service.authz import POLICY, allowed
from ledger.v1 import ledger_pb2, membership_pb2, risk_pb2  # noqa: F401 - registers the services

from _tls_support import TlsNode, make_home, start

_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1), FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1), FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1), FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_BYTES = st.one_of(st.binary(max_size=48), st.binary(min_size=16, max_size=16), st.binary(min_size=32, max_size=32),
                   st.binary(min_size=64, max_size=64))


def _value(f: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if f.type == FieldDescriptor.TYPE_MESSAGE:
        return message_bytes(f.message_type, depth + 1) if depth < 2 else st.just(b"")
    if f.type in _INT_RANGES:
        lo, hi = _INT_RANGES[f.type]
        return st.one_of(st.integers(lo, hi), st.integers(0, 100))
    if f.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if f.type == FieldDescriptor.TYPE_STRING:
        return st.text(max_size=24)
    if f.type == FieldDescriptor.TYPE_BYTES:
        return _BYTES
    if f.type == FieldDescriptor.TYPE_ENUM:
        return st.sampled_from([v.number for v in f.enum_type.values])
    if f.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=False, width=32)
    return st.nothing()


def message_bytes(desc: Descriptor, depth: int = 0) -> st.SearchStrategy[bytes]:
    """Serialized random messages of type ``desc``: each field absent or random, nesting bounded."""
    cls = message_factory.GetMessageClass(desc)
    strategies = {}
    for f in desc.fields:
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            continue
        v = _value(f, depth)
        strategies[f.name] = st.none() | (st.lists(v, max_size=3) if f.is_repeated else v)

    def build(vals: dict[str, Any]) -> bytes:
        m = cls()
        for name, v in vals.items():
            if v is None:
                continue
            f = desc.fields_by_name[name]
            if f.is_repeated:
                for x in v:
                    if f.type == FieldDescriptor.TYPE_MESSAGE:
                        getattr(m, name).add().MergeFromString(x)
                    else:
                        getattr(m, name).append(x)
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(m, name).MergeFromString(v)
            else:
                setattr(m, name, v)
        return bytes(m.SerializeToString())

    return st.fixed_dictionaries(strategies).map(build)


def _method(method: str) -> Any:
    service, name = method.strip("/").split("/")
    return descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]


def _caller(method: str) -> str:
    return next(f"only-{r}" for r in sorted(ROLES) if allowed(method, frozenset({r})))


def _call(channel: grpc.Channel, method: str, body: bytes) -> tuple[grpc.StatusCode, str]:
    m = _method(method)
    try:
        if not m.client_streaming and not m.server_streaming:
            channel.unary_unary(method)(body, timeout=20)
        elif not m.client_streaming:
            it = channel.unary_stream(method)(body, timeout=20)
            next(it, None)
            it.cancel()
        elif not m.server_streaming:
            channel.stream_unary(method)(iter([body]), timeout=20)
        else:
            it = channel.stream_stream(method)(iter([body, body]), timeout=20)
            for _ in it:
                pass
    except grpc.RpcError as exc:
        return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, ""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsNode]:
    t = start(make_home(tmp_path_factory.mktemp("fuzz")))
    try:
        yield t
    finally:
        t.close()


@pytest.mark.parametrize("method", sorted(POLICY))
def test_fuzz_rpc(live: TlsNode, method: str) -> None:
    channel = live.channel(_caller(method))
    before = live.head()
    desc = _method(method).input_type

    @settings(max_examples=50, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=st.one_of(st.binary(max_size=256), message_bytes(desc)))
    def one(body: bytes) -> None:
        code, details = _call(channel, method, body)
        assert code not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE), (code, details)
        if code == grpc.StatusCode.INTERNAL:  # only a request that is not a message at all
            assert "deserializ" in details.lower(), details
        if code == grpc.StatusCode.CANCELLED:
            pytest.fail(f"{method}: cancelled: {details}")

    one()
    assert live.head() == before, f"{method}: fuzzed input changed the log"
    resp = health_pb2_grpc.HealthStub(live.channel("ops")).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
