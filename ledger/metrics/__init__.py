"""The node's Prometheus metrics. One registry per node, so tests can run several nodes in a process.

The catalogue with meanings and labels is docs/METRICS.md; names follow Prometheus conventions
(``creditledger_`` prefix, base units, ``_total`` for counters).
"""

from __future__ import annotations

import time
from collections import Counter as TallyCounter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    Info,
    ProcessCollector,
    start_http_server,
)

from ledger import __version__
from ledger.metrics.heap import HeapCollector
from ledger.metrics.store_collector import NodeCollector, StatsSource

_LAT = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_SIZES = (1, 8, 64, 256, 1024, 4096, 16384, 65536)


class Metrics:
    """All metrics of one node, registered in ``self.registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        ProcessCollector(registry=r)
        GCCollector(registry=r)  # python_gc_*: collections and objects freed per generation
        p = "creditledger"
        self.received = Counter(f"{p}_records_received", "Records received", ["member"], registry=r)
        self.accepted = Counter(f"{p}_records_accepted", "Records accepted and durable", ["member"], registry=r)
        self.refused = Counter(
            f"{p}_records_refused", "Records refused, by status code", ["reason", "member"], registry=r
        )
        self.duplicates = Counter(f"{p}_records_duplicate", "Resubmitted records answered from the log", registry=r)
        self.block_size = Histogram(f"{p}_block_records", "Records per committed block", buckets=_SIZES, registry=r)
        self.queue_depth = Gauge(f"{p}_ingest_queue_records", "Records waiting in the ingest pipeline", registry=r)
        self.overload = Counter(f"{p}_ingest_overload", "Submissions refused because the queue was full", registry=r)
        self.verify_seconds = Histogram(
            f"{p}_verify_batch_seconds", "Signature batch verification latency", ["backend"], buckets=_LAT, registry=r
        )
        self.verified = Counter(f"{p}_verify_signatures", "Signatures verified", ["backend"], registry=r)
        self.verify_fallbacks = Counter(
            f"{p}_verify_fallbacks", "Times the GPU backend failed and the CPU took over", registry=r
        )
        self.backend_info = Gauge(
            f"{p}_verify_backend", "1 for the verification backend in use", ["backend"], registry=r
        )
        self.gpu_memory = Gauge(f"{p}_gpu_memory_bytes", "GPU device memory held by the verifier", registry=r)
        self._fallbacks_seen = 0
        self.commit_seconds = Histogram(
            f"{p}_commit_seconds", "Block commit latency (synced WriteBatch)", buckets=_LAT, registry=r
        )
        self.commit_bytes = Counter(
            f"{p}_commit_written_bytes", "Bytes of synced WriteBatches committed (RocksDB batch size)", registry=r
        )
        self.commits = Counter(f"{p}_commits", "Blocks committed (one synced WriteBatch each)", registry=r)
        self.commit_failures = Counter(f"{p}_commit_failures", "Block commits that failed (nothing acknowledged)",
                                       registry=r)
        self.tree_size = Gauge(f"{p}_tree_size", "Leaves in the log", registry=r)
        self.checkpoint_ts = Gauge(
            f"{p}_checkpoint_timestamp_seconds", "Unix time of the latest checkpoint", registry=r
        )
        self.query_seconds = Histogram(
            f"{p}_query_seconds", "Query latency, proofs included", ["type"], buckets=_LAT, registry=r
        )
        self.inquiries = Counter(f"{p}_inquiries", "Recorded inquiries, by purpose", ["purpose"], registry=r)
        self.disputes_open = Gauge(f"{p}_disputes_open", "Open disputes", registry=r)
        self.disputes_overdue = Gauge(f"{p}_disputes_overdue", "Open disputes past their deadline", registry=r)
        self.retention_redacted = Counter(
            f"{p}_retention_redacted", "Payloads redacted by the retention job", registry=r
        )
        self.start_time = Gauge(f"{p}_start_time_seconds", "Unix time the node started", registry=r)
        self._started = time.time()
        self.start_time.set(self._started)
        Info(f"{p}_build", "Build information", registry=r).info({"version": __version__})

    def attach_store(self, store: StatsSource, data_dir: Path) -> None:
        """Add per-scrape gauges: RocksDB stats, data-dir free space, checkpoint age, uptime."""

        def checkpoint_ts() -> float | None:
            v = self.checkpoint_ts._value.get()
            return float(v) if v else None

        self.registry.register(NodeCollector(store, data_dir, checkpoint_ts, self._started))
        self.registry.register(HeapCollector())

    def set_backend(self, name: str) -> None:
        for b in ("cpu", "keyed", "gpu"):
            self.backend_info.labels(b).set(1 if b == name else 0)

    def observe_verify(self, backend: str, n: int, seconds: float) -> None:
        self.verify_seconds.labels(backend).observe(seconds)
        self.verified.labels(backend).inc(n)

    def observe_backend(self, backend: object) -> None:
        """Feed ``verify_fallbacks`` and ``gpu_memory_bytes`` from a backend that reports them (the
        GPU one: ``fallbacks``, ``device_memory_bytes()``); other backends change nothing."""
        fallbacks = int(getattr(backend, "fallbacks", 0))
        if fallbacks > self._fallbacks_seen:
            self.verify_fallbacks.inc(fallbacks - self._fallbacks_seen)
            self._fallbacks_seen = fallbacks
            self.set_backend(str(getattr(backend, "active", "cpu")))
        memory = getattr(backend, "device_memory_bytes", None)
        if memory is not None:
            self.gpu_memory.set(memory())

    def observe_commit(self, n: int, seconds: float, tree_size: int) -> None:
        self.block_size.observe(n)
        self.commit_seconds.observe(seconds)
        self.tree_size.set(tree_size)
        self.checkpoint_ts.set(time.time())

    def count_results(self, results: Sequence[Any], members: Sequence[str]) -> None:
        """Tally receipts and refusals per member with one metric update per label set."""
        from ledger.ingest.results import Receipt

        acc: TallyCounter[str] = TallyCounter()
        ref: TallyCounter[tuple[str, str]] = TallyCounter()
        dup = 0
        for r, m in zip(results, members, strict=True):
            if isinstance(r, Receipt):
                if r.duplicate:
                    dup += 1
                else:
                    acc[m] += 1
            else:
                ref[(r.code, m)] += 1
        for m, n in acc.items():
            self.accepted.labels(m).inc(n)
        for (code, m), n in ref.items():
            self.refused.labels(code, m).inc(n)
        if dup:
            self.duplicates.inc(dup)


def serve_metrics(metrics: Metrics, port: int, addr: str = "127.0.0.1") -> int:
    """Expose the registry over HTTP; returns the bound port (0 picks a free one)."""
    server, _thread = start_http_server(port, addr=addr, registry=metrics.registry)
    return int(server.server_port)
