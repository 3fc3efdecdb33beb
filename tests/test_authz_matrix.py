"""Authorization and authentication against a live mTLS server.

(a) The role x RPC matrix is generated from ledger.service.authz.POLICY, the table the server uses:
each single-role member's certificate calls every RPC in the table; allowed calls never come back
PERMISSION_DENIED/UNAUTHENTICATED, denied calls always come back PERMISSION_DENIED.
(b) The certificate matrix: no client certificate, another CA, an expired certificate, a certificate
of a non-member, a suspended member, and a member carrying another member's records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2  # noqa: F401 - registers the descriptors

from ledger.members import ROLES
from ledger.members import genesis as g
from ledger.members.ca import issue_member, new_ca
from ledger.service.authz import POLICY, allowed
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, membership_pb2, risk_pb2  # noqa: F401 - registers services

from _tls_support import MEMBERS, TlsNode, make_home, start

ROLE_MEMBER = {r: f"only-{r}" for r in sorted(ROLES)}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsNode]:
    t = start(make_home(tmp_path_factory.mktemp("authz")))
    try:
        yield t
    finally:
        t.close()


def _shape(method: str) -> tuple[bool, bool]:
    """(client streaming, server streaming) of a full method name, from the descriptor pool."""
    service, name = method.strip("/").split("/")
    m = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    return m.client_streaming, m.server_streaming


def call_raw(channel: grpc.Channel, method: str, body: bytes, timeout: float = 10) -> grpc.StatusCode:
    """Call ``method`` with raw request bytes, whatever its shape; the status code it ends with."""
    cs, ss = _shape(method)
    try:
        if not cs and not ss:
            channel.unary_unary(method)(body, timeout=timeout)
        elif not cs:
            it = channel.unary_stream(method)(body, timeout=timeout)
            next(it, None)
            it.cancel()
        elif not ss:
            channel.stream_unary(method)(iter([body]), timeout=timeout)
        else:
            it = channel.stream_stream(method)(iter([body]), timeout=timeout)
            next(it, None)
            it.cancel()
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_every_service_method_is_in_the_table() -> None:
    """A new RPC must get an explicit row (it is denied until then)."""
    pool = descriptor_pool.Default()
    for f in ("ledger/v1/ledger.proto", "ledger/v1/membership.proto", "ledger/v1/risk.proto"):
        for svc in pool.FindFileByName(f).services_by_name.values():
            for m in svc.methods:
                assert f"/{svc.full_name}/{m.name}" in POLICY, f"{svc.full_name}/{m.name} has no authorization row"


@pytest.mark.parametrize("method", sorted(POLICY))
def test_role_matrix(live: TlsNode, method: str) -> None:
    before = live.head()
    for role, member in ROLE_MEMBER.items():
        code = call_raw(live.channel(member), method, b"")
        if allowed(method, frozenset({role})):
            assert code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED), (role, method)
        else:
            assert code == grpc.StatusCode.PERMISSION_DENIED, (role, method, code)
    assert live.head() == before, "an empty request changed the log"


def test_operator_gets_health_only(live: TlsNode) -> None:
    ops = {m for m in POLICY if allowed(m, frozenset({"operator"}))}
    assert ops == {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
                   "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}
    resp = health_pb2_grpc.HealthStub(live.channel("ops")).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_methods_outside_the_table_are_denied(live: TlsNode) -> None:
    for method in ("/ledger.v1.Log/NoSuchMethod", "/ledger.v2.Future/Call", "/grpc.health.v1.Health/Other"):
        code = live.channel("admin").unary_unary(method)
        with pytest.raises(grpc.RpcError) as info:
            code(b"", timeout=10)
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED, method


# -- (b) certificates ----------------------------------------------------------------------------


def _checkpoint(ch: grpc.Channel) -> grpc.StatusCode:
    try:
        ledger_pb2_grpc.LogStub(ch).GetCheckpoint(ledger_pb2.GetCheckpointRequest(), timeout=10)
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_certificate_matrix(live: TlsNode) -> None:
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    assert _checkpoint(live.channel("bank-a")) == grpc.StatusCode.OK
    # no client certificate: the handshake fails
    assert _checkpoint(live.channel(None)) == grpc.StatusCode.UNAVAILABLE
    # a certificate for a real member id from another CA
    assert _checkpoint(live.channel(cert=issue_member(new_ca("rogue CA"), "bank-a"))) == grpc.StatusCode.UNAVAILABLE
    # expired, and not yet valid, from the right CA
    expired = issue_member(live.ca, "bank-a", not_before=now - 30 * day, not_after=now - day)
    assert _checkpoint(live.channel(cert=expired)) == grpc.StatusCode.UNAVAILABLE
    future = issue_member(live.ca, "bank-a", not_before=now + day, not_after=now + 30 * day)
    assert _checkpoint(live.channel(cert=future)) == grpc.StatusCode.UNAVAILABLE
    # a valid certificate of someone who is not a member
    assert _checkpoint(live.channel(cert=issue_member(live.ca, "stranger"))) == grpc.StatusCode.PERMISSION_DENIED


def test_suspended_member_is_denied_until_reinstated(live: TlsNode) -> None:
    ch = live.channel("bank-c")
    assert _checkpoint(ch) == grpc.StatusCode.OK
    live.apply(g.suspend("bank-c"))
    assert _checkpoint(ch) == grpc.StatusCode.PERMISSION_DENIED
    signed = live.signer("bank-c").sign_record(live.records("bank-c", 1, seed=11)[0])
    with pytest.raises(grpc.RpcError) as info:
        ledger_pb2_grpc.SubmissionStub(ch).SubmitRecords(ledger_pb2.SubmitRecordsRequest(records=[signed]), timeout=10)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    live.apply(g.reinstate("bank-c"))
    assert _checkpoint(ch) == grpc.StatusCode.OK


def test_member_cannot_carry_another_members_records(live: TlsNode) -> None:
    before = live.head()
    b_record = live.records("bank-b", 1, seed=21)[0]
    replayed = live.signer("bank-b").sign_record(b_record)  # bank-b's genuine record...
    res = live.client("bank-a").submit([replayed])  # ...sent on bank-a's connection
    assert res[0].refusal.code == "PERMISSION_DENIED", res[0]
    # bank-a signing a record that claims bank-b as furnisher
    forged = live.signer("bank-a").sign_record(b_record)
    res = live.client("bank-a").submit([forged])
    assert res[0].refusal.code == "PERMISSION_DENIED" and "furnisher_id" in res[0].refusal.reason
    assert live.head() == before
    ok = live.client("bank-b").submit([replayed])  # the owner can
    assert ok[0].HasField("receipt")


def test_membership_needs_an_admin_key_and_certificate(live: TlsNode) -> None:
    before = live.head()
    change = g.suspend("bank-b")
    # an admin's certificate carrying a change signed by a non-admin key
    with pytest.raises(grpc.RpcError) as info:
        live.membership("admin").ApplyChange(g.sign_change(live.seed("bank-a"), change), timeout=10)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # a non-admin's certificate: denied by the table before anything else
    with pytest.raises(grpc.RpcError) as info:
        live.membership("bank-a").ApplyChange(g.sign_change(live.seed("admin"), change), timeout=10)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # admin B's certificate with admin A's signature: the key is not the caller's
    with pytest.raises(grpc.RpcError) as info:
        live.membership("only-admin").ApplyChange(g.sign_change(live.seed("admin"), change), timeout=10)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert live.head() == before


def test_members_table_matches_home(live: TlsNode) -> None:
    resp = live.membership("regulator").ListMembers(membership_pb2.ListMembersRequest(), timeout=10)
    got = {m.member_id: sorted(m.roles) for m in resp.members}
    assert {k: v for k, v in got.items() if k in MEMBERS} == {k: sorted(v) for k, v in MEMBERS.items()}
