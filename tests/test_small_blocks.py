"""Small blocks (a lone inquiry, dispute or record) are committed by the verifier thread when no
earlier block awaits the committer: same durability contract, same order.

A thin subclass of the real RocksStore, injected into a real Node, records which thread wrote each
block and can hold the first write until the test lets it go.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from ledger.cli.serve import node_settings
from ledger.config import load_config
from ledger.ingest import PipelineConfig, Receipt, Result
from ledger.ingest.pipeline import FAST_LANE_MAX
from ledger.node import Node
from ledger.service import convert
from ledger.store import RocksStore
from ledger.store.base import BlockWrite
from ledger.v1 import records_pb2
from ledger.verify import make_backend

from _ops_support import make_home, workload

_SEQ = itertools.count()


class WatchedStore(RocksStore):
    """The real store; per write: (thread name, first leaf, tree size after, seq after the synced
    write returned). After ``armed`` is set, the next write waits for ``release``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes: list[tuple[str, int, int, int]] = []
        self.armed = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()

    def commit_block(self, block: BlockWrite) -> int:
        if self.armed.is_set() and not self.holding.is_set():
            self.holding.set()
            assert self.release.wait(30), "the test never released the first write"
        n = super().commit_block(block)  # the real synced WriteBatch
        first = block.entries[0].leaf_index if block.entries else block.checkpoint.tree_size
        self.writes.append((threading.current_thread().name, first, block.checkpoint.tree_size, next(_SEQ)))
        return n


def _node(tmp_path: Path, records: int) -> tuple[Node, WatchedStore, list[records_pb2.SignedRecord]]:
    home = tmp_path / "home"
    cfg_path = make_home(home, {})
    recs = workload(home, records)
    settings = node_settings(load_config(cfg_path))
    settings.pipeline = PipelineConfig(4096, 10.0, 100_000)
    store = WatchedStore(settings.data_dir)
    return Node(settings, store, make_backend("cpu")), store, recs


def test_a_lone_record_is_committed_by_the_verifier_and_acknowledged_after_its_synced_write(tmp_path: Path) -> None:
    node, store, recs = _node(tmp_path, 6)
    start = len(store.writes)  # the node's own first entries (membership genesis)
    resolved: list[tuple[int, list[Result]]] = []

    def on_done(f: Future[list[Result]]) -> None:
        resolved.append((next(_SEQ), f.result()))

    try:
        for r in recs:  # one at a time, each waited for: the pipeline is idle at every submit
            fut = node.submit_async(convert.submitted([r]))
            fut.add_done_callback(on_done)
            fut.result(timeout=30)
    finally:
        node.close()
    assert [w[0] for w in store.writes[start:]] == ["verifier"] * len(recs)
    indices = []
    for seq, (r,) in resolved:
        assert isinstance(r, Receipt)
        (write,) = [w for w in store.writes if w[1] <= r.leaf_index < w[2]]
        assert write[3] < seq, f"leaf {r.leaf_index}: receipt resolved before its synced write returned"
        indices.append(r.leaf_index)
    assert indices == sorted(indices) and len(set(indices)) == len(recs)


def test_a_small_block_waits_for_an_earlier_block_held_by_the_committer(tmp_path: Path) -> None:
    big = FAST_LANE_MAX + 12
    node, store, recs = _node(tmp_path, big + 1)
    start = len(store.writes)
    store.armed.set()
    try:
        first = node.submit_async(convert.submitted(recs[:big]))
        assert store.holding.wait(30)  # the big block is inside the committer's write now
        lone = node.submit_async(convert.submitted(recs[big:]))
        time.sleep(0.3)  # ample time for the verifier to verify it; it must not be committed yet
        assert not lone.done()
        store.release.set()
        a, (b,) = first.result(timeout=30), lone.result(timeout=30)
    finally:
        store.release.set()
        node.close()
    big_receipts = [r for r in a if isinstance(r, Receipt)]
    assert len(big_receipts) == big and isinstance(b, Receipt)
    assert b.leaf_index > max(r.leaf_index for r in big_receipts)
    assert [w[0] for w in store.writes[start:]] == ["committer", "committer"]  # the lone one went the queue's way
