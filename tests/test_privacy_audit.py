"""Erasure and retention leave `creditledger verify` green and the data unreadable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledger.ingest import Receipt
from ledger.ingest.prepare import Submitted
from ledger.records.leaf import decode_leaf
from ledger.records.signing import EntryKind
from ledger.risk.desk import RiskDesk
from ledger.risk.retention import run_retention
from ledger.store import RocksStore
from ledger.v1 import risk_pb2

from conftest import FIXED_NOW, Home, open_node

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 86400


def _verify(home: Home) -> dict[str, object]:
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "--log-level", "ERROR", "verify",
                        "--config", str(home.config), "--backend", "cpu"],
                       cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_erasure_and_retention_keep_the_audit_green(home: Home) -> None:
    node = open_node(home)
    recs = home.records(12, 12)
    res = node.submit([Submitted(s.payload, s.signature, s.key_id) for s in home.sign(recs)])
    assert all(isinstance(r, Receipt) for r in res)
    erased = recs[0].borrower_ref
    desk = RiskDesk(node)
    e = risk_pb2.Erasure(requested_by="regulator", borrower_ref=erased, legal_basis="GDPR Art. 17",
                         erased_at_ms=int(FIXED_NOW * 1000), nonce=b"\x05" * 16)
    signed = home.signer("regulator").sign_payload(e.SerializeToString(), EntryKind.ERASURE)
    desk.erase(Submitted(signed.payload, signed.signature, signed.key_id), None)
    node.settings.clock = lambda: FIXED_NOW + 6 * YEAR_S
    assert run_retention(node) is not None
    node.close()

    summary = _verify(home)
    assert summary["ok"] is True and summary["signatures"] == summary["leaves"]

    store = RocksStore(home.path / "data", read_only=True)
    try:
        (row,) = store.wrapped_keys([erased])
        assert row is not None and len(row) == 4, "the wrapped data key must be gone, only its generation left"
        mine = store.get_entries(store.borrower_indices(erased))
        records = [m for m in mine if decode_leaf(m.leaf).kind.name == "RECORD"]
        assert records and all(m.payload == b"" or m.payload[0] == 1 for m in records)  # sealed or gone
        redacted = [e for e in store.iter_entries(0) if not e.payload]
        assert redacted, "retention redacted nothing"
        assert all(decode_leaf(e.leaf).entry_id for e in redacted)  # leaves (hashes) kept
    finally:
        store.close()

    node = open_node(home)  # reopens cleanly; erased payloads read as None
    try:
        assert all(e.payload is None for e in node.reader.entries(node.store.borrower_indices(erased),
                                                                   node.reader.checkpoint(0))
                   if decode_leaf(e.leaf).kind.name == "RECORD")
    finally:
        node.close()
