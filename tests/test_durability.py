"""The durability contract, with real parts: no receipt resolves before the synced WriteBatch that
holds its record and checkpoint was written.

A thin recording subclass of the real RocksStore is injected into a real Node; it records, around the
real ``commit_block``, global sequence numbers taken before the write, after its WAL sync (the store
writes the batch, then syncs the WAL files and calls RocksDB's SyncWAL before returning) and after
the write returned. Every future's resolution takes a sequence number too; each receipt's block must
have been synced strictly before its future resolved.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import Future
from pathlib import Path

from ledger.cli.serve import node_settings
from ledger.config import load_config
from ledger.ingest import PipelineConfig, Receipt, Result
from ledger.node import Node
from ledger.service import convert
from ledger.store import RocksStore
from ledger.store.base import BlockWrite
from ledger.verify import make_backend

from _ops_support import make_home, workload

_SEQ = itertools.count()


class RecordingStore(RocksStore):
    """The real store; remembers (start seq, done seq, WAL synced in between, size before, size after)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes: list[tuple[int, int, bool, int, int]] = []
        self._lock = threading.Lock()
        self._synced_at = -1

    def _sync_wal(self) -> None:
        super()._sync_wal()  # the real fdatasync + RocksDB SyncWAL
        self._synced_at = next(_SEQ)

    def commit_block(self, block: BlockWrite) -> int:
        before = block.entries[0].leaf_index if block.entries else block.checkpoint.tree_size
        start = next(_SEQ)
        n = super().commit_block(block)  # the real WriteBatch, then the WAL sync
        done = next(_SEQ)
        with self._lock:
            self.writes.append((start, done, start < self._synced_at < done, before, block.checkpoint.tree_size))
        return n


def test_no_receipt_before_its_synced_write(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cfg_path = make_home(home, {"block_max_records": 64, "block_max_ms": 2})
    records = workload(home, 1200)
    settings = node_settings(load_config(cfg_path))
    settings.pipeline = PipelineConfig(64, 2.0, 100_000)
    store = RecordingStore(settings.data_dir)
    node = Node(settings, store, make_backend("cpu"))
    resolved: list[tuple[int, list[Result]]] = []
    lock = threading.Lock()

    def on_done(f: Future[list[Result]]) -> None:
        seq = next(_SEQ)
        with lock:
            resolved.append((seq, f.result()))

    try:
        futures = []
        for i in range(0, len(records), 40):
            fut = node.submit_async(convert.submitted(records[i : i + 40]))
            fut.add_done_callback(on_done)
            futures.append(fut)
        for f in futures:
            f.result(timeout=60)
    finally:
        node.close()
    assert len(resolved) == len(futures)
    assert len(store.writes) > 3, "expected several blocks"
    assert all(sync for _, _, sync, _, _ in store.writes), "a block's write returned without a WAL sync"
    receipts = 0
    for seq, results in resolved:
        for r in results:
            assert isinstance(r, Receipt), r
            block = next(w for w in store.writes if w[3] <= r.leaf_index < w[4])
            assert block[1] < seq, f"leaf {r.leaf_index}: receipt resolved before its block's synced write returned"
            assert r.checkpoint.tree_size == block[4]
            receipts += 1
    assert receipts == len(records)
    # and the data is really there after reopening the directory
    again = RocksStore(settings.data_dir)
    try:
        head = again.latest_checkpoint()
        assert head is not None and head.tree_size == max(w[4] for w in store.writes)
    finally:
        again.close()
