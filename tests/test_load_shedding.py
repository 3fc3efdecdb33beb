"""A full ingest queue refuses a submission before any of its items is examined (load shedding).

Under a retry storm the node must not spend its CPU decoding and rule-checking batches it will
refuse anyway; bench/overload.py measures the effect on throughput.
"""

from __future__ import annotations

import pytest

from ledger.errors import ResourceExhausted
from ledger.ingest import PipelineConfig, Receipt, Refusal
from ledger.ingest.prepare import Submitted
from ledger.node import Node

from conftest import Home, open_node


def _garbage(n: int) -> list[Submitted]:
    return [Submitted(b"\xff not a record %d" % i, bytes(64), bytes(16)) for i in range(n)]


def _overloads(node: Node) -> float:
    return node.metrics.registry.get_sample_value("creditledger_ingest_overload_total") or 0.0


def _received(node: Node) -> float:
    return node.metrics.registry.get_sample_value("creditledger_records_received_total", {"member": "-"}) or 0.0


def test_full_queue_refuses_before_examining_items(home: Home) -> None:
    node = open_node(home, pipeline=PipelineConfig(max_pending_records=16))
    try:
        size = node.committer.tree_size
        before, received = _overloads(node), _received(node)
        # 17 items can never fit a queue of 16: refused as a whole, although each is malformed and
        # would otherwise get its own INVALID_ARGUMENT refusal.
        with pytest.raises(ResourceExhausted) as err:
            node.submit(_garbage(17))
        assert "ingest queue full" in str(err.value)
        assert err.value.retry_after_s == 0.5
        assert _overloads(node) == before + 1
        assert _received(node) == received + 17  # shed, but counted as received
        # With room, the same kind of items is examined and refused one by one.
        res = node.submit(_garbage(3))
        assert all(isinstance(r, Refusal) and r.code == "INVALID_ARGUMENT" for r in res), res
        good = [Submitted(s.payload, s.signature, s.key_id) for s in home.sign(home.records(2, 1))]
        assert all(isinstance(r, Receipt) for r in node.submit(good))
        assert node.committer.tree_size == size + len(good)
    finally:
        node.close()
