"""Server limits over live mTLS: per-member rate limits with a retry hint, message size, concurrent
RPCs, expired deadlines, idempotent resubmission; and the demo home `creditledger init` creates
(genesis in the log, certificates binding member ids) driven through `creditledger member`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ledger.cli.main import main
from ledger.client import LedgerClient
from ledger.client.client import retry_after
from ledger.errors import DeadlineExceeded
from ledger.members.ca import member_from_names, member_of_cert
from ledger.service.limits import RateLimiter, check_deadline
from ledger.service.server import ServerLimits
from ledger.service.status import RETRY_HINT_KEY
from ledger.v1 import ledger_pb2, ledger_pb2_grpc

from _tls_support import make_home, open_node, start


def test_rate_limit_per_member_with_retry_hint(tmp_path: Path) -> None:
    t = start(make_home(tmp_path), limits=ServerLimits(records_per_s=1, records_burst=3))
    try:
        recs = t.records("bank-a", 5, seed=2)
        a = t.signer("bank-a")
        ok = t.client("bank-a").submit([a.sign_record(r) for r in recs[:3]])
        assert all(r.HasField("receipt") for r in ok)
        before = t.head()
        stub = ledger_pb2_grpc.SubmissionStub(t.channel("bank-a"))
        with pytest.raises(grpc.RpcError) as info:
            stub.SubmitRecords(ledger_pb2.SubmitRecordsRequest(records=[a.sign_record(recs[3])]), timeout=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        hint = dict(info.value.trailing_metadata() or ())[RETRY_HINT_KEY]
        assert 0 < int(hint) <= 1000
        assert t.head() == before
        # another member has its own bucket
        b = t.signer("bank-b")
        assert t.client("bank-b").submit([b.sign_record(t.records("bank-b", 1)[0])])[0].HasField("receipt")
        # a stream batch over the limit is refused record by record, the stream goes on
        (resp,) = list(t.client("bank-a").stream([[a.sign_record(recs[4])]]))
        assert resp.results[0].refusal.code == "RESOURCE_EXHAUSTED"
    finally:
        t.close()


def test_client_retries_a_rate_limited_batch_as_the_node_asks(tmp_path: Path) -> None:
    t = start(make_home(tmp_path), limits=ServerLimits(records_per_s=10, records_burst=3))
    try:
        a = t.signer("bank-a")
        signed = [a.sign_record(r) for r in t.records("bank-a", 6, seed=4)]
        waits: list[float] = []

        def sleep(s: float) -> None:
            waits.append(s)
            time.sleep(s)

        client = LedgerClient(t.channel("bank-a"), t.node.signer.public_key, sleep=sleep)
        assert all(r.HasField("receipt") for r in client.submit(signed[:3]))
        with pytest.raises(grpc.RpcError) as info:  # no retry asked for: the refusal surfaces
            client.submit(signed[3:])
        assert retry_after(info.value) is not None and waits == []
        res = client.submit(signed[3:], retry_for=10)  # waits for the bucket, as the hint says
        assert [r.HasField("receipt") for r in res] == [True] * 3
        assert waits and all(0.001 <= w <= 1.25 for w in waits), waits
        # retrying is safe: the same records again get their original receipts
        again = client.submit(signed[3:], retry_for=10)
        assert [r.receipt.leaf_index for r in again] == [r.receipt.leaf_index for r in res]
        assert all(r.receipt.duplicate for r in again)
    finally:
        t.close()


def test_client_does_not_retry_what_waiting_cannot_fix(tmp_path: Path) -> None:
    t = start(make_home(tmp_path), limits=ServerLimits(max_message_bytes=32 * 1024))
    try:
        waits: list[float] = []
        client = LedgerClient(t.channel("bank-a"), t.node.signer.public_key, sleep=waits.append)
        big = t.signer("bank-a").sign_payload(b"\x00" * (64 * 1024))
        with pytest.raises(grpc.RpcError) as info:  # RESOURCE_EXHAUSTED without a hint: too big
            client.submit([big], retry_for=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert retry_after(info.value) is None and waits == []
    finally:
        t.close()


def test_token_bucket_refills_and_allows_big_batches_in_debt() -> None:
    now = [0.0]
    lim = RateLimiter(10, 5, clock=lambda: now[0])
    lim.take("m", 50)  # bucket full: a batch bigger than the burst passes and leaves debt
    with pytest.raises(Exception) as info:
        lim.take("m", 1)
    assert info.value.retry_after_s == pytest.approx(4.6)  # type: ignore[attr-defined]
    now[0] = 4.6
    lim.take("m", 1)
    RateLimiter(0).take("m", 10**9)  # disabled


def test_message_size_and_concurrency_limits(tmp_path: Path) -> None:
    t = start(make_home(tmp_path), limits=ServerLimits(max_message_bytes=32 * 1024, max_concurrent_rpcs=2))
    try:
        before = t.head()
        a = t.signer("bank-a")
        big = a.sign_payload(b"\x00" * (64 * 1024))
        stub = ledger_pb2_grpc.SubmissionStub(t.channel("bank-a"))
        with pytest.raises(grpc.RpcError) as info:
            stub.SubmitRecords(ledger_pb2.SubmitRecordsRequest(records=[big]), timeout=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert t.head() == before
        # two open Watch streams hold both slots; a third call is refused, not queued
        health = health_pb2_grpc.HealthStub(t.channel("ops"))
        watches = [health.Watch(health_pb2.HealthCheckRequest(), timeout=30) for _ in range(2)]
        for w in watches:
            next(w)
        with pytest.raises(grpc.RpcError) as info:
            health.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        for w in watches:
            w.cancel()
        deadline = time.monotonic() + 10
        while True:  # slots come back once the cancelled streams are torn down
            try:
                health.Check(health_pb2.HealthCheckRequest(), timeout=10)
                break
            except grpc.RpcError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        t.close()


class _Expired:
    def time_remaining(self) -> float:
        return -0.001


def test_expired_deadline_stores_nothing(tmp_path: Path) -> None:
    with pytest.raises(DeadlineExceeded):
        check_deadline(_Expired())  # type: ignore[arg-type]
    t = start(make_home(tmp_path))
    try:
        before = t.head()
        signed = t.signer("bank-a").sign_record(t.records("bank-a", 1, seed=4)[0])
        stub = ledger_pb2_grpc.SubmissionStub(t.channel("bank-a"))
        with pytest.raises(grpc.RpcError) as info:
            stub.SubmitRecords(ledger_pb2.SubmitRecordsRequest(records=[signed]), timeout=1e-6)
        assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        time.sleep(0.2)  # longer than a block: anything queued would be committed by now
        # A request whose deadline has passed on arrival is refused before queuing (check_deadline,
        # above). One that expires in flight, after it was queued, commits whole: never partly.
        after = t.head()
        assert after == before or after[0] == before[0] + 1
        # the same record goes through with time to spare, once
        first = t.client("bank-a").submit([signed])[0]
        again = t.client("bank-a").submit([signed])[0]
        assert again.receipt.duplicate and again.receipt.leaf_index == first.receipt.leaf_index
        assert t.head()[0] == before[0] + 1
    finally:
        t.close()


def test_init_and_member_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "h"
    assert main(["init", "--home", str(home), "--listen", "127.0.0.1:0"]) == 0
    cfg = json.loads((home / "config.json").read_text())
    assert cfg["tls_client_ca"] and cfg["tls_cert"]
    for m in ("admin", "bank-a", "regulator", "ops"):
        assert member_of_cert((home / "tls" / "members" / f"{m}.pem").read_bytes()) == m
    node = open_node(home)
    names = sorted(node.registry.members)
    assert {"admin", "bank-a", "bank-b", "bank-c", "regulator", "ops"} <= set(names)
    assert node.registry.members["regulator"].roles == frozenset({"auditor"})
    t = start(home, node=node)
    try:
        common = ["--config", str(home / "config.json"), "--target", t.target]
        capsys.readouterr()
        assert main(["member", "add", *common, "--id", "bank-d", "--roles", "furnisher",
                     "--key-out", str(tmp_path / "d.key")]) == 0
        added = json.loads(capsys.readouterr().out)
        assert added["effective_tree_size"] == added["leaf_index"] + 1
        assert main(["member", "suspend", *common, "--id", "bank-b"]) == 0
        assert main(["member", "list", *common, "--as", "regulator"]) == 0
        listed = {m["id"]: m for m in json.loads(capsys.readouterr().out.splitlines()[-1])["members"]}
        assert listed["bank-d"]["roles"] == ["furnisher"] and listed["bank-b"]["suspended"]
        # a non-admin's certificate cannot change membership
        assert main(["member", "reinstate", *common, "--id", "bank-b", "--as", "bank-a",
                     "--admin-key", str(home / "keys" / "bank-a.key")]) == 1
        assert main(["checkpoint", *common, "--as", "bank-a"]) == 0
    finally:
        t.close()
    # restart: the same registry, from the log alone (the genesis file only has to match)
    again = open_node(home)
    try:
        assert again.registry.members["bank-b"].suspended_from is not None
        assert "bank-d" in again.registry.members
    finally:
        again.close()


@pytest.mark.parametrize(
    ("uris", "cns", "want"),
    [
        (["creditledger:member:bank-a"], ["bank-a"], "bank-a"),
        (["creditledger:member:bank-a"], ["someone-else"], "bank-a"),  # the SAN URI wins
        ([], ["bank-b"], "bank-b"),  # no member URI: the CN
        (["https://example.com"], ["bank-b"], "bank-b"),  # other URIs do not count
        (["creditledger:member:a", "creditledger:member:b"], ["a"], None),  # two members
        (["creditledger:member:"], ["bank-a"], None),  # an empty member id is no member
        ([], [], None),
        ([], ["a", "b"], None),
        ([], [""], None),
    ],
)
def test_member_binding_rule(uris: list[str], cns: list[str], want: str | None) -> None:
    """One rule binds a certificate to a member, for issued certificates and for live peers alike."""
    assert member_from_names(uris, cns) == want
