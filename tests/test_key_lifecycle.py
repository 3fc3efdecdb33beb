"""(c) Key lifecycle over a live mTLS server: rotate, revoke, suspend; records before and after, proven
with the membership entries themselves (inclusion proofs + a verified replay of the admin-signed
changes gives each key's validity window at every leaf index). The registry survives a restart
because it is rebuilt from the log alone.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import grpc
import pytest

from ledger.client import RecordSigner
from ledger.errors import FailedPrecondition, PermissionDenied
from ledger.ingest.prepare import prepare_records
from ledger.members import MemberRegistry
from ledger.members import genesis as g
from ledger.members.changes import ReplayError, apply_change, parse_change, replay
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.service import convert
from ledger.v1 import membership_pb2

from _tls_support import TlsNode, make_home, open_node, start


@pytest.fixture
def live(tmp_path: Path) -> TlsNode:
    t = start(make_home(tmp_path))
    yield t  # type: ignore[misc]
    t.close()


def _proven_registry(t: TlsNode) -> tuple[MemberRegistry, int]:
    """What an auditor does: fetch every membership entry, check each inclusion proof against one
    verified checkpoint, replay the changes verifying every admin signature."""
    auditor = t.client("regulator")
    hist = t.membership("regulator").GetMemberHistory(membership_pb2.GetMemberHistoryRequest(), timeout=10)
    cp = auditor.accept_checkpoint(convert.checkpoint_from_pb(hist.checkpoint))
    for h in hist.entries:
        verify_inclusion(leaf_hash(h.entry.leaf), h.entry.leaf_index, cp.tree_size, list(h.entry.inclusion_proof),
                         cp.root_hash)
    reg, _ = replay([(h.entry.leaf_index, h.entry.leaf, h.entry.payload) for h in hist.entries], verify=True)
    return reg, cp.tree_size


def test_rotate_and_revoke_records_before_and_after(live: TlsNode) -> None:
    old = live.signer("bank-a")
    new = RecordSigner(os.urandom(32))
    recs = live.records("bank-a", 4, seed=3)
    bank = live.client("bank-a")
    r1 = bank.submit([old.sign_record(recs[0])])[0].receipt

    rot = live.apply(g.rotate_key("bank-a", new.public_key, old.key_id))
    assert rot.effective_tree_size == rot.receipt.leaf_index + 1
    refused = bank.submit([old.sign_record(recs[1])])[0]
    assert refused.refusal.code == "PERMISSION_DENIED" and "not valid at tree size" in refused.refusal.reason
    r2 = bank.submit([new.sign_record(recs[1])])[0].receipt

    rev = live.apply(g.revoke_key("bank-a", new.key_id))
    assert bank.submit([new.sign_record(recs[2])])[0].refusal.code == "PERMISSION_DENIED"

    # records accepted before each change still verify, signature included
    auditor = live.client("regulator")
    assert auditor.get_record(r1.record_id).public_key == old.public_key
    assert auditor.get_record(r2.record_id).public_key == new.public_key

    reg, _ = _proven_registry(live)
    assert reg.signer(old.key_id, r1.leaf_index).member_id == "bank-a"
    assert reg.signer(new.key_id, r2.leaf_index).member_id == "bank-a"
    with pytest.raises(PermissionDenied):
        reg.signer(old.key_id, r2.leaf_index)
    with pytest.raises(PermissionDenied):
        reg.signer(new.key_id, rev.effective_tree_size)
    assert reg.keys[old.key_id].valid_until == rot.effective_tree_size
    assert reg.keys[new.key_id].valid_from == rot.effective_tree_size

    mine = live.membership("admin").GetMemberHistory(
        membership_pb2.GetMemberHistoryRequest(member_id="bank-a"), timeout=10)
    kinds = [parse_change(h.entry.payload).WhichOneof("change") for h in mine.entries]
    assert kinds == ["onboard", "rotate_key", "revoke_key"]

    # the registry is rebuilt from the log alone after a restart
    home = live.home
    live.close()
    node = open_node(home)
    again = start(home, node=node)
    try:
        assert node.registry.keys[old.key_id] == reg.keys[old.key_id]
        assert node.registry.keys[new.key_id] == reg.keys[new.key_id]
        assert again.client("regulator").get_record(r1.record_id).payload == old.sign_record(recs[0]).payload
        assert again.client("bank-a").submit([new.sign_record(recs[3])])[0].refusal.code == "PERMISSION_DENIED"
    finally:
        again.close()


def test_tampered_membership_entry_fails_replay(live: TlsNode) -> None:
    hist = live.membership("regulator").GetMemberHistory(membership_pb2.GetMemberHistoryRequest(), timeout=10)
    entries = [(h.entry.leaf_index, h.entry.leaf, h.entry.payload) for h in hist.entries]
    i, leaf, payload = entries[2]
    ch = parse_change(payload)
    ch.onboard.roles.append("admin")  # an attacker granting itself admin
    entries[2] = (i, leaf, ch.SerializeToString())
    with pytest.raises(ReplayError, match="does not hash"):
        replay(entries, verify=True)


def test_future_effective_suspension(live: TlsNode) -> None:
    size = live.head()[0]
    e = size + 4  # the suspension commits at leaf `size` and takes effect 3 leaves later
    rec = live.apply(g.suspend("bank-b", e))
    assert rec.effective_tree_size == e and rec.receipt.leaf_index == size
    b, client = live.signer("bank-b"), live.client("bank-b")
    accepted = 0
    for r in live.records("bank-b", 5, seed=9):
        at = live.head()[0]
        if at < e:
            res = client.submit([b.sign_record(r)])[0]
            assert res.receipt.leaf_index == at
            accepted += 1
        else:  # from size e on, the member's certificate is refused outright
            with pytest.raises(grpc.RpcError) as info:
                client.submit([b.sign_record(r)])
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert accepted == 3


def test_bad_changes_are_refused_and_store_nothing(live: TlsNode) -> None:
    before = live.head()
    admin = live.membership("admin")
    sign = lambda ch: g.sign_change(live.seed("admin"), ch)  # noqa: E731
    cases = [
        (g.revoke_key("bank-a", live.signer("bank-a").key_id, effective=1), grpc.StatusCode.FAILED_PRECONDITION),
        (g.add_key("bank-a", bytes([1]) + bytes(31)), grpc.StatusCode.INVALID_ARGUMENT),  # small order
        (g.add_key("bank-a", bytes([0xFF] * 32)), grpc.StatusCode.INVALID_ARGUMENT),  # not canonical
        (g.add_key("bank-a", live.signer("bank-b").public_key), grpc.StatusCode.ALREADY_EXISTS),
        (g.onboard("bank-a", ["furnisher"], []), grpc.StatusCode.ALREADY_EXISTS),
        (g.onboard("Bad Id!", ["furnisher"], []), grpc.StatusCode.INVALID_ARGUMENT),
        (g.onboard("newbank", ["banker"], []), grpc.StatusCode.INVALID_ARGUMENT),
        (g.suspend("nobody"), grpc.StatusCode.NOT_FOUND),
        (g.reinstate("bank-a"), grpc.StatusCode.FAILED_PRECONDITION),
    ]
    for ch, code in cases:
        with pytest.raises(grpc.RpcError) as info:
            admin.ApplyChange(sign(ch), timeout=10)
        assert info.value.code() == code, (ch, info.value.details())
    assert live.head() == before


def test_change_then_onboard_and_use(live: TlsNode) -> None:
    seed = os.urandom(32)
    newbank = RecordSigner(seed)
    live.apply(g.onboard("bank-d", ["furnisher"], [newbank.public_key]))
    live.apply(g.change_roles("bank-d", ["furnisher", "inquirer"]))
    reg, _ = _proven_registry(live)
    assert reg.members["bank-d"].roles == frozenset({"furnisher", "inquirer"})
    assert reg.members["bank-d"].roles_at(reg.members["bank-d"].joined_at) == frozenset({"furnisher"})


def test_record_prepared_before_a_revocation_is_refused_at_commit(live: TlsNode) -> None:
    """The committer re-checks each key at the leaf index the entry really gets."""
    node = live.node
    signed = live.signer("bank-c").sign_record(live.records("bank-c", 1, seed=77)[0])
    ready, refused = prepare_records(convert.submitted([signed]), registry=node.registry,
                                     tree_size=node.committer.tree_size,
                                     today=dt.datetime.fromtimestamp(node.settings.clock(), dt.UTC).date())
    assert ready and not refused
    live.apply(g.revoke_key("bank-c", live.signer("bank-c").key_id))
    (res,) = node.pipeline.submit(ready, refused, 1).result(timeout=30)
    assert res.code == "PERMISSION_DENIED"  # type: ignore[union-attr]


def test_last_admin_cannot_lock_the_consortium_out() -> None:
    seeds = {m: os.urandom(32) for m in ("root", "bank")}
    table = {"root": (["admin"], RecordSigner(seeds["root"]).public_key),
             "bank": (["furnisher"], RecordSigner(seeds["bank"]).public_key)}
    entries = g.genesis("root", seeds["root"], table)
    reg = MemberRegistry()
    for i, e in enumerate(entries):
        apply_change(reg, parse_change(e.payload), i, e.key_id)
    kid = RecordSigner(seeds["root"]).key_id
    for ch in (g.revoke_key("root", kid), g.suspend("root"), g.change_roles("root", ["auditor"])):
        with pytest.raises(FailedPrecondition, match="no active admin"):
            apply_change(reg, ch, 5, kid)
    # a second admin may not bootstrap itself once there is one
    intruder = RecordSigner(os.urandom(32))
    ch = g.onboard("intruder", ["admin"], [intruder.public_key])
    with pytest.raises(Exception) as info:
        apply_change(reg, ch, 5, intruder.key_id)
    assert info.value.code in ("UNAUTHENTICATED", "PERMISSION_DENIED")  # type: ignore[attr-defined]
