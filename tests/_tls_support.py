"""A real node behind a real mTLS gRPC server on 127.0.0.1, with the consortium `creditledger init` makes.

Real parts only: RocksDB in a tmp dir, the genesis membership in the log, the home's demo CA and
member certificates, libsodium signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import grpc

from ledger.cli.home import init_home, read_secret
from ledger.cli.serve import node_settings
from ledger.client import LedgerClient, RecordSigner, open_channel
from ledger.config import load_config
from ledger.demo.synth import generate
from ledger.members import genesis as g
from ledger.members.ca import Issued
from ledger.node import Node
from ledger.service.server import ServerLimits, TlsFiles, build_server
from ledger.v1 import membership_pb2, membership_pb2_grpc, records_pb2

from conftest import FIXED_NOW

BANKS = ["bank-a", "bank-b", "bank-c"]
MEMBERS = {
    "admin": ["admin"],
    "bank-a": ["furnisher", "inquirer"],
    "bank-b": ["furnisher", "inquirer"],
    "bank-c": ["furnisher", "inquirer"],
    "regulator": ["auditor"],
    "ops": ["operator"],
    # one member per single role, for the role x RPC matrix
    "only-furnisher": ["furnisher"],
    "only-inquirer": ["inquirer"],
    "only-auditor": ["auditor"],
    "only-admin": ["admin"],
    "only-operator": ["operator"],
}

@dataclass
class TlsNode:
    home: Path
    node: Node
    server: grpc.Server
    target: str
    tls: Path
    channels: list[grpc.Channel] = field(default_factory=list)
    closed: bool = False

    @property
    def ca(self) -> Issued:
        return Issued((self.tls / "ca.pem").read_bytes(), (self.tls / "ca.key").read_bytes())

    def channel(self, member: str | None = None, *, cert: Issued | None = None) -> grpc.Channel:
        """An mTLS channel as ``member`` (its home certificate), as ``cert``, or with no client cert."""
        if cert is None and member is not None:
            d = self.tls / "members"
            cert = Issued((d / f"{member}.pem").read_bytes(), (d / f"{member}.key").read_bytes())
        if cert is None:
            creds = grpc.ssl_channel_credentials(self.ca.cert_pem)
        else:
            creds = grpc.ssl_channel_credentials(self.ca.cert_pem, cert.key_pem, cert.cert_pem)
        ch = open_channel(self.target, creds)
        self.channels.append(ch)
        return ch

    def client(self, member: str) -> LedgerClient:
        return LedgerClient(self.channel(member), self.node.signer.public_key)

    def membership(self, member: str = "admin") -> membership_pb2_grpc.MembershipStub:
        return membership_pb2_grpc.MembershipStub(self.channel(member))

    def seed(self, member: str) -> bytes:
        return read_secret(self.home / "keys" / f"{member}.key")

    def signer(self, member: str) -> RecordSigner:
        return RecordSigner(self.seed(member))

    def apply(self, change: membership_pb2.MembershipChange, admin: str = "admin") -> membership_pb2.ChangeReceipt:
        """Sign ``change`` with ``admin``'s key and apply it over mTLS as ``admin``."""
        return self.membership(admin).ApplyChange(g.sign_change(self.seed(admin), change), timeout=30)

    def records(self, bank: str, n: int, seed: int = 1) -> list[records_pb2.CreditRecord]:
        ckey = read_secret(self.home / "keys" / "consortium.key")
        return [r for r in generate(ckey, [bank], max(n, 1), months=1, seed=seed) if r.furnisher_id == bank][:n]

    def head(self) -> tuple[int, bytes]:
        cp = self.node.latest_checkpoint()
        return (cp.tree_size, cp.root_hash) if cp else (0, b"")

    def close(self) -> None:
        """Close channels, stop the server, close the node. Idempotent."""
        if self.closed:
            return
        self.closed = True
        for ch in self.channels:
            ch.close()
        self.server.stop(grace=None).wait()
        self.node.close()


def open_node(home: Path) -> Node:
    settings = node_settings(load_config(home / "config.json"))
    settings.clock = lambda: FIXED_NOW
    settings.verify_backend = "cpu"
    return Node.open(settings)


def make_home(root: Path, members: dict[str, list[str]] | None = None) -> Path:
    init_home(root / "home", dict(members or MEMBERS), listen="127.0.0.1:0")
    return root / "home"


def start(home: Path, limits: ServerLimits | None = None, node: Node | None = None) -> TlsNode:
    """Open the home's node (unless given) and serve it over mTLS on 127.0.0.1."""
    node = node or open_node(home)
    tls = home / "tls"
    files = TlsFiles(tls / "node.pem", tls / "node.key", tls / "ca.pem")
    server, port = build_server(node, "127.0.0.1:0", tls=files, limits=limits)
    server.start()
    return TlsNode(home, node, server, f"127.0.0.1:{port}", tls)
