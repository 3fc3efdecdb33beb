"""Shared benchmark helpers: a pre-signed workload on disk, and a node process to run against."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ledger.cli.home import init_home, read_secret
from ledger.client import RecordSigner
from ledger.demo.synth import generate
from ledger.v1 import records_pb2

BANKS = ["bank-a", "bank-b", "bank-c"]


def make_home(home: Path, extra: dict[str, object] | None = None) -> Path:
    cfg = init_home(home, {b: ["furnisher", "inquirer"] for b in BANKS}, listen="127.0.0.1:0")
    if extra:
        import json

        doc = json.loads(cfg.read_text())
        doc.update(extra)
        cfg.write_text(json.dumps(doc))
    return cfg


def workload_borrowers(n: int, months: int = 12) -> int:
    """Borrowers in a workload of ``n`` records over ``months`` monthly updates (~2 accounts each)."""
    return max(1, n // (2 * (months + 1)) + 1)


def write_workload(home: Path, n: int, months: int = 12, out: Path | None = None) -> Path:
    """Sign ``n`` synthetic records (first n of the generator) and write them length-prefixed."""
    signers = {b: RecordSigner(read_secret(home / "keys" / f"{b}.key")) for b in BANKS}
    ckey = read_secret(home / "keys" / "consortium.key")
    borrowers = workload_borrowers(n, months)
    path = out or home / "workload.bin"
    with path.open("wb") as f:
        for i, rec in enumerate(generate(ckey, BANKS, borrowers, months)):
            if i >= n:
                break
            data = signers[rec.furnisher_id].sign_record(rec).SerializeToString()
            f.write(struct.pack(">I", len(data)) + data)
    return path


def varint(n: int) -> bytes:
    """Protobuf base-128 varint."""
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def encoded_batches(path: Path, batch: int, field: int) -> Iterator[tuple[bytes, list[bytes]]]:
    """Request bodies holding up to ``batch`` records of a workload file as repeated message field
    ``field`` (1: SubmitRecordsRequest, 2: StreamSubmitRequest), with the records' bytes; read lazily,
    so a workload of millions of records never sits in memory."""
    tag = bytes([field << 3 | 2])
    with path.open("rb") as f:
        while True:
            body, recs = bytearray(), []
            for _ in range(batch):
                head = f.read(4)
                if len(head) < 4:
                    break
                rec = f.read(struct.unpack(">I", head)[0])
                body += tag + varint(len(rec)) + rec
                recs.append(rec)
            if not recs:
                return
            yield bytes(body), recs
            if len(recs) < batch:
                return


def read_workload(path: Path) -> list[records_pb2.SignedRecord]:
    data = path.read_bytes()
    out, o = [], 0
    while o < len(data):
        (n,) = struct.unpack_from(">I", data, o)
        out.append(records_pb2.SignedRecord.FromString(data[o + 4 : o + 4 + n]))
        o += 4 + n
    return out


class NodeProcess:
    """`creditledger serve` in a subprocess; stopped with SIGTERM."""

    def __init__(self, cfg: Path, *args: str) -> None:
        self.home = cfg.parent
        ready = self.home / "ready"
        ready.unlink(missing_ok=True)
        self.log = (self.home / "node.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ledger.cli.main", "--log-level", "WARNING", "serve", "--config", str(cfg),
             "--insecure-dev", "--ready-file", str(ready), *args],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 60
        while not ready.exists() or not ready.read_text().endswith("\n"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"node did not start: {(self.home / 'node.log').read_text()[-2000:]}")
            time.sleep(0.02)
        port, mport = ready.read_text().split()
        self.port, self.metrics_port = int(port), int(mport)
        self.target = f"127.0.0.1:{self.port}"

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)
