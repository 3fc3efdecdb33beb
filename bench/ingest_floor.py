"""Ingest floors: what gRPC and RocksDB cost per record on their own, against libsodium's verify cost.

bench/ingest.py reports ``ratio`` = committed records/s over libsodium's rate on the same cores. On a
machine where everything shares the cores, a record costs its verification plus everything else, so

    ratio <= verify / (verify + everything else)        (core-microseconds per record)

This script measures, in one run and on the same workload as bench/ingest.py:

* ``verify_core_us``: libsodium on all cores (bench/ingest.py's ``verify_rate``), per signature;
* ``transport_core_us``: a bare gRPC server process with the node's stream shape and conversions
  (``convert.submitted`` in, ``convert.results_pb`` out, one receipt per record), streamed to by
  bench/ingest.py's own client; CPU of both processes while streaming, per record;
* ``store_core_us``: ``RocksStore.commit_block`` of the same records in blocks of ``--batch``, with
  the Merkle append and a signed checkpoint per block, as the committer builds them; CPU of this
  process (RocksDB's flush and compaction threads included), per record.

It prints the budget that ``--target`` leaves for everything else per record (decoding, rules,
dedupe lookups, sealing, the pipeline, metrics) and the ratio the floors alone would allow. The last
line printed is one JSON object.

    python bench/ingest_floor.py [--records 100000] [--batch 1000] [--target 0.7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CLIENT, verify_rate

from ledger.v1 import records_pb2

from _workload import make_home, read_workload, write_workload

ROOT = Path(__file__).resolve().parents[1]

# The node's stream shape without the node: every record gets a receipt, nothing is checked or stored.
BARE_SERVER = r"""
import sys
from concurrent import futures
import grpc
from ledger.chain import NodeSigner
from ledger.ingest import Receipt
from ledger.service import convert
from ledger.v1 import ledger_pb2, ledger_pb2_grpc
cp = NodeSigner(b"\x05" * 32, "creditledger").sign_next(None, 1, bytes(32), 1)
class Bare(ledger_pb2_grpc.SubmissionServicer):
    def StreamRecords(self, requests, context):
        n = 0
        for req in requests:
            got = convert.submitted(req.records)
            res = [Receipt(s.signature[:32], n + i, cp) for i, s in enumerate(got)]
            n += len(got)
            yield ledger_pb2.StreamSubmitResponse(batch_id=req.batch_id, results=convert.results_pb(res))
opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
server = grpc.server(futures.ThreadPoolExecutor(4), options=opts)
ledger_pb2_grpc.add_SubmissionServicer_to_server(Bare(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
sys.stdin.read()
server.stop(None)
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_client() -> str:
    """bench/ingest.py's client, also reporting its own CPU seconds from the first request to the last answer."""
    start, end = "t0 = time.perf_counter()\n", "dt = time.perf_counter() - t0\n"
    if CLIENT.count(start) != 1 or CLIENT.count(end) != 1 or not CLIENT.rstrip().endswith("}))"):
        raise RuntimeError("bench/ingest.py's client changed shape; update _timed_client")
    code = CLIENT.replace(start, start + "c0 = time.process_time()\n")
    code = code.replace(end, end + "cpu = time.process_time() - c0\n")
    return code.rstrip()[: -len("}))")] + ', "streaming_cpu_s": cpu}))\n'


def transport_floor(workload: Path, records: int, batch: int, window: int) -> tuple[float, float, float]:
    """(server CPU s, client CPU s while streaming, client wall s) for the workload (``records``
    records) over a bare server."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    server = subprocess.Popen([sys.executable, "-c", BARE_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        assert server.stdout is not None and server.stdin is not None
        port = int(server.stdout.readline())
        before = _cpu_seconds(server.pid)
        args = [str(workload), f"127.0.0.1:{port}", str(Path(__file__).parent), str(batch), str(window)]
        client = subprocess.run([sys.executable, "-c", _timed_client(), *args], capture_output=True, text=True,
                                env=env, timeout=600, check=True)
        server_cpu = _cpu_seconds(server.pid) - before
        res = json.loads(client.stdout.strip().splitlines()[-1])
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(30)
    if res["accepted"] != records:
        raise RuntimeError(f"bare server acknowledged {res['accepted']} records")
    return server_cpu, float(res["streaming_cpu_s"]), float(res["seconds"])


def store_floor(records: list[records_pb2.SignedRecord], batch: int) -> tuple[float, float]:
    """(CPU s, wall s) to commit ``records`` in blocks of ``batch`` to a new RocksStore."""
    from ledger.chain import Checkpoint, NodeSigner
    from ledger.merkle import CompactRange
    from ledger.records.leaf import encode_leaf
    from ledger.records.signing import EntryKind
    from ledger.store import BlockWrite, EntryWrite, RocksStore

    signer = NodeSigner(b"\x05" * 32, "creditledger")
    sha = hashlib.sha256
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as d:
        store = RocksStore(d)
        tree = CompactRange.empty()
        head: Checkpoint | None = None
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for lo in range(0, len(records), batch):
            entries, hashes = [], []
            for i, r in enumerate(records[lo : lo + batch]):
                rid = sha(r.payload).digest()
                leaf = encode_leaf(EntryKind.RECORD, rid, r.key_id, r.signature)
                hashes.append(sha(b"\x00" + leaf).digest())
                # A sealed blob is the payload plus a 12-byte nonce and a 16-byte tag; any 32 bytes
                # stand in for the borrower ref (the index row's size is what counts).
                entries.append(EntryWrite(lo + i, leaf, bytes(12) + r.payload + bytes(16), rid, rid[::-1],
                                          19_000 + i % 365))
            tree, nodes = tree.append(hashes)
            head = signer.sign_next(head, tree.size, tree.root(), int(time.time() * 1000))
            store.commit_block(BlockWrite(entries, nodes, head))
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        store.close()
    return (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime), wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--target", type=float, default=0.7, help="the ingest ratio to budget for")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-floor-home-") as tmp:
        home = Path(tmp)
        make_home(home)
        workload = write_workload(home, args.records, args.months)
        records = read_workload(workload)
        n = len(records)
        limit = verify_rate()
        server_cpu, client_cpu, grpc_wall = transport_floor(workload, n, args.batch, args.window)
        store_cpu, store_wall = store_floor(records, args.batch)
    us = 1e6 / n
    verify = cores / limit * 1e6
    transport = (server_cpu + client_cpu) * us
    store = store_cpu * us
    budget = verify / args.target - verify  # all non-verify work per record at exactly the target
    print(json.dumps({
        "bench": "ingest_floor", "records": n, "cores": cores, "batch": args.batch,
        "verify_limit_per_s": round(limit), "verify_core_us": round(verify, 1),
        "transport_core_us": round(transport, 1), "transport_server_core_us": round(server_cpu * us, 1),
        "transport_client_core_us": round(client_cpu * us, 1), "transport_records_per_s": round(n / grpc_wall),
        "store_core_us": round(store, 1), "store_records_per_s": round(n / store_wall),
        "target_ratio": args.target, "non_verify_budget_core_us": round(budget, 1),
        "budget_left_after_floors_core_us": round(budget - transport - store, 1),
        "ratio_if_only_floors": round(verify / (verify + transport + store), 3),
    }))


if __name__ == "__main__":
    main()
