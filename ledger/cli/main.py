"""`creditledger`: init, keygen, serve, submit, history, checkpoint, demo."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc
from google.protobuf import json_format

from ledger.cli.home import init_home, read_secret, write_secret
from ledger.cli.progress import Progress
from ledger.client import LedgerClient, RecordSigner
from ledger.config import ConfigError, load_config
from ledger.v1 import records_pb2
from ledger.verify import BACKENDS

DEFAULT_ROLES = {"bank-a": ["furnisher", "inquirer"], "bank-b": ["furnisher", "inquirer"],
                 "bank-c": ["furnisher", "inquirer"], "regulator": ["auditor"], "ops": ["operator"]}


def _client(args: argparse.Namespace) -> LedgerClient:
    cfg = load_config(args.config)
    from ledger.chain import NodeSigner
    from ledger.cli.member import channel_for

    node_pub = NodeSigner(read_secret(cfg.node_key_file), cfg.log_id).public_key
    return LedgerClient(channel_for(cfg, args.target or cfg.listen, getattr(args, "as_member", None)), node_pub)


def _read_records(path: Path) -> Iterator[records_pb2.CreditRecord]:
    """Records from a JSON list / JSON lines file (CreditRecord JSON) or a CSV with those columns."""
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                yield json_format.ParseDict({k: v for k, v in row.items() if v != ""}, records_pb2.CreditRecord())
        return
    text = path.read_text()
    if text.lstrip().startswith("["):
        docs = json.loads(text)
    else:
        docs = [json.loads(x) for x in text.splitlines() if x.strip()]
    for d in docs:
        yield json_format.ParseDict(d, records_pb2.CreditRecord())


def cmd_init(args: argparse.Namespace) -> int:
    cfg = init_home(Path(args.home), DEFAULT_ROLES, args.listen)
    print(f"consortium created: {cfg}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    signer = RecordSigner.generate()
    seed = signer._key.encode()
    write_secret(Path(args.out), bytes(seed))
    print(json.dumps({"public_key": signer.public_key.hex(), "key_id": signer.key_id.hex(), "seed_file": args.out}))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ledger.cli.serve import serve
    from ledger.config import NodeConfig

    cfg = load_config(args.config)
    if args.verify_backend:
        cfg = NodeConfig(**{**cfg.__dict__, "verify_backend": args.verify_backend})
        cfg.validate()
    from ledger.errors import LedgerError
    from ledger.privacy.crypto import PrivacyError
    from ledger.store import StoreError

    try:
        return serve(cfg, insecure_dev=args.insecure_dev, ready_file=Path(args.ready_file) if args.ready_file else None)
    except (LedgerError, StoreError, PrivacyError, OSError) as exc:
        # e.g. StoreIntegrityError: the store does not match its checkpoints; never serve it
        print(f"cannot serve: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


def cmd_submit(args: argparse.Namespace) -> int:
    client = _client(args)
    signer = RecordSigner(read_secret(Path(args.key)))
    signed = [signer.sign_record(r) for r in _read_records(Path(args.file))]
    accepted = refused = 0
    with Progress("submit", len(signed)) as bar:
        for i in range(0, len(signed), args.batch):
            for res in client.submit(signed[i : i + args.batch], retry_for=args.retry_for):
                if res.HasField("receipt"):
                    accepted += 1
                else:
                    refused += 1
                    print(f"refused: {res.refusal.code}: {res.refusal.reason}", file=sys.stderr)
            bar.advance(min(args.batch, len(signed) - i))
    print(json.dumps({"accepted": accepted, "refused": refused}))
    return 0 if refused == 0 else 1


def cmd_history(args: argparse.Namespace) -> int:
    from ledger.privacy.pseudonym import borrower_ref

    cfg = load_config(args.config)
    client = _client(args)
    ref = borrower_ref(read_secret(cfg.consortium_key_file), args.national_id)
    for e in client.borrower_history(ref):
        rec = records_pb2.CreditRecord()
        if e.payload is not None:
            rec.ParseFromString(e.payload)
            print(f"leaf {e.leaf_index:>8}  {rec.date_of_account_information}  {rec.furnisher_id:<8} "
                  f"{rec.account_ref:<14} status {rec.account_status:<3} balance {rec.current_balance / 100:>12,.2f}")
        else:
            print(f"leaf {e.leaf_index:>8}  (erased)")
    cp = client.trusted
    if cp is not None:
        print(f"all proofs verified against checkpoint {cp.sequence} (tree size {cp.tree_size})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ledger.client.risk import RiskClient
    from ledger.privacy.pseudonym import borrower_ref
    from ledger.risk.render import render_report
    from ledger.v1 import risk_pb2

    cfg = load_config(args.config)
    client = _client(args)
    rc = RiskClient(client, RecordSigner(read_secret(Path(args.key))), args.member)
    ref = borrower_ref(read_secret(cfg.consortium_key_file), args.national_id)
    got = rc.credit_report(ref, risk_pb2.Purpose.Value(args.purpose.upper()), args.consent,
                           as_of_tree_size=args.as_of_size, as_of_date=args.as_of_date)
    print(render_report(got.report))
    print(f"verified: {len(got.entries)} entries against checkpoint of tree size {got.report.as_of_tree_size}; "
          f"inquiry recorded at leaf {got.inquiry.leaf_index}")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    cp = _client(args).checkpoint()
    print(json.dumps({"sequence": cp.sequence, "tree_size": cp.tree_size, "root": cp.root_hash.hex(),
                      "timestamp_ms": cp.timestamp_ms, "previous": cp.previous_hash.hex()}))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ledger.demo.scenario import run_demo

    return run_demo(Path(args.home) if args.home else None, borrowers=args.borrowers)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="creditledger", description="Interbank Credit Ledger node and tools")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--log-format", choices=["text", "json"], default="text",
                   help="json: one JSON object per line with request ids (for log shippers)")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("init", help="create a consortium home (keys, members, config)")
    s.add_argument("--home", required=True)
    s.add_argument("--listen", default="127.0.0.1:50051")
    s.set_defaults(fn=cmd_init)
    s = sub.add_parser("keygen", help="generate an Ed25519 signing key")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_keygen)
    s = sub.add_parser("serve", help="run a node")
    s.add_argument("--config", required=True)
    s.add_argument("--insecure-dev", action="store_true", help="plaintext on loopback only (development)")
    s.add_argument("--verify-backend", choices=list(BACKENDS))
    s.add_argument("--ready-file", help="write 'PORT METRICS_PORT' here once serving")
    s.set_defaults(fn=cmd_serve)
    for name, fn, hlp in (("submit", cmd_submit, "sign and submit records from JSON/CSV"),
                          ("history", cmd_history, "a borrower's verified history"),
                          ("checkpoint", cmd_checkpoint, "the latest verified checkpoint"),
                          ("report", cmd_report, "a borrower's verified credit report (records an inquiry)")):
        s = sub.add_parser(name, help=hlp)
        s.add_argument("--config", required=True)
        s.add_argument("--target", help="host:port (default: the config's listen address)")
        s.add_argument("--as", dest="as_member", help="connect over mTLS with this member's client certificate")
        s.set_defaults(fn=fn)
        if name == "submit":
            s.add_argument("--key", required=True, help="the furnisher's seed file")
            s.add_argument("--batch", type=int, default=500)
            s.add_argument("--retry-for", type=float, default=60.0, metavar="SECONDS",
                           help="retry a batch refused as overloaded, as the node asks, for up to this long (0: never)")
            s.add_argument("file")
        if name in ("history", "report"):
            s.add_argument("national_id")
        if name == "report":
            s.add_argument("--member", required=True, help="the inquiring member id")
            s.add_argument("--key", required=True, help="the inquirer's seed file")
            s.add_argument("--purpose", default="new_credit_application",
                           help="new_credit_application, account_review, guarantor_check, borrower_request, regulatory")
            s.add_argument("--consent", default="", help="consent reference (all purposes but account_review)")
            s.add_argument("--as-of-date", default="")
            s.add_argument("--as-of-size", type=int, default=0)
    from ledger.audit.cli import add_parser as add_verify

    add_verify(sub)
    from ledger.cli.member import register as add_member

    add_member(sub)
    s = sub.add_parser("demo", help="run the end-to-end demo")
    s.add_argument("--home", help="keep the demo consortium here (default: a temp dir)")
    s.add_argument("--borrowers", type=int, default=300)
    s.set_defaults(fn=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ledger.logjson import configure

    configure(args.log_level, args.log_format)
    try:
        return int(args.fn(args))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except grpc.RpcError as exc:
        print(f"rpc failed: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
