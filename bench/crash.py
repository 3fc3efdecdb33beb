"""Crash harness: stream records to a node process, SIGKILL it at seeded random moments mid-stream,
restart, and check that every ACKNOWLEDGED record is present with a valid inclusion proof; at the end
run the full audit (`creditledger verify`). Prints one JSON line last; ``mid_stream_kills`` counts
the rounds whose kill found records sent and not yet acknowledged.

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
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger.client.client import VerificationError
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, records_pb2

from _ops import ROOT, Node, make_home, workload


def _stream(node: Node, records: list[records_pb2.SignedRecord], batch: int, acked: dict[bytes, int],
            kill_at: int, reached: threading.Event, window: int = 4) -> None:
    """Stream ``records``, at most ``window`` batches unacknowledged; put every receipt into ``acked``
    (record id -> leaf index) as it arrives.

    Sets ``reached`` once ``kill_at`` records are acknowledged, or when the stream ends. The window
    keeps acknowledgements coming batch by batch, as from a client that bounds what it has in flight,
    instead of the whole round landing in one block.
    """
    stub = ledger_pb2_grpc.SubmissionStub(node.channel)
    slots = threading.Semaphore(window)

    def reqs() -> Iterator[ledger_pb2.StreamSubmitRequest]:
        for i, o in enumerate(range(0, len(records), batch)):
            slots.acquire()
            yield ledger_pb2.StreamSubmitRequest(batch_id=i, records=records[o : o + batch])

    try:
        if kill_at <= 0:
            reached.set()
        for resp in stub.StreamRecords(reqs(), timeout=120):
            slots.release()
            for r in resp.results:
                if r.HasField("receipt"):
                    acked[r.receipt.record_id] = r.receipt.leaf_index
            if len(acked) >= kill_at:
                reached.set()
    except Exception:  # the node was killed mid-stream: what was acknowledged so far is what counts
        pass
    finally:
        slots.release(len(records))  # unblock the request generator if the call died under it
        reached.set()


def crash_rounds(home: Path, rounds: int, seed: int, per_round: int, batch: int = 100,
                 verbose: bool = False) -> dict[str, object]:
    """Run ``rounds`` kill/restart rounds on ``home`` (a fresh home from make_home)."""
    rng = random.Random(seed)
    records = workload(home, rounds * per_round)
    acked_total = lost = wrong = 0
    survived = mid_stream = 0
    t0 = time.monotonic()
    for rnd in range(rounds):
        chunk = records[rnd * per_round : (rnd + 1) * per_round]
        node = Node(home)
        acked: dict[bytes, int] = {}
        # The kill lands after a random number of acknowledgements (up to a third of the round), plus
        # a random few ms, so it hits the node mid-stream with blocks in flight; a kill on a timer
        # alone often landed after the whole round was acknowledged, on an idle node.
        kill_at = rng.randrange(0, per_round // 3)
        reached = threading.Event()
        th = threading.Thread(target=_stream, args=(node, chunk, batch, acked, kill_at, reached), daemon=True)
        t_start = time.monotonic()
        th.start()
        reached.wait(60)
        time.sleep(rng.uniform(0, 0.003))
        node.kill()  # SIGKILL: no shutdown code runs
        killed_after = time.monotonic() - t_start
        th.join(30)
        snapshot = dict(acked)
        mid_stream += len(snapshot) < len(chunk)
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
            print(f"round {rnd}: killed after {killed_after:.2f}s, {len(snapshot)} of {len(chunk)} acknowledged, "
                  f"{bad} bad", file=sys.stderr)
    audit = subprocess.run(
        [sys.executable, "-m", "ledger.cli.main", "--log-level", "WARNING", "verify", "--config",
         str(home / "config.json")], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    summary = json.loads(audit.stdout.strip().splitlines()[-1]) if audit.stdout.strip() else {}
    return {"bench": "crash", "rounds": rounds, "seed": seed, "rounds_survived": survived,
            "mid_stream_kills": mid_stream, "acknowledged": acked_total, "records_lost": lost, "wrong_index": wrong,
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
