"""Overload: push well past capacity into a node with a small ingest queue. The node must answer
RESOURCE_EXHAUSTED with a retry hint (``retry-after-ms`` trailing metadata), keep serving reads, and
keep its RSS bounded. Prints one JSON line last (the memory ceiling is ``rss_max_mb``).

    python bench/overload.py [--seconds 20] [--threads 16] [--batch 500] [--max-pending 2000] [--polite]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.client.client import retry_after
from ledger.v1 import ledger_pb2

from _ops import Node, make_home, write_workload
from _workload import encoded_batches


def overload(home: Path, seconds: float, threads: int, batch: int, records: int | None = None,
             polite: bool = False) -> dict[str, object]:
    """Run the overload against a node on ``home`` (config must set a small max_pending_records).

    Every batch sent holds records the node has not seen (``records`` of them, by default enough
    for ``seconds`` at 40k records/s), so the node is past capacity with new work, not answering
    resubmissions from its id index. Workers stop early if the workload runs out
    (``workload_ran_out``).
    """
    wl = write_workload(home, records or int(seconds * 40_000))
    node = Node(home)
    source = encoded_batches(wl, batch, field=1)  # SubmitRecordsRequest.records
    counts = {"ok_batches": 0, "accepted": 0, "duplicates": 0, "exhausted": 0, "with_retry_hint": 0,
              "other_errors": 0}
    hints: list[int] = []
    lock = threading.Lock()
    ran_out = threading.Event()
    stop = time.monotonic() + seconds
    rss: list[tuple[float, int]] = []
    t0 = time.monotonic()
    rss0 = node.rss_bytes()
    rss.append((0.0, rss0))

    def next_body() -> bytes | None:
        with lock:
            try:
                return next(source)[0]
            except StopIteration:
                ran_out.set()
                return None

    def worker() -> None:
        submit = node.channel.unary_unary(
            "/ledger.v1.Submission/SubmitRecords", request_serializer=lambda b: b,
            response_deserializer=ledger_pb2.SubmitRecordsResponse.FromString,
        )
        body = next_body()
        while body is not None and time.monotonic() < stop:
            try:
                resp = submit(body, timeout=30)
                with lock:
                    counts["ok_batches"] += 1
                    for r in resp.results:
                        if r.HasField("receipt"):
                            counts["duplicates" if r.receipt.duplicate else "accepted"] += 1
                body = next_body()
            except grpc.RpcError as exc:
                wait = retry_after(exc)
                with lock:
                    if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                        counts["exhausted"] += 1
                        if wait is not None:
                            counts["with_retry_hint"] += 1
                            hints.append(round(wait * 1000))
                    else:
                        counts["other_errors"] += 1
                # Impolite (the default): no back-off, the same batch again at once, so the node
                # stays past capacity. Polite: wait as the node asks, as ledger.client does.
                if polite and wait is not None:
                    time.sleep(wait * (1 + random.random() / 4))

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    while time.monotonic() < stop and not ran_out.is_set():
        rss.append((time.monotonic() - t0, node.rss_bytes()))
        time.sleep(0.2)
    for t in ts:
        t.join(60)
    elapsed = time.monotonic() - t0
    alive = True
    try:
        head = node.client().checkpoint()
    except Exception:
        alive, head = False, None
    rc = node.stop()
    peak = max(v for _, v in rss)
    return {
        "bench": "overload", "seconds": round(elapsed, 1), "threads": threads, "polite": polite, "batch": batch,
        **counts,
        "retry_after_ms": sorted(set(hints))[:3], "alive_after": alive, "node_exit": rc,
        "tree_size": head.tree_size if head else None, "workload_ran_out": ran_out.is_set(),
        "accepted_per_s": round(counts["accepted"] / elapsed),
        "rss_start_mb": round(rss0 / 2**20, 1), "rss_max_mb": round(peak / 2**20, 1),
        "rss_last_mb": round(rss[-1][1] / 2**20, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--max-pending", type=int, default=2000)
    ap.add_argument("--polite", action="store_true", help="clients wait as retry-after-ms asks before sending again")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="overload-") as tmp:
        home = Path(tmp) / "home"
        make_home(home, {"block_max_records": 512, "max_pending_records": args.max_pending})
        out = overload(home, args.seconds, args.threads, args.batch, polite=args.polite)
    print(json.dumps(out))
    ok = (out["exhausted"] and out["alive_after"] and not out["other_errors"] and out["node_exit"] == 0
          and not out["workload_ran_out"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
