"""The client verifies every answer: tampered proofs, leaves, payloads and checkpoints raise."""

from __future__ import annotations

import dataclasses

import pytest

from ledger.chain import NodeSigner
from ledger.client import LedgerClient, VerificationError
from ledger.service.convert import checkpoint_from_pb
from ledger.v1 import ledger_pb2

from conftest import Home, Served


def _history(home: Home, served: Served) -> tuple[ledger_pb2.BorrowerHistoryResponse, bytes]:
    recs = home.records(3, 4)
    served.client.submit(home.sign(recs))
    ref = recs[0].borrower_ref
    return served.client.query.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=ref)), ref


def test_history_verifies_and_is_in_date_order(home: Home, served: Served) -> None:
    _, ref = _history(home, served)
    entries = served.client.borrower_history(ref)
    assert len(entries) >= 5
    from ledger.v1 import records_pb2

    dates = [records_pb2.CreditRecord.FromString(e.payload).date_of_account_information for e in entries]
    assert dates == sorted(dates)


TAMPER = {
    "flipped proof hash": lambda e: e.inclusion_proof.__setitem__(0, bytes(32)),
    "truncated proof": lambda e: e.inclusion_proof.pop(),
    "wrong leaf index": lambda e: setattr(e, "leaf_index", e.leaf_index + 1),
    "payload changed": lambda e: setattr(e, "payload", e.payload + b"\x00"),
    "leaf signature changed": lambda e: setattr(e, "leaf", e.leaf[:-1] + bytes([e.leaf[-1] ^ 1])),
    "leaf key id changed": lambda e: setattr(e, "leaf", e.leaf[:40] + bytes(16) + e.leaf[56:]),
}


@pytest.mark.parametrize("attack", sorted(TAMPER))
def test_tampered_entry_raises(attack: str, home: Home, served: Served) -> None:
    resp, _ = _history(home, served)
    cp = served.client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
    h = resp.entries[1]
    served.client.verify_entry(h.entry, h.public_key, cp)  # untouched: fine
    TAMPER[attack](h.entry)
    with pytest.raises(VerificationError):
        served.client.verify_entry(h.entry, h.public_key, cp)


def test_checkpoint_signed_by_another_key_raises(home: Home, served: Served) -> None:
    resp, _ = _history(home, served)
    cp = checkpoint_from_pb(resp.checkpoint)
    forged = NodeSigner(b"\x05" * 32, cp.log_id).sign_next(None, cp.tree_size, cp.root_hash, cp.timestamp_ms)
    with pytest.raises(VerificationError):
        served.client.accept_checkpoint(forged)


def test_split_view_detected(home: Home, served: Served) -> None:
    resp, _ = _history(home, served)
    cp = served.client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
    other = dataclasses.replace(cp, root_hash=bytes(32))
    with pytest.raises(VerificationError):
        served.client.accept_checkpoint(other)


def test_inconsistent_newer_checkpoint_raises(home: Home, served: Served) -> None:
    resp, _ = _history(home, served)
    client = LedgerClient(served.client.channel, home.node_public_key)
    first = client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
    served.client.submit(home.sign(home.records(1, 0, seed=77)))
    real = client.checkpoint()
    assert real.tree_size > first.tree_size
    # A node-signed checkpoint whose root is not an extension of what the client trusts.
    c2 = LedgerClient(served.client.channel, home.node_public_key, first)
    bogus = served.node.signer.sign_next(served.node.latest_checkpoint(), real.tree_size, bytes(32), real.timestamp_ms)
    with pytest.raises(VerificationError):
        c2.accept_checkpoint(bogus)


def test_supplied_consistency_proof_is_checked(home: Home, served: Served) -> None:
    resp, _ = _history(home, served)
    client = LedgerClient(served.client.channel, home.node_public_key)
    first = client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
    served.client.submit(home.sign(home.records(1, 0, seed=78)))
    newer = checkpoint_from_pb(served.client.log.GetCheckpoint(ledger_pb2.GetCheckpointRequest()))
    proof, _, _ = served.node.reader.consistency(first.tree_size, newer.tree_size)
    with pytest.raises(VerificationError):
        client.accept_checkpoint(newer, [bytes(32)] * max(1, len(proof)))
    assert client.trusted == first
    assert client.accept_checkpoint(newer, proof) == newer and client.trusted == newer


def test_a_proof_from_a_size_no_longer_trusted_is_not_used(home: Home, served: Served) -> None:
    """Threads sharing a client move its trusted checkpoint between a request and its answer: a
    proof made from the size trusted at request time must neither be applied to another size nor
    make a good checkpoint fail; the client asks for the proof it needs."""
    resp, _ = _history(home, served)
    client = LedgerClient(served.client.channel, home.node_public_key)
    first = client.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
    served.client.submit(home.sign(home.records(1, 0, seed=79)))
    newer = checkpoint_from_pb(served.client.log.GetCheckpoint(ledger_pb2.GetCheckpointRequest()))
    bogus = [bytes(32)] * 3
    with pytest.raises(VerificationError, match="not consistent"):
        client.accept_checkpoint(newer, bogus, proof_from=first.tree_size)
    assert client.trusted == first
    # The proof claims to start elsewhere (the size this thread trusted before another moved it).
    assert client.accept_checkpoint(newer, bogus, proof_from=first.tree_size - 1) == newer
    assert client.trusted == newer
    # An older checkpoint is checked as a prefix of the trusted one, whatever proof came with it.
    assert client.accept_checkpoint(first, bogus, proof_from=first.tree_size) == first
    assert client.trusted == newer
