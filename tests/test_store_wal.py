"""The store's write path: batch unsynced, then the WAL files fdatasync'ed (GIL released) and
RocksDB's SyncWAL, before commit_block returns; a failed sync fences the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.chain import NodeSigner
from ledger.merkle import EMPTY_ROOT
from ledger.store import RocksStore
from ledger.store.base import BlockWrite, StoreError
from ledger.store.wal import WalFiles

SIGNER = NodeSigner(bytes(32), "test")


def _commit(store: RocksStore, level: int) -> int:
    cp = SIGNER.sign_next(store.latest_checkpoint(), 0, EMPTY_ROOT, level)
    return store.commit_block(BlockWrite([], [(level, 0, bytes([level]) * 32)], cp, {}))


def test_wal_files_follow_the_directory(tmp_path: Path) -> None:
    (tmp_path / "000004.log").write_bytes(b"a")
    (tmp_path / "000005.sst").write_bytes(b"b")
    wal = WalFiles(tmp_path)
    wal.sync()
    assert wal.names == ["000004.log"]  # only WAL files
    (tmp_path / "000009.log").write_bytes(b"c")
    os.utime(tmp_path, ns=(1, 1))  # a new mtime, whatever the clock's granularity
    wal.sync()
    assert wal.names == ["000004.log", "000009.log"]
    (tmp_path / "000004.log").unlink()
    os.utime(tmp_path, ns=(2, 2))
    wal.sync()
    assert wal.names == ["000009.log"]  # the obsolete WAL's descriptor is closed
    wal.close()
    assert wal.names == []


def test_store_syncs_a_live_wal(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    try:
        _commit(store, 1)
        assert any(n.endswith(".log") for n in store._wal.names)
    finally:
        store.close()
    again = RocksStore(tmp_path / "db")
    try:
        assert again.latest_checkpoint() is not None
    finally:
        again.close()


class _FailingSync(RocksStore):
    """The real store whose WAL sync fails once, as fdatasync does on an I/O error."""

    fail = False

    def _sync_wal(self) -> None:
        if self.fail:
            self.fail = False
            raise OSError(5, "Input/output error")
        super()._sync_wal()


def test_failed_wal_sync_fences_the_store(tmp_path: Path) -> None:
    store = _FailingSync(tmp_path / "db")
    try:
        _commit(store, 1)
        store.fail = True
        with pytest.raises(StoreError, match="WAL sync failed"):
            _commit(store, 2)
        # the sync would work now, but what the failed write left in the memtable is not known to be
        # on disk: no later block may build on it
        with pytest.raises(StoreError, match="refuses writes"):
            _commit(store, 3)
    finally:
        store.close()

    again = RocksStore(tmp_path / "db")  # reopening replays what the WAL really holds
    try:
        _commit(again, 4)
    finally:
        again.close()
