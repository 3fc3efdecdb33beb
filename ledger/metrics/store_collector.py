"""A Prometheus collector computed on scrape: RocksDB statistics, data-dir disk space, checkpoint age.

Promises: a scrape never raises and never blocks on the ingest path; values that cannot be read
(store closed, property unsupported) are simply left out of that scrape.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

ROCKS_PROPERTIES = {
    "rocksdb.estimate-live-data-size": ("creditledger_rocksdb_live_data_bytes", "Estimated live data size"),
    "rocksdb.total-sst-files-size": ("creditledger_rocksdb_sst_files_bytes", "Total size of all SST files"),
    "rocksdb.cur-size-all-mem-tables": ("creditledger_rocksdb_memtable_bytes", "Size of all memtables"),
    "rocksdb.estimate-num-keys": ("creditledger_rocksdb_estimated_keys", "Estimated number of keys"),
    "rocksdb.estimate-table-readers-mem": (
        "creditledger_rocksdb_table_readers_bytes", "Memory held by SST readers outside the block cache"),
}
# The block cache is shared by all column families: one value, not one per family.
BLOCK_CACHE = {
    "rocksdb.block-cache-usage": ("creditledger_rocksdb_block_cache_bytes", "Bytes in the shared block cache"),
    "rocksdb.block-cache-pinned-usage": (
        "creditledger_rocksdb_block_cache_pinned_bytes", "Bytes of pinned entries in the shared block cache"),
}
BACKGROUND_ERRORS = "rocksdb.background-errors"


class StatsSource(Protocol):
    """What the collector needs from the store (ledger.store.RocksStore provides it)."""

    def property_ints(self, name: str) -> dict[str, int]: ...

    def property_int(self, name: str) -> int | None: ...


class NodeCollector(Collector):
    """Per-scrape gauges for one node's store and data directory."""

    def __init__(self, store: StatsSource, data_dir: Path, checkpoint_ts: Callable[[], float | None],
                 start_time: float) -> None:
        self._store = store
        self._data_dir = data_dir
        self._checkpoint_ts = checkpoint_ts
        self._start = start_time

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = time.time()
        yield GaugeMetricFamily("creditledger_uptime_seconds", "Seconds since the node started",
                                value=now - self._start)
        ts = self._checkpoint_ts()
        if ts is not None:
            yield GaugeMetricFamily(
                "creditledger_checkpoint_age_seconds", "Seconds since the latest checkpoint was signed",
                value=max(0.0, now - ts),
            )
        try:
            st = os.statvfs(self._data_dir)
        except OSError:
            st = None
        if st is not None:
            yield GaugeMetricFamily("creditledger_data_dir_free_bytes", "Bytes available to the node in its data dir's "
                                    "filesystem", value=st.f_bavail * st.f_frsize)
            yield GaugeMetricFamily("creditledger_data_dir_size_bytes", "Size of the data dir's filesystem",
                                    value=st.f_blocks * st.f_frsize)
        for prop, (name, doc) in ROCKS_PROPERTIES.items():
            try:
                values = self._store.property_ints(prop)
            except Exception:  # store closed or property unsupported: skip, never fail a scrape
                continue
            if not values:
                continue
            g = GaugeMetricFamily(name, f"{doc} (RocksDB {prop}), per column family", labels=["cf"])
            for cf, v in sorted(values.items()):
                g.add_metric([cf], v)
            yield g
        for prop, (name, doc) in BLOCK_CACHE.items():
            try:
                usage = self._store.property_int(prop)
            except Exception:
                continue
            if usage is not None:
                yield GaugeMetricFamily(name, f"{doc} (RocksDB {prop})", value=usage)
        try:
            errs = self._store.property_int(BACKGROUND_ERRORS)
        except Exception:
            return
        if errs is not None:
            yield GaugeMetricFamily("creditledger_rocksdb_background_errors",
                                    "RocksDB background errors since open", value=errs)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # values are dynamic; do not collect at registration
