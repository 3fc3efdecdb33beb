"""The `make demo` scenario: a real node process on a fresh RocksDB store, exercised over gRPC.

Steps: create a consortium (three demo banks), start `creditledger serve`, stream a few thousand
signed synthetic records, show that a tampered record is refused and a resubmission is idempotent,
read one borrower's history with every proof verified by the client, stop the node with SIGTERM
and check it exits 0. Returns 0 only if every step did what it should.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger.chain import NodeSigner
from ledger.cli.home import init_home, read_secret
from ledger.client import LedgerClient, RecordSigner, open_channel
from ledger.demo.risk_story import risk_story
from ledger.demo.synth import generate, national_id
from ledger.privacy.pseudonym import borrower_ref
from ledger.v1 import records_pb2

BANKS = ["bank-a", "bank-b", "bank-c"]


class DemoFailed(Exception):
    pass


def _start_node(cfg: Path, home: Path) -> tuple[subprocess.Popen[bytes], int]:
    ready = home / "ready"
    log = (home / "node.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli.main", "serve", "--config", str(cfg), "--insecure-dev",
         "--ready-file", str(ready)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise DemoFailed(f"node did not start; see {home / 'node.log'}")
        time.sleep(0.05)
    return proc, int(ready.read_text().split()[0])


def _say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


def run_demo(home: Path | None = None, *, borrowers: int = 300) -> int:
    """Run the scenario; 0 on success, 1 with a reason on stderr otherwise."""
    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="creditledger-demo-")
        home = Path(tmp.name)
    try:
        return _run(home, borrowers)
    except DemoFailed as exc:
        print(f"[demo] FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if tmp is not None:
            tmp.cleanup()


def _run(home: Path, borrowers: int) -> int:
    cfg = init_home(home, {b: ["furnisher", "inquirer"] for b in BANKS}, listen="127.0.0.1:0")
    _say(f"consortium created in {home} with members {', '.join(BANKS)}")
    signers = {b: RecordSigner(read_secret(home / "keys" / f"{b}.key")) for b in BANKS}
    ckey = read_secret(home / "keys" / "consortium.key")
    proc, port = _start_node(cfg, home)
    _say(f"node started (pid {proc.pid}) on 127.0.0.1:{port}, store {home / 'data'}")
    try:
        node_pub = NodeSigner(read_secret(home / "keys" / "node.key"), "creditledger").public_key
        client = LedgerClient(open_channel(f"127.0.0.1:{port}"), node_pub)
        records = list(generate(ckey, BANKS, borrowers, months=12))
        signed = [signers[r.furnisher_id].sign_record(r) for r in records]
        t0 = time.monotonic()
        batches = [signed[i : i + 500] for i in range(0, len(signed), 500)]
        accepted = sum(1 for resp in client.stream(batches) for r in resp.results if r.HasField("receipt"))
        dt = time.monotonic() - t0
        if accepted != len(signed):
            raise DemoFailed(f"{len(signed) - accepted} of {len(signed)} valid records were refused")
        _say(f"streamed {accepted} signed records from {len(BANKS)} banks in {dt:.2f}s ({accepted / dt:,.0f}/s)")
        _bad_input(client, signed[0], signers["bank-a"])
        _history(client, ckey)
        risk_story(client, ckey, signers, records, _say)
        cp = client.checkpoint()
        _say(f"latest checkpoint: sequence {cp.sequence}, tree size {cp.tree_size}, root {cp.root_hash.hex()[:16]}…")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    if code != 0:
        raise DemoFailed(f"node exited with {code} after SIGTERM; see {home / 'node.log'}")
    _say("node shut down cleanly (exit 0)")
    return 0


def _bad_input(client: LedgerClient, good: records_pb2.SignedRecord, signer: RecordSigner) -> None:
    dup = client.submit([good])[0]
    if not (dup.HasField("receipt") and dup.receipt.duplicate):
        raise DemoFailed("a resubmitted record was not answered with its original receipt")
    _say(f"resubmitted record {dup.receipt.record_id.hex()[:16]}… -> original receipt, leaf {dup.receipt.leaf_index}")
    forged = records_pb2.SignedRecord()
    forged.CopyFrom(good)
    rec = records_pb2.CreditRecord.FromString(good.payload)
    rec.current_balance += 1  # tamper after signing
    forged.payload = rec.SerializeToString()
    r = client.submit([forged])[0]
    if not r.HasField("refusal"):
        raise DemoFailed("a tampered record was accepted")
    _say(f"tampered record refused: {r.refusal.code}: {r.refusal.reason}")


def _history(client: LedgerClient, ckey: bytes) -> None:
    ref = borrower_ref(ckey, national_id(0))
    entries = client.borrower_history(ref)
    if not entries:
        raise DemoFailed("borrower 0 has no history")
    _say(f"history of borrower {national_id(0)} (ref {ref.hex()[:8]}…): {len(entries)} records, all proofs verified")
    for e in entries[-6:]:
        assert e.payload is not None
        r = records_pb2.CreditRecord.FromString(e.payload)
        _say(f"  leaf {e.leaf_index:>6} {r.date_of_account_information} {r.furnisher_id} {r.account_ref} "
             f"status {r.account_status} balance {r.current_balance / 100:,.2f} {r.currency}")


if __name__ == "__main__":
    sys.exit(run_demo(Path(os.environ["DEMO_HOME"]) if "DEMO_HOME" in os.environ else None))
