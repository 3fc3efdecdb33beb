"""Soak: measure ingest capacity (the rate after the first third of a 15 s probe), then run sustained
ingest at 80% of it plus borrower history queries for ``--seconds`` (default 300). Reports throughput,
p99 ack and query latency and the node's RSS over time. RSS must stay flat within 10% after warm-up (the
first quarter of the soak): ``rss_growth_after_warmup_pct``, max over min of the 1 s samples, is the
verdict; ``rss_median_growth_after_warmup_pct`` (last quarter's median over the first's) shows the creep
without the jitter. The last stdout line is a JSON object with ``"pass"``. The default is long on
purpose: the heap creeps by a few MiB per 100 s (docs/METRICS.md), which a one- or two-minute run can
hide inside the band.

    python bench/soak.py [--seconds 300] [--capacity-seconds 15] [--load 0.8] [--batch 500] [--window 8]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, records_pb2

from _ops import Node, free_port, make_home, write_workload
from _workload import encoded_batches, varint

_PARTS = {
    "memtables": "creditledger_rocksdb_memtable_bytes",
    "block_cache": "creditledger_rocksdb_block_cache_bytes",
    "table_readers": "creditledger_rocksdb_table_readers_bytes",
    "heap_in_use": 'creditledger_heap_bytes{part="in_use"}',
    "heap_free": 'creditledger_heap_bytes{part="free"}',
    "heap_mmapped": 'creditledger_heap_bytes{part="mmapped"}',
    "python_blocks_k": "creditledger_python_allocated_blocks",
}


def _memory_parts(node: Node) -> dict[str, float]:
    """The node's memory by part from its /metrics: MiB (RocksDB parts summed over column families,
    C heap), and thousands of Python allocator blocks (``python_blocks_k``)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{node.metrics_port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = dict.fromkeys(_PARTS, 0.0)
    for line in text.splitlines():
        for part, name in _PARTS.items():
            if line.startswith(name + ("" if name.endswith("}") else "{")) or line.startswith(name + " "):
                out[part] += float(line.rsplit(" ", 1)[1]) / (1000 if part.endswith("_k") else 2**20)
    return {k: round(v, 1) for k, v in out.items()}


def median_growth(values: list[int]) -> float:
    """Creep without the jitter: the median of the last quarter of ``values`` over that of the first
    quarter, minus 1 (0.0 for fewer than 4 values)."""
    q = len(values) // 4
    if q == 0:
        return 0.0
    return statistics.median(values[-q:]) / statistics.median(values[:q]) - 1


def _p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 2) if xs else 0.0


class Phase:
    """One StreamRecords call fed at ``rate`` records/s (0: as fast as the window allows)."""

    def __init__(self, node: Node, source: Iterator[tuple[bytes, list[bytes]]], rate: float, seconds: float,
                 window: int) -> None:
        self.node, self.source, self.rate, self.seconds = node, source, rate, seconds
        # Batches sent and not yet acknowledged, as a bank's client keeps them: a node that slows
        # down shows as missed throughput, not as an unbounded backlog in its memory.
        self.window = threading.Semaphore(window)
        self.sent: dict[int, tuple[float, int]] = {}
        self.lat: list[float] = []
        self.accepted = 0
        self.acks: list[tuple[float, int]] = []  # (seconds since the phase started, accepted so far)
        self.refs: list[bytes] = []
        self.exhausted = False

    def _requests(self) -> Iterator[bytes]:
        t0 = time.monotonic()
        n = 0
        for i, (body, recs) in enumerate(self.source):
            now = time.monotonic()
            if now - t0 > self.seconds:
                return
            if self.rate:
                due = t0 + n / self.rate
                if due > now:
                    time.sleep(due - now)
            self.window.acquire()
            self.sent[i] = (time.perf_counter(), len(recs))
            if len(self.refs) < 5000:
                self.refs.append(records_pb2.CreditRecord.FromString(records_pb2.SignedRecord.FromString(recs[0]).payload).borrower_ref)
            n += len(recs)
            yield b"\x08" + varint(i) + body
        self.exhausted = True

    def run(self) -> float:
        stub = self.node.channel.stream_stream(
            "/ledger.v1.Submission/StreamRecords", request_serializer=lambda b: b,
            response_deserializer=ledger_pb2.StreamSubmitResponse.FromString)
        t0 = time.monotonic()
        for resp in stub(self._requests(), timeout=self.seconds + 120):
            self.window.release()
            self.lat.append(time.perf_counter() - self.sent[resp.batch_id][0])
            self.accepted += sum(1 for r in resp.results if r.HasField("receipt"))
            self.acks.append((time.monotonic() - t0, self.accepted))
        return time.monotonic() - t0

    def rates(self, step: float) -> list[float]:
        """Records/s acknowledged in each ``step`` seconds of the phase (the last part may be shorter)."""
        out, t0, n0 = [], 0.0, 0
        for t, n in self.acks:
            if t - t0 >= step:
                out.append(round((n - n0) / (t - t0)))
                t0, n0 = t, n
        return out

    def rate_since(self, start: float) -> float:
        """Records/s acknowledged from ``start`` seconds into the phase to its last acknowledgement."""
        prior = [(t, n) for t, n in self.acks if t < start]
        t0, n0 = prior[-1] if prior else (0.0, 0)
        t1, n1 = self.acks[-1] if self.acks else (0.0, 0)
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


class Sampler(threading.Thread):
    """The node's RSS every second (``rss``: seconds since start, bytes) and, every ``parts_every``
    samples (0: never), its memory parts (``parts``), until ``stop`` is set."""

    def __init__(self, node: Node, stop: threading.Event, parts_every: int = 10) -> None:
        super().__init__(daemon=True)
        self.node, self.stop, self.parts_every = node, stop, parts_every
        self.rss: list[tuple[float, int]] = []
        self.parts: list[tuple[float, dict[str, float]]] = []

    def run(self) -> None:
        t0 = time.monotonic()
        k = 0
        while not self.stop.is_set():
            t = round(time.monotonic() - t0, 1)
            self.rss.append((t, self.node.rss_bytes()))
            if self.parts_every and k % self.parts_every == 0:
                self.parts.append((t, _memory_parts(self.node)))
            k += 1
            self.stop.wait(1.0)


class HistoryQueries(threading.Thread):
    """A BorrowerHistory query for a random borrower of ``refs()`` every 20 ms until ``stop`` is set:
    latencies (while ``measuring`` is set, or always without it) in ``lat``, failures in ``errors``."""

    def __init__(self, node: Node, refs: Callable[[], list[bytes]], stop: threading.Event,
                 measuring: threading.Event | None = None) -> None:
        super().__init__(daemon=True)
        self.node, self.refs, self.stop, self.measuring = node, refs, stop, measuring
        self.lat: list[float] = []
        self.errors = 0

    def run(self) -> None:
        q = ledger_pb2_grpc.QueryStub(self.node.channel)
        rng = random.Random(3)
        while not self.stop.is_set():
            refs = self.refs()
            if not refs:
                self.stop.wait(0.05)
                continue
            t = time.perf_counter()
            try:
                q.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=rng.choice(refs)), timeout=10)
                if self.measuring is None or self.measuring.is_set():
                    self.lat.append(time.perf_counter() - t)
            except grpc.RpcError:
                self.errors += 1
            self.stop.wait(0.02)


def soak(home: Path, seconds: float, capacity_seconds: float, load: float, batch: int,
         window: int, rate_guess: int = 25_000) -> dict[str, object]:
    est = rate_guess  # records/s upper guess for sizing the workload; the file is read lazily
    wl = write_workload(home, int(est * (capacity_seconds + seconds * load) * 1.1) + batch)
    node = Node(home)
    source = encoded_batches(wl, batch, field=2)  # StreamSubmitRequest.records
    cap = Phase(node, source, 0, capacity_seconds, window)
    stop = threading.Event()
    measuring = threading.Event()
    sampler = Sampler(node, stop)
    querier = HistoryQueries(node, lambda: cap.refs, stop, measuring)
    querier.start()  # capacity is measured with the query load running, as in the soak
    cap_s = cap.run()
    # The first third of the probe is start-up (an empty store, the first window filling) and ran
    # 4-6% faster than the rest in two runs; capacity is the rate after it.
    capacity = cap.rate_since(capacity_seconds / 3)
    target = capacity * load
    soak_phase = Phase(node, source, target, seconds, window)
    measuring.set()
    sampler.start()
    soak_s = soak_phase.run()
    stop.set()
    for t in (sampler, querier):
        t.join(10)
    rc = node.stop()
    warm = seconds * 0.25
    rss, parts, qlat = sampler.rss, sampler.parts, querier.lat
    after = [v for t, v in rss if t >= warm] or [v for _, v in rss]
    growth = (max(after) - min(after)) / min(after) if after else 0.0
    achieved = soak_phase.accepted / soak_s
    # Pass: memory flat, the load actually sustained (within 5% of the target), a clean exit.
    ok = growth <= 0.10 and achieved >= 0.95 * target and rc == 0 and not soak_phase.exhausted and not querier.errors
    return {
        "bench": "soak", "seconds": seconds, "capacity_per_s": round(capacity),
        "capacity_whole_probe_per_s": round(cap.accepted / cap_s), "load": load,
        "target_per_s": round(target), "achieved_per_s": round(achieved),
        "achieved_per_s_by_minute": soak_phase.rates(60), "capacity_probe_per_s_by_5s": cap.rates(5),
        "accepted": soak_phase.accepted, "p99_ack_ms": _p99(soak_phase.lat), "queries": len(qlat),
        "p99_query_ms": _p99(qlat), "query_errors": querier.errors, "workload_ran_out": soak_phase.exhausted,
        "rss_mb_over_time": [(t, round(v / 2**20, 1)) for t, v in rss[:: max(1, len(rss) // 12)]],
        "rss_growth_after_warmup_pct": round(growth * 100, 2),
        "rss_median_growth_after_warmup_pct": round(median_growth(after) * 100, 2), "memory_mb_over_time": parts,
        "node_exit": rc, "pass": ok,
        "_series": {"rss_mb": [(t, round(v / 2**20, 2)) for t, v in rss], "parts_mb": parts},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--capacity-seconds", type=float, default=15)
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--window", type=int, default=8, help="batches in flight (sent, not yet acknowledged)")
    ap.add_argument("--series", type=Path, help="also write every RSS sample (1/s) and memory-part sample as JSON here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        home = Path(tmp) / "home"
        make_home(home, {"metrics_port": free_port(), "metrics_addr": "127.0.0.1"})
        out = soak(home, args.seconds, args.capacity_seconds, args.load, args.batch, args.window)
    series = out.pop("_series")
    if args.series:
        args.series.write_text(json.dumps(series))
    print(json.dumps(out))
    return 0 if out["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
