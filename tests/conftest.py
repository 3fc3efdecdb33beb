"""Shared fixtures: a consortium home, an in-process node behind a real gRPC server on 127.0.0.1.

Fixtures use real parts only (RocksDB in tmp_path, a real gRPC server, libsodium).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from ledger.cli.home import init_home, read_secret
from ledger.cli.serve import node_settings
from ledger.client import LedgerClient, RecordSigner, open_channel
from ledger.config import load_config
from ledger.demo.synth import generate
from ledger.node import Node
from ledger.service.server import build_server
from ledger.v1 import records_pb2

BANKS = ["bank-a", "bank-b", "bank-c"]
FIXED_NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC).timestamp()

@dataclass
class Home:
    path: Path
    config: Path

    def signer(self, member: str) -> RecordSigner:
        return RecordSigner(read_secret(self.path / "keys" / f"{member}.key"))

    @property
    def consortium_key(self) -> bytes:
        return read_secret(self.path / "keys" / "consortium.key")

    @property
    def node_public_key(self) -> bytes:
        from ledger.chain import NodeSigner

        return NodeSigner(read_secret(self.path / "keys" / "node.key"), "creditledger").public_key

    def records(self, borrowers: int = 5, months: int = 3, seed: int = 7) -> list[records_pb2.CreditRecord]:
        return list(generate(self.consortium_key, BANKS, borrowers, months, seed=seed))

    def sign(self, recs: list[records_pb2.CreditRecord]) -> list[records_pb2.SignedRecord]:
        signers = {b: self.signer(b) for b in BANKS}
        return [signers[r.furnisher_id].sign_record(r) for r in recs]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    members = {b: ["furnisher", "inquirer"] for b in BANKS}
    members["regulator"] = ["auditor"]
    cfg = init_home(tmp_path / "home", members, listen="127.0.0.1:0")
    return Home(tmp_path / "home", cfg)


def open_node(home: Home, **overrides: object) -> Node:
    """A real node on home's data dir with a fixed clock (overrides replace NodeSettings fields)."""
    settings = node_settings(load_config(home.config))
    settings.clock = lambda: FIXED_NOW
    settings.verify_backend = "cpu"
    for k, v in overrides.items():
        setattr(settings, k, v)
    return Node.open(settings)


@dataclass
class Served:
    node: Node
    server: grpc.Server
    target: str
    client: LedgerClient


@pytest.fixture
def served(home: Home) -> Iterator[Served]:
    node = open_node(home)
    server, port = build_server(node, "127.0.0.1:0", insecure_dev=True)
    server.start()
    target = f"127.0.0.1:{port}"
    channel = open_channel(target)
    try:
        yield Served(node, server, target, LedgerClient(channel, home.node_public_key))
    finally:
        channel.close()
        server.stop(grace=None).wait()
        node.close()
