"""Ingest benchmark: committed records/s over gRPC against the raw libsodium rate on the same cores.

Pre-signs a workload, starts a node process on a fresh store, streams the workload from a separate
client process, and measures committed records/s and per-batch ack latency. In the same run it
measures libsodium batch verification on all cores (`verify_limit_per_s`, the denominator of
`ratio`) and, where it builds, the keyed verifier's raw rate on all cores (`keyed_limit_per_s`,
with `ratio_vs_keyed`: how close ingest comes to that verifier, for a node run with `--backend
keyed`). Prints one JSON line last.

    python bench/ingest.py [--records 100000] [--batch 1000] [--backend auto|cpu|keyed|gpu] [--months 12] [--keep DIR]

With --keep the home (config.json, keys, data) stays in DIR, e.g. for `creditledger verify`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import NodeProcess, make_home, read_workload, workload_borrowers, write_workload

CLIENT = r"""
import json, sys, threading, time
import grpc
sys.path.insert(0, sys.argv[3])
from _workload import read_workload
from ledger.v1 import ledger_pb2, ledger_pb2_grpc
recs = read_workload(__import__('pathlib').Path(sys.argv[1]))
batch = int(sys.argv[4])
window = threading.Semaphore(int(sys.argv[5]))  # batches sent and not yet acknowledged
batches = [recs[i:i + batch] for i in range(0, len(recs), batch)]
reqs = [ledger_pb2.StreamSubmitRequest(batch_id=i, records=b).SerializeToString() for i, b in enumerate(batches)]
opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
ch = grpc.insecure_channel(sys.argv[2], options=opts)
stub = ch.stream_stream("/ledger.v1.Submission/StreamRecords", request_serializer=lambda b: b,
                        response_deserializer=ledger_pb2.StreamSubmitResponse.FromString)
sent = {}
def gen():
    for i, r in enumerate(reqs):
        window.acquire()
        sent[i] = time.perf_counter()
        yield r
t0 = time.perf_counter()
lat, ok, bad = [], 0, 0
for resp in stub(gen()):
    lat.append(time.perf_counter() - sent[resp.batch_id])
    window.release()
    for r in resp.results:
        if r.HasField("receipt"): ok += 1
        else: bad += 1
dt = time.perf_counter() - t0
lat.sort()
print(json.dumps({"accepted": ok, "refused": bad, "seconds": dt,
                  "p50_ms": lat[len(lat)//2]*1000, "p99_ms": lat[min(len(lat)-1, int(len(lat)*0.99))]*1000}))
"""


def verify_rate(n: int = 40_000, keyed: bool = False) -> float:
    """Signatures/s of the CPU backend (libsodium on all cores), or with ``keyed`` of the keyed
    verifier on all cores, on 47-byte messages."""
    import nacl.signing

    from ledger.records.signing import EntryKind, signing_message
    from ledger.verify import CpuBackend
    from ledger.verify.keyed import KeyedBackend

    key = nacl.signing.SigningKey(b"\x07" * 32)
    msgs = [signing_message(EntryKind.RECORD, os.urandom(32)) for _ in range(n)]
    sigs = [key.sign(m).signature for m in msgs]
    pks = [bytes(key.verify_key)] * n
    be: CpuBackend | KeyedBackend = KeyedBackend() if keyed else CpuBackend()
    if isinstance(be, CpuBackend):
        be.warm_up()
    be.verify_batch(msgs[:1000], sigs[:1000], pks[:1000])
    t = time.perf_counter()
    assert be.verify_batch(msgs, sigs, pks).all()
    rate = n / (time.perf_counter() - t)
    be.close()
    return rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--window", type=int, default=12, help="batches in flight (sent, not yet acknowledged)")
    ap.add_argument("--backend", default="auto", help="the node's verify_backend (auto: gpu, else cpu)")
    ap.add_argument("--verify-workers", type=int, default=0, help="the node's verify_workers (0: default)")
    ap.add_argument(
        "--months", type=int, default=12,
        help="monthly updates per account: fewer months, more borrowers for the same records (12: ~3.8k "
        "borrowers per 100k records, all inside the node's key caches; 1: ~25k, every record a key-cache miss)",
    )
    ap.add_argument("--keep", metavar="DIR", help="build the consortium home here (must not exist) and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        home = Path(tmp)
        if args.keep:
            home = Path(args.keep)
            home.mkdir(parents=True)
        cfg = make_home(home, {"verify_backend": args.backend, "verify_workers": args.verify_workers})
        wl = write_workload(home, args.records, args.months)
        n = len(read_workload(wl))
        from ledger.verify.keyed import KeyedBackend

        has_keyed = KeyedBackend.available()
        before = verify_rate()
        keyed_before = verify_rate(keyed=True) if has_keyed else 0.0
        node = NodeProcess(cfg)
        try:
            out = subprocess.run(
                [sys.executable, "-c", CLIENT, str(wl), node.target, str(Path(__file__).parent), str(args.batch),
                 str(args.window)],
                capture_output=True, text=True, timeout=1800, check=True,
            ).stdout
        finally:
            code = node.stop()
        after = verify_rate()
        keyed_after = verify_rate(keyed=True) if has_keyed else 0.0
        res = json.loads(out.strip().splitlines()[-1])
    limit = (before + after) / 2
    keyed_limit = (keyed_before + keyed_after) / 2
    rps = res["accepted"] / res["seconds"]
    print(json.dumps({
        "bench": "ingest", "records": n, "accepted": res["accepted"], "refused": res["refused"],
        "backend": args.backend, "cores": os.cpu_count(), "batch": args.batch, "window": args.window,
        "months": args.months, "borrowers": workload_borrowers(args.records, args.months),
        "verify_workers": args.verify_workers,
        "records_per_s": round(rps), "verify_limit_per_s": round(limit), "ratio": round(rps / limit, 3),
        "keyed_limit_per_s": round(keyed_limit) if has_keyed else None,
        "ratio_vs_keyed": round(rps / keyed_limit, 3) if has_keyed else None,
        "p50_ack_ms": round(res["p50_ms"], 1), "p99_ack_ms": round(res["p99_ms"], 1),
        "node_exit": code,
    }))


if __name__ == "__main__":
    main()
