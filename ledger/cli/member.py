"""`creditledger member add|rotate|revoke|suspend|reinstate|roles|list`: membership changes signed with an admin key.

Each change is a MembershipChange signed with ``--admin-key`` (default HOME/keys/<--as>.key) and sent
over mTLS with the ``--as`` member's client certificate (HOME/tls/members/<--as>.pem). Prints one
JSON object: the receipt (leaf index, checkpoint, effective tree size) or the member list.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import grpc

from ledger.cli.home import read_secret, write_secret
from ledger.client import RecordSigner, open_channel
from ledger.config import NodeConfig, load_config
from ledger.members import genesis as g
from ledger.v1 import membership_pb2, membership_pb2_grpc


def channel_for(cfg: NodeConfig, target: str, member: str | None) -> grpc.Channel:
    """An mTLS channel as ``member`` when the config has TLS files and a member is named, else plaintext."""
    if member and cfg.tls_client_ca is not None:
        folder = cfg.tls_client_ca.parent / "members"
        creds = grpc.ssl_channel_credentials(
            cfg.tls_client_ca.read_bytes(),
            (folder / f"{member}.key").read_bytes(),
            (folder / f"{member}.pem").read_bytes(),
        )
        return open_channel(target, creds)
    return open_channel(target)


def _new_key(args: argparse.Namespace) -> bytes:
    """The new public key: --public-key hex, or a fresh seed written to --key-out."""
    if args.public_key:
        return bytes.fromhex(args.public_key)
    if not args.key_out:
        raise SystemExit("give --public-key HEX or --key-out FILE")
    seed = os.urandom(32)
    write_secret(Path(args.key_out), seed)
    return RecordSigner(seed).public_key


def _change(args: argparse.Namespace) -> membership_pb2.MembershipChange:
    e = args.effective
    c = args.member_cmd
    if c == "add":
        return g.onboard(args.id, args.roles.split(","), [_new_key(args)], args.name or args.id, e)
    if c == "add-key":
        return g.add_key(args.id, _new_key(args), e)
    if c == "rotate":
        return g.rotate_key(args.id, _new_key(args), bytes.fromhex(args.old_key_id), e)
    if c == "revoke":
        return g.revoke_key(args.id, bytes.fromhex(args.key_id), e)
    if c == "suspend":
        return g.suspend(args.id, e)
    if c == "reinstate":
        return g.reinstate(args.id, e)
    return g.change_roles(args.id, args.roles.split(","), e)


def cmd_member(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    stub = membership_pb2_grpc.MembershipStub(channel_for(cfg, args.target or cfg.listen, args.as_member))
    if args.member_cmd == "list":
        resp = stub.ListMembers(membership_pb2.ListMembersRequest(), timeout=args.timeout)
        print(json.dumps({"tree_size": resp.tree_size, "members": [
            {"id": m.member_id, "roles": list(m.roles), "joined_at": m.joined_at,
             "suspended": any(not s.HasField("until_size") for s in m.suspensions),
             "keys": [{"key_id": k.key_id.hex(), "valid_from": k.valid_from,
                       "valid_until": k.valid_until if k.HasField("valid_until") else None} for k in m.keys]}
            for m in resp.members]}))
        return 0
    key_file = Path(args.admin_key) if args.admin_key else cfg.node_key_file.parent / f"{args.as_member}.key"
    signed = g.sign_change(read_secret(key_file), _change(args))
    r = stub.ApplyChange(signed, timeout=args.timeout)
    print(json.dumps({"entry_id": r.receipt.record_id.hex(), "leaf_index": r.receipt.leaf_index,
                      "tree_size": r.receipt.checkpoint.tree_size, "effective_tree_size": r.effective_tree_size,
                      "duplicate": r.receipt.duplicate}))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``member`` command and its subcommands to the CLI."""
    m = sub.add_parser("member", help="consortium membership changes (signed with an admin key)")
    msub = m.add_subparsers(dest="member_cmd", required=True)
    specs = {
        "add": ("onboard a member", ["id", "roles", "name", "newkey"]),
        "add-key": ("add a key to a member", ["id", "newkey"]),
        "rotate": ("add a new key and revoke the old one", ["id", "old_key_id", "newkey"]),
        "revoke": ("revoke a key", ["id", "key_id"]),
        "suspend": ("suspend a member", ["id"]),
        "reinstate": ("reinstate a suspended member", ["id"]),
        "roles": ("set a member's roles", ["id", "roles"]),
        "list": ("list members, roles and key validity", []),
    }
    for name, (hlp, fields) in specs.items():
        s = msub.add_parser(name, help=hlp)
        s.add_argument("--config", required=True)
        s.add_argument("--target", help="host:port (default: the config's listen address)")
        s.add_argument("--as", dest="as_member", default="admin", help="member whose client certificate to use")
        s.add_argument("--admin-key", help="admin signing seed file (default HOME/keys/<--as>.key)")
        s.add_argument("--effective", type=int, default=0, help="effective tree size (0: the next size)")
        s.add_argument("--timeout", type=float, default=30.0)
        if "id" in fields:
            s.add_argument("--id", required=True, help="member id")
        if "roles" in fields:
            s.add_argument("--roles", required=True, help="comma-separated roles")
        if "name" in fields:
            s.add_argument("--name", default="")
        if "old_key_id" in fields:
            s.add_argument("--old-key-id", required=True)
        if "key_id" in fields:
            s.add_argument("--key-id", required=True)
        if "newkey" in fields:
            s.add_argument("--public-key", help="hex Ed25519 public key")
            s.add_argument("--key-out", help="generate a key and write its seed here")
        s.set_defaults(fn=cmd_member)
