"""Query latency in a large store: borrower history and full credit report, proofs included.

Builds (or reuses, with --store) a store of --records synthetic records plus one target borrower with
about 50 records, serves it on 127.0.0.1, and measures from a client in this process:

* history: the BorrowerHistory RPC (answer with 50 inclusion proofs against one checkpoint) —
  `p50_ms`/`p99_ms`; and the same with every proof and signature verified by ledger.client —
  `verified_p50_ms`/`verified_p99_ms`;
* report: a signed inquiry recorded in the log (one synced block), then the report with proofs,
  verified and recomputed client-side by ledger.client.risk — `report_p50_ms`/`report_p99_ms`;
* the same verified history and report for borrowers whose ~50 records are spread through the
  whole log, as month-by-month reporting leaves them (the targets above sit side by side, so their
  proofs share most nodes) — `spread_verified_*` and `spread_report_*`.

Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.cli.home import read_secret
from ledger.cli.serve import node_settings
from ledger.client import LedgerClient, RecordSigner, open_channel
from ledger.client.risk import RiskClient
from ledger.config import load_config
from ledger.demo.synth import generate
from ledger.ingest.prepare import Submitted
from ledger.node import Node
from ledger.v1 import ledger_pb2, records_pb2, risk_pb2

from _workload import BANKS, NodeProcess, make_home

TARGET = hashlib.sha256(b"bench-target-borrower").digest()
# Reports record an inquiry on their borrower, so they rotate over their own targets to keep each
# borrower near 50 entries during a run (history queries use TARGET, which never grows).
REPORT_TARGETS = [hashlib.sha256(b"bench-report-target-%d" % i).digest() for i in range(20)]
# The targets above have their 50 records side by side in the middle of the log, so their proofs
# share most nodes. A real borrower's records arrive month by month, spread over the whole log:
# these targets' records are spread evenly through the bulk (stores built before they existed
# lack them, and the spread_* fields are then null).
SPREAD_TARGET = hashlib.sha256(b"bench-spread-borrower").digest()
SPREAD_REPORT_TARGETS = [hashlib.sha256(b"bench-spread-report-target-%d" % i).digest() for i in range(20)]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000


def _borrower_records(ckey: bytes, refs: list[bytes], seed: int) -> list[list[records_pb2.CreditRecord]]:
    """50 synthetic records per borrower ref, each borrower's in date order."""
    out = []
    for k, ref in enumerate(refs):
        recs = list(generate(ckey, BANKS, 2, months=24, seed=seed + k))[:50]
        for r in recs:
            r.borrower_ref = ref
        out.append(recs)
    return out


def build(home: Path, n: int) -> None:
    node = Node.open(node_settings(load_config(home / "config.json")))
    signers = {b: RecordSigner(read_secret(home / "keys" / f"{b}.key")) for b in BANKS}
    ckey = read_secret(home / "keys" / "consortium.key")
    target = [r for recs in _borrower_records(ckey, [TARGET, *REPORT_TARGETS], 3) for r in recs]
    per_target = _borrower_records(ckey, [SPREAD_TARGET, *SPREAD_REPORT_TARGETS], 103)
    spread = [recs[j] for j in range(50) for recs in per_target]  # each target's records in their order
    every = max(1, n // (len(spread) + 1))
    bulk = generate(ckey, BANKS, n // 26 + 1, months=12, seed=11)
    t0, done, batch = time.monotonic(), 0, []
    for i, rec in enumerate(bulk):
        if i >= n:
            break
        batch.append(rec)
        if i == n // 2:
            batch.extend(target)  # the target's records sit in the middle of the log
        if i % every == every - 1 and i // every < len(spread):
            batch.append(spread[i // every])
        if len(batch) >= 20_000:
            done += _submit(node, signers, batch)
            batch = []
            print(f"built {done} records, {done / (time.monotonic() - t0):,.0f}/s", file=sys.stderr)
    done += _submit(node, signers, batch)
    node.close()


def _submit(node: Node, signers: dict[str, RecordSigner], recs: list) -> int:  # type: ignore[type-arg]
    signed = [signers[r.furnisher_id].sign_record(r) for r in recs]
    res = node.submit([Submitted(s.payload, s.signature, s.key_id) for s in signed])
    return sum(1 for r in res if hasattr(r, "leaf_index"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--store", help="keep/reuse the consortium home here")
    args = ap.parse_args()
    tmp = None
    if args.store:
        home = Path(args.store)
    else:
        tmp = tempfile.mkdtemp(prefix="bench-query-")
        home = Path(tmp) / "home"
    if not (home / "config.json").exists():
        make_home(home)  # the node default: gpu, else keyed, else libsodium
        build(home, args.records)
    node = NodeProcess(home / "config.json")  # the server in its own process, as in production
    try:
        out = measure(home, node.target, args.queries)
    finally:
        node.stop()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))


def measure(home: Path, target: str, q: int) -> dict[str, object]:
    from ledger.chain import NodeSigner

    pub = NodeSigner(read_secret(home / "keys" / "node.key"), "creditledger").public_key
    client = LedgerClient(open_channel(target), pub)
    stub = client.query
    req = ledger_pb2.BorrowerHistoryRequest(borrower_ref=TARGET)
    n_hist = len(stub.BorrowerHistory(req).entries)
    raw, ver, rep = [], [], []
    for _ in range(q):
        t = time.perf_counter()
        stub.BorrowerHistory(req)
        raw.append(time.perf_counter() - t)
    for _ in range(q):
        t = time.perf_counter()
        client.borrower_history(TARGET)
        ver.append(time.perf_counter() - t)
    rc = RiskClient(client, RecordSigner(read_secret(home / "keys" / "bank-a.key")), "bank-a")
    sizes = []
    for i in range(q):
        t = time.perf_counter()
        vr = rc.credit_report(REPORT_TARGETS[i % len(REPORT_TARGETS)], risk_pb2.NEW_CREDIT_APPLICATION, f"consent-{i}")
        rep.append(time.perf_counter() - t)
        sizes.append(len(vr.entries))
    spread = _spread(client, rc, q)
    cp = client.checkpoint()
    return {
        "bench": "query", "store_records": cp.tree_size if cp else 0, "borrower_records": n_hist,
        "queries": q, "load_avg_1m": os.getloadavg()[0], "cores": os.cpu_count(),
        "p50_ms": round(_pct(raw, 0.5), 2), "p99_ms": round(_pct(raw, 0.99), 2),
        "verified_p50_ms": round(_pct(ver, 0.5), 2), "verified_p99_ms": round(_pct(ver, 0.99), 2),
        "report_p50_ms": round(_pct(rep, 0.5), 2), "report_p99_ms": round(_pct(rep, 0.99), 2),
        # Entries per report: the borrower's 50 records plus the inquiries recorded on it, by this
        # run and by earlier runs on the same store (each run adds q / 20 per borrower).
        "report_entries_min": min(sizes), "report_entries_max": max(sizes),
        **spread,
    }


def _spread(client: LedgerClient, rc: RiskClient, q: int) -> dict[str, object]:
    """History (verified) and report latency for borrowers whose records are spread over the log."""
    n = len(client.query.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=SPREAD_TARGET)).entries)
    ver: list[float] = []
    rep: list[float] = []
    for _ in range(q if n else 0):
        t = time.perf_counter()
        client.borrower_history(SPREAD_TARGET)
        ver.append(time.perf_counter() - t)
    for i in range(q if n else 0):
        ref = SPREAD_REPORT_TARGETS[i % len(SPREAD_REPORT_TARGETS)]
        t = time.perf_counter()
        rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, f"consent-spread-{i}")
        rep.append(time.perf_counter() - t)
    return {
        "spread_borrower_records": n,
        "spread_verified_p50_ms": round(_pct(ver, 0.5), 2) if n else None,
        "spread_verified_p99_ms": round(_pct(ver, 0.99), 2) if n else None,
        "spread_report_p50_ms": round(_pct(rep, 0.5), 2) if n else None,
        "spread_report_p99_ms": round(_pct(rep, 0.99), 2) if n else None,
    }


if __name__ == "__main__":
    main()
