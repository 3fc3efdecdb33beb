"""`creditledger verify`: the offline audit, checkpoint export and consistency checks.

Exit codes: 0 all verified; 1 a problem was found (the first bad leaf, node or checkpoint is named on
stderr); 2 bad arguments or config. The last stdout line is a JSON summary (with records/s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.config import ConfigError, NodeConfig, load_config
from ledger.verify import BACKENDS

if TYPE_CHECKING:
    from ledger.store import RocksStore


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("verify", help="re-verify a store offline; export checkpoints; check consistency")
    s.add_argument("--config", help="node config (node key, members file, master key)")
    s.add_argument("--data", help="data dir (default: the config's data_dir); opened read-only")
    s.add_argument("--node-public-key", help="hex node public key (instead of the config's node key)")
    s.add_argument("--backend", choices=list(BACKENDS), default="auto", help="signature backend")
    s.add_argument("--no-master-key", action="store_true", help="do not open sealed payloads")
    s.add_argument("--export-checkpoints", metavar="FILE", help="write the checkpoints as JSON lines and stop")
    s.add_argument("--consistency", metavar="FILE", help="check an exported checkpoint file against a later head")
    s.add_argument("--target", help="with --consistency: a live node host:port")
    s.add_argument("--against", metavar="DIR", help="with --consistency: a data dir, offline")
    s.set_defaults(fn=cmd_verify)


def _node_public_key(args: argparse.Namespace, cfg: NodeConfig | None) -> bytes:
    if args.node_public_key:
        return bytes.fromhex(args.node_public_key)
    if cfg is None:
        raise ConfigError("--node-public-key or --config is required")
    from ledger.chain import NodeSigner
    from ledger.cli.home import read_secret

    return NodeSigner(read_secret(cfg.node_key_file), cfg.log_id).public_key


def _data_dir(args: argparse.Namespace, cfg: NodeConfig | None) -> Path:
    if args.data:
        return Path(args.data)
    if cfg is None:
        raise ConfigError("--data or --config is required")
    return cfg.data_dir


def _open(path: Path) -> RocksStore:
    from ledger.store import RocksStore

    if not (path / "CURRENT").is_file():
        raise ConfigError(f"--data: {path} is not a ledger data dir")
    return RocksStore(path, read_only=True)


def cmd_verify(args: argparse.Namespace) -> int:
    cfg = load_config(args.config) if args.config else None
    pub = _node_public_key(args, cfg)
    if args.consistency:
        return _consistency(args, pub)
    store = _open(_data_dir(args, cfg))
    try:
        if args.export_checkpoints:
            from ledger.audit.export import export_checkpoints

            n = export_checkpoints(store, Path(args.export_checkpoints))
            print(json.dumps({"exported": n, "file": args.export_checkpoints}))
            return 0
        if cfg is None:
            raise ConfigError("--config is required for a full audit (members file)")
        return _audit(args, cfg, store, pub)
    finally:
        store.close()


def _audit(args: argparse.Namespace, cfg: NodeConfig, store: RocksStore, pub: bytes) -> int:
    from ledger.audit.verify import audit_store
    from ledger.cli.progress import Progress
    from ledger.members import load_members_file
    from ledger.privacy.crypto import MasterKey
    from ledger.privacy.vault import Vault
    from ledger.verify import make_backend

    vault = None
    if not args.no_master_key:
        if cfg.master_key_file is not None:
            vault = Vault(MasterKey.from_file(cfg.master_key_file, data_dir=store.path), store)
        elif os.environ.get("CREDITLEDGER_MASTER_KEY"):
            vault = Vault(MasterKey.from_env(), store)
    head = store.latest_checkpoint()
    backend = make_backend(args.backend)
    try:
        with Progress("verify", head.tree_size if head else 0) as bar:
            rep = audit_store(store, pub, load_members_file(cfg.members_file), backend=backend, vault=vault,
                              progress=bar.advance)
    finally:
        backend.close()
    for note in rep.notes:
        print(f"note: {note}", file=sys.stderr)
    if rep.first is not None:
        print(f"FIRST PROBLEM: {rep.first}", file=sys.stderr)
        for p in rep.problems[:10]:
            print(f"  {p}", file=sys.stderr)
    print(json.dumps(rep.summary()))
    return 0 if rep.ok else 1


def _consistency(args: argparse.Namespace, pub: bytes) -> int:
    from ledger.audit.export import consistency_offline, consistency_online, read_export

    cps = read_export(Path(args.consistency))
    if bool(args.target) == bool(args.against):
        raise ConfigError("--consistency needs exactly one of --target host:port or --against DIR")
    if args.target:
        rep = consistency_online(cps, args.target, pub)
    else:
        store = _open(Path(args.against))
        try:
            rep = consistency_offline(cps, store, pub)
        finally:
            store.close()
    if rep.problems:
        print(f"FIRST PROBLEM: {rep.problems[0]}", file=sys.stderr)
    print(json.dumps(rep.summary()))
    return 0 if rep.ok else 1
