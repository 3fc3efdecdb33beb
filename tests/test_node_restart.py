"""Restart recovery: the store reopens at its head, proofs still verify, and appends continue."""

from __future__ import annotations

import logging

import grpc
import pytest

from ledger.client import LedgerClient
from ledger.ingest import Receipt
from ledger.ingest.prepare import Submitted
from ledger.merkle import verify_consistency
from ledger.service.server import build_server

from conftest import Home, open_node


def _submit(node, home: Home, seed: int, n: int = 3) -> list[Receipt]:
    signed = home.sign(home.records(n, 1, seed=seed))
    res = node.submit([Submitted(s.payload, s.signature, s.key_id) for s in signed])
    assert all(isinstance(r, Receipt) for r in res)
    return res  # type: ignore[return-value]


def test_reopen_continues_the_same_log(home: Home) -> None:
    node = open_node(home)
    first = _submit(node, home, 1)
    cp1 = node.latest_checkpoint()
    node.close()

    node = open_node(home)
    assert node.latest_checkpoint() == cp1
    dup = _submit(node, home, 1)
    assert [d.leaf_index for d in dup] == [f.leaf_index for f in first] and all(d.duplicate for d in dup)
    more = _submit(node, home, 2)
    cp2 = node.latest_checkpoint()
    assert cp2 is not None and cp1 is not None
    assert cp2.sequence == cp1.sequence + 1 and cp2.previous_hash == cp1.hash()
    assert more[0].leaf_index == cp1.tree_size
    proof, _first, _second = node.reader.consistency(cp1.tree_size, cp2.tree_size)
    verify_consistency(cp1.tree_size, cp2.tree_size, proof, cp1.root_hash, cp2.root_hash)
    node.close()


def test_start_logs_the_store_check_with_its_size(home: Home, caplog: pytest.LogCaptureFixture) -> None:
    node = open_node(home)
    _submit(node, home, 4)
    cp = node.latest_checkpoint()
    node.close()
    assert cp is not None
    with caplog.at_level(logging.INFO, logger="ledger.node"):
        open_node(home).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "ledger.node"]
    assert f"checking the store: tree size {cp.tree_size} (every leaf and node)" in lines
    assert any(m.startswith("store checked in ") and m.endswith(f"tree size {cp.tree_size}") for m in lines)


def test_client_trusts_across_restart(home: Home) -> None:
    node = open_node(home)
    res = _submit(node, home, 3)
    server, port = build_server(node, "127.0.0.1:0", insecure_dev=True)
    server.start()
    client = LedgerClient(grpc.insecure_channel(f"127.0.0.1:{port}"), home.node_public_key)
    client.get_record(res[0].record_id)
    trusted = client.trusted
    server.stop(None).wait()
    node.close()

    node = open_node(home)
    _submit(node, home, 4)
    server, port = build_server(node, "127.0.0.1:0", insecure_dev=True)
    server.start()
    client2 = LedgerClient(grpc.insecure_channel(f"127.0.0.1:{port}"), home.node_public_key, trusted)
    got = client2.get_record(res[1].record_id)  # verified, plus consistency from the old checkpoint
    assert got.leaf_index == res[1].leaf_index
    assert client2.trusted is not None and trusted is not None
    assert client2.trusted.tree_size > trusted.tree_size
    server.stop(None).wait()
    node.close()
