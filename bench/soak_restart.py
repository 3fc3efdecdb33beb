"""Does a restart give memory back? Sustained ingest plus history queries into a new store for
``--first`` seconds, then SIGTERM, restart on the same store and the same load for ``--second``
seconds. Prints the node's RSS as 20 s medians for both runs, so RSS at equal uptime (bigger store
after the restart) and at equal store size (just before and just after it) can be compared
(docs/METRICS.md, "Memory over time"). The last stdout line is a JSON object.

    python bench/soak_restart.py [--rate 14000] [--first 240] [--second 150]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import Phase, _batches

from ledger.v1 import ledger_pb2, ledger_pb2_grpc

from _ops import Node, free_port, make_home, write_workload

WINDOW_S = 20


def _run(home: Path, source: Iterator[tuple[bytes, list[bytes]]], rate: float, seconds: float,
         refs: list[bytes]) -> dict[str, object]:
    """One node process on ``home`` under ``rate`` records/s and history queries for ``seconds``."""
    node = Node(home)
    phase = Phase(node, source, rate, seconds, 8)
    rss: list[tuple[float, float]] = []
    stop = threading.Event()

    def sampler() -> None:
        t0 = time.monotonic()
        while not stop.is_set():
            rss.append((time.monotonic() - t0, node.rss_bytes() / 2**20))
            stop.wait(1.0)

    def queries() -> None:
        stub, rng = ledger_pb2_grpc.QueryStub(node.channel), random.Random(3)
        while not stop.is_set():
            pool = refs or phase.refs
            if pool:
                with contextlib.suppress(grpc.RpcError):
                    stub.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=rng.choice(pool)), timeout=10)
            stop.wait(0.02)

    threads = [threading.Thread(target=sampler, daemon=True), threading.Thread(target=queries, daemon=True)]
    for t in threads:
        t.start()
    took = phase.run()
    stop.set()
    for t in threads:
        t.join(10)
    rc = node.stop()
    if not refs:
        refs.extend(phase.refs)
    medians = []
    for lo in range(0, int(seconds), WINDOW_S):
        w = [v for t, v in rss if lo <= t < lo + WINDOW_S]
        if w:
            medians.append((lo, round(statistics.median(w), 1)))
    return {"accepted": phase.accepted, "achieved_per_s": round(phase.accepted / took), "node_exit": rc,
            "rss_mb_medians": medians}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=float, default=14_000)
    ap.add_argument("--first", type=float, default=240)
    ap.add_argument("--second", type=float, default=150)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-restart-") as tmp:
        home = Path(tmp) / "home"
        make_home(home, {"metrics_port": free_port(), "metrics_addr": "127.0.0.1"})
        wl = write_workload(home, int(args.rate * (args.first + args.second) * 1.08))
        source = _batches(wl, 500)
        refs: list[bytes] = []
        first = _run(home, source, args.rate, args.first, refs)
        second = _run(home, source, args.rate, args.second, refs)
    print(json.dumps({"bench": "soak_restart", "rate": args.rate, "first": first, "after_restart": second}))
    return 0 if first["node_exit"] == 0 and second["node_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
