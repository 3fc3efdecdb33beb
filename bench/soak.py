"""Soak: measure ingest capacity for ~10 s, then run sustained ingest at 80% of it plus borrower
history queries for ``--seconds`` (default 60). Reports throughput, p99 ack and query latency and the
node's RSS over time. RSS must stay flat within 10% after warm-up (the first quarter of the soak);
the last stdout line is a JSON object with ``"pass"``.

    python bench/soak.py [--seconds 60] [--capacity-seconds 10] [--load 0.8] [--batch 500]
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, records_pb2

from _ops import Node, make_home, write_workload


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _batches(path: Path, batch: int) -> Iterator[tuple[bytes, list[bytes]]]:
    """Encoded StreamSubmitRequest bodies (without batch id) and the records' borrower refs, lazily."""
    with path.open("rb") as f:
        while True:
            body, refs = bytearray(), []
            for _ in range(batch):
                head = f.read(4)
                if len(head) < 4:
                    break
                rec = f.read(struct.unpack(">I", head)[0])
                body += b"\x12" + _varint(len(rec)) + rec
                refs.append(rec)
            if not refs:
                return
            yield bytes(body), refs
            if len(refs) < batch:
                return


def _p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 2) if xs else 0.0


class Phase:
    """One StreamRecords call fed at ``rate`` records/s (0: as fast as the window allows)."""

    def __init__(self, node: Node, source: Iterator[tuple[bytes, list[bytes]]], rate: float, seconds: float) -> None:
        self.node, self.source, self.rate, self.seconds = node, source, rate, seconds
        self.sent: dict[int, tuple[float, int]] = {}
        self.lat: list[float] = []
        self.accepted = 0
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
            self.sent[i] = (time.perf_counter(), len(recs))
            if len(self.refs) < 5000:
                self.refs.append(records_pb2.CreditRecord.FromString(records_pb2.SignedRecord.FromString(recs[0]).payload).borrower_ref)
            n += len(recs)
            yield b"\x08" + _varint(i) + body
        self.exhausted = True

    def run(self) -> float:
        stub = self.node.channel.stream_stream(
            "/ledger.v1.Submission/StreamRecords", request_serializer=lambda b: b,
            response_deserializer=ledger_pb2.StreamSubmitResponse.FromString)
        t0 = time.monotonic()
        for resp in stub(self._requests(), timeout=self.seconds + 120):
            self.lat.append(time.perf_counter() - self.sent[resp.batch_id][0])
            self.accepted += sum(1 for r in resp.results if r.HasField("receipt"))
        return time.monotonic() - t0


def soak(home: Path, seconds: float, capacity_seconds: float, load: float, batch: int) -> dict[str, object]:
    est = 15_000  # records/s upper guess for sizing the workload; the file is read lazily
    wl = write_workload(home, int(est * (capacity_seconds + seconds * load) * 1.1) + batch)
    node = Node(home)
    source = _batches(wl, batch)
    cap = Phase(node, source, 0, capacity_seconds)
    rss: list[tuple[float, int]] = []
    qlat: list[float] = []
    stop = threading.Event()
    measuring = threading.Event()
    qerr = [0]

    def sampler() -> None:
        t0 = time.monotonic()
        while not stop.is_set():
            rss.append((round(time.monotonic() - t0, 1), node.rss_bytes()))
            stop.wait(1.0)

    def queries() -> None:
        q = ledger_pb2_grpc.QueryStub(node.channel)
        rng = random.Random(3)
        refs = cap.refs
        while not stop.is_set():
            if not refs:
                stop.wait(0.05)
                continue
            t = time.perf_counter()
            try:
                q.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=rng.choice(refs)), timeout=10)
                if measuring.is_set():
                    qlat.append(time.perf_counter() - t)
            except grpc.RpcError:
                qerr[0] += 1
            stop.wait(0.02)

    querier = threading.Thread(target=queries, daemon=True)
    querier.start()  # capacity is measured with the query load running, as in the soak
    cap_s = cap.run()
    capacity = cap.accepted / cap_s
    target = capacity * load
    soak_phase = Phase(node, source, target, seconds)
    measuring.set()
    ths = [threading.Thread(target=sampler, daemon=True), querier]
    ths[0].start()
    soak_s = soak_phase.run()
    stop.set()
    for t in ths:
        t.join(10)
    rc = node.stop()
    warm = seconds * 0.25
    after = [v for t, v in rss if t >= warm] or [v for _, v in rss]
    growth = (max(after) - min(after)) / min(after) if after else 0.0
    ok = growth <= 0.10 and rc == 0 and not soak_phase.exhausted and qerr[0] == 0
    return {
        "bench": "soak", "seconds": seconds, "capacity_per_s": round(capacity), "load": load,
        "target_per_s": round(target), "achieved_per_s": round(soak_phase.accepted / soak_s),
        "accepted": soak_phase.accepted, "p99_ack_ms": _p99(soak_phase.lat), "queries": len(qlat),
        "p99_query_ms": _p99(qlat), "query_errors": qerr[0], "workload_ran_out": soak_phase.exhausted,
        "rss_mb_over_time": [(t, round(v / 2**20, 1)) for t, v in rss[:: max(1, len(rss) // 12)]],
        "rss_growth_after_warmup_pct": round(growth * 100, 2), "node_exit": rc, "pass": ok,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--capacity-seconds", type=float, default=10)
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        home = Path(tmp) / "home"
        make_home(home)
        out = soak(home, args.seconds, args.capacity_seconds, args.load, args.batch)
    print(json.dumps(out))
    return 0 if out["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
