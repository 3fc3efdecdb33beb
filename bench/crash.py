"""Crash harness: stream records to a node process, SIGKILL it at seeded random moments, restart, and
check that every ACKNOWLEDGED record is present with a valid inclusion proof; at the end run the full
audit (`creditledger verify`). Prints one JSON line last.

    python bench/crash.py [--rounds 20] [--seed 7] [--per-round 3000]

tests/test_crash.py runs a few rounds of the same code.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.client.client import VerificationError
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, records_pb2

from _ops import ROOT, Node, make_home, workload


def _stream(node: Node, records: list[records_pb2.SignedRecord], batch: int, acked: dict[bytes, int]) -> None:
    """Stream ``records``; put every receipt into ``acked`` (record id -> leaf index) as it arrives."""
    stub = ledger_pb2_grpc.SubmissionStub(node.channel)
    reqs = (ledger_pb2.StreamSubmitRequest(batch_id=i, records=records[o : o + batch])
            for i, o in enumerate(range(0, len(records), batch)))
    try:
        for resp in stub.StreamRecords(reqs, timeout=120):
            for r in resp.results:
                if r.HasField("receipt"):
                    acked[r.receipt.record_id] = r.receipt.leaf_index
    except Exception:  # the node was killed mid-stream: what was acknowledged so far is what counts
        pass


def crash_rounds(home: Path, rounds: int, seed: int, per_round: int, batch: int = 100,
                 verbose: bool = False) -> dict[str, object]:
    """Run ``rounds`` kill/restart rounds on ``home`` (a fresh home from make_home)."""
    rng = random.Random(seed)
    records = workload(home, rounds * per_round)
    acked_total = lost = wrong = 0
    survived = 0
    t0 = time.monotonic()
    for rnd in range(rounds):
        chunk = records[rnd * per_round : (rnd + 1) * per_round]
        node = Node(home)
        acked: dict[bytes, int] = {}
        th = threading.Thread(target=_stream, args=(node, chunk, batch, acked), daemon=True)
        kill_after = rng.uniform(0.02, 0.4)
        th.start()
        time.sleep(kill_after)
        node.kill()  # SIGKILL: no shutdown code runs
        th.join(30)
        snapshot = dict(acked)
        node = Node(home)  # restart: Node.open runs the integrity check
        client = node.client()
        bad = 0
        for rid, idx in snapshot.items():
            try:
                e = client.get_record(rid)  # verifies signature, payload hash and inclusion proof
                if e.leaf_index != idx:
                    wrong += 1
                    bad += 1
            except (VerificationError, Exception) as exc:  # not found or failed verification: lost
                lost += 1
                bad += 1
                if verbose:
                    print(f"round {rnd}: acknowledged record lost: {exc}", file=sys.stderr)
        assert node.stop() == 0
        acked_total += len(snapshot)
        survived += bad == 0
        if verbose:
            print(f"round {rnd}: killed after {kill_after:.2f}s, {len(snapshot)} acknowledged, {bad} bad",
                  file=sys.stderr)
    audit = subprocess.run(
        [sys.executable, "-m", "ledger.cli.main", "--log-level", "WARNING", "verify", "--config",
         str(home / "config.json")], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    summary = json.loads(audit.stdout.strip().splitlines()[-1]) if audit.stdout.strip() else {}
    return {"bench": "crash", "rounds": rounds, "seed": seed, "rounds_survived": survived,
            "acknowledged": acked_total, "records_lost": lost, "wrong_index": wrong,
            "tree_size": summary.get("tree_size"), "audit_ok": audit.returncode == 0 and bool(summary.get("ok")),
            "audit_first_problem": summary.get("first_problem"), "seconds": round(time.monotonic() - t0, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-round", type=int, default=3000)
    ap.add_argument("--home", help="keep the consortium here (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        home = Path(args.home) if args.home else Path(tmp) / "home"
        make_home(home)
        out = crash_rounds(home, args.rounds, args.seed, args.per_round, verbose=True)
    print(json.dumps(out))
    return 0 if out["records_lost"] == 0 and out["wrong_index"] == 0 and out["audit_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
