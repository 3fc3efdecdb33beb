"""Operations helpers shared by bench scripts and tests: node processes (SIGTERM / SIGKILL), RSS,
pre-signed workloads, polling. Everything real: `creditledger serve` subprocesses on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from ledger.chain import NodeSigner  # noqa: E402
from ledger.cli.home import read_secret  # noqa: E402
from ledger.client import LedgerClient, open_channel  # noqa: E402
from ledger.v1 import records_pb2  # noqa: E402

from _workload import BANKS, make_home, read_workload, write_workload  # noqa: E402

__all__ = ["BANKS", "ROOT", "Node", "free_port", "make_home", "node_public_key", "read_workload",
           "rss_bytes", "wait_for", "workload", "write_workload"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(pred: Callable[[], object], timeout: float, what: str, every: float = 0.05) -> object:
    """Poll ``pred`` until truthy; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux /proc); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def workload(home: Path, n: int) -> list[records_pb2.SignedRecord]:
    return read_workload(write_workload(home, n))


def node_public_key(home: Path) -> bytes:
    cfg = json.loads((home / "config.json").read_text())
    return NodeSigner(read_secret(home / "keys" / "node.key"), cfg.get("log_id", "creditledger")).public_key


class Node:
    """`creditledger serve` in a subprocess, logging to ``home/node.log``."""

    def __init__(self, home: Path, *global_args: str, log_level: str = "WARNING", timeout: float = 60) -> None:
        self.home = home
        ready = home / "ready"
        ready.unlink(missing_ok=True)
        self.log_path = home / "node.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ledger.cli.main", "--log-level", log_level, *global_args, "serve",
             "--config", str(home / "config.json"), "--insecure-dev", "--ready-file", str(ready)],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + timeout
        while not ready.exists() or not ready.read_text().endswith("\n"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._log.close()
                raise RuntimeError(f"node did not start (rc={self.proc.poll()}): {self.log_tail()}")
            time.sleep(0.02)
        port, mport = ready.read_text().split()
        self.port, self.metrics_port = int(port), int(mport)
        self.target = f"127.0.0.1:{self.port}"
        self.channel = open_channel(
            self.target,
            options=[("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)],
        )

    def log_tail(self, n: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-n:]

    def client(self) -> LedgerClient:
        return LedgerClient(self.channel, node_public_key(self.home))

    def rss_bytes(self) -> int:
        return rss_bytes(self.proc.pid)

    def stop(self, timeout: float = 60) -> int:
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self._log.close()
        return rc

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.channel.close()
        self._log.close()
