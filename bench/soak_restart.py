"""Does a restart give memory back? Sustained ingest plus history queries into a new store for
``--first`` seconds, then SIGTERM, restart on the same store and the same load for ``--second``
seconds. Prints the node's RSS as 20 s medians for both runs, so RSS at equal uptime (bigger store
after the restart) and at equal store size (just before and just after it) can be compared
(docs/METRICS.md, "Memory over time"). The last stdout line is a JSON object.

    python bench/soak_restart.py [--rate 14000] [--first 240] [--second 150]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import HistoryQueries, Phase, Sampler

from _ops import Node, free_port, make_home, write_workload
from _workload import encoded_batches

WINDOW_S = 20


def _run(home: Path, source: Iterator[tuple[bytes, list[bytes]]], rate: float, seconds: float,
         refs: list[bytes]) -> dict[str, object]:
    """One node process on ``home`` under ``rate`` records/s and history queries for ``seconds``."""
    node = Node(home)
    phase = Phase(node, source, rate, seconds, 8)
    stop = threading.Event()
    sampler = Sampler(node, stop, parts_every=0)
    querier = HistoryQueries(node, lambda: refs or phase.refs, stop)
    for t in (sampler, querier):
        t.start()
    took = phase.run()
    stop.set()
    for t in (sampler, querier):
        t.join(10)
    rc = node.stop()
    if not refs:
        refs.extend(phase.refs)
    rss = [(t, v / 2**20) for t, v in sampler.rss]
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
        source = encoded_batches(wl, 500, field=2)
        refs: list[bytes] = []
        first = _run(home, source, args.rate, args.first, refs)
        second = _run(home, source, args.rate, args.second, refs)
    print(json.dumps({"bench": "soak_restart", "rate": args.rate, "first": first, "after_restart": second}))
    return 0 if first["node_exit"] == 0 and second["node_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
