"""`creditledger verify`: the full offline audit, checkpoint export, and consistency from an export
alone (against a live node or a data dir), with rewinds and forged exports detected."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from rocksdict import Options, Rdict

from ledger.audit import keys_at
from ledger.members import Member, MemberRegistry
from ledger.records.signing import key_id
from ledger.store.rocks import CF_CHECKPOINTS, COLUMN_FAMILIES

from _ops_support import ROOT, Node, make_home, node_public_key, workload


def _cli(*args: str) -> tuple[int, dict[str, object], str]:
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "--log-level", "ERROR", "verify", *args],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = p.stdout.strip().splitlines()
    return p.returncode, (json.loads(out[-1]) if out else {}), p.stderr


def test_audit_export_and_consistency(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cfg = str(make_home(home))
    records = workload(home, 1600)
    node = Node(home)
    assert all(r.HasField("receipt") for r in node.client().submit(records[:800]))
    assert node.stop() == 0

    rc, summary, err = _cli("--config", cfg)
    assert rc == 0, err
    assert summary["ok"] and summary["signatures"] == summary["leaves"] and summary["records_per_s"]
    rc, summary, err = _cli("--config", cfg, "--no-master-key")
    assert rc == 0 and summary["payloads_sealed_unchecked"] == 800 and "no master key" in err

    export = tmp_path / "cps.jsonl"
    rc, summary, _ = _cli("--config", cfg, "--export-checkpoints", str(export))
    lines = export.read_text().splitlines()
    assert rc == 0 and summary["exported"] == len(lines) > 0
    assert {"sequence", "tree_size", "root", "checkpoint"} <= set(json.loads(lines[-1]))

    node = Node(home)  # the log grows; old checkpoints must be consistent with the new head
    try:
        assert all(r.HasField("receipt") for r in node.client().submit(records[800:]))
        pub = node_public_key(home).hex()
        rc, summary, err = _cli("--node-public-key", pub, "--consistency", str(export), "--target", node.target)
        assert rc == 0, err
        assert summary["checked"] == len(lines) and summary["head_tree_size"] > json.loads(lines[-1])["tree_size"]
    finally:
        assert node.stop() == 0
    rc, summary, err = _cli("--node-public-key", pub, "--consistency", str(export), "--against", str(home / "data"))
    assert rc == 0 and summary["checked"] == len(lines), err

    # a forged export (root changed) fails its signature check
    doc = json.loads(lines[-1])
    raw = bytearray(bytes.fromhex(doc["checkpoint"]))
    raw[30] ^= 1
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**doc, "checkpoint": raw.hex()}) + "\n")
    rc, summary, err = _cli("--node-public-key", pub, "--consistency", str(forged), "--against", str(home / "data"))
    assert rc == 1 and "bad signature" in err

    # a store rewound behind an exported checkpoint is caught from the export alone
    head_export = tmp_path / "head.jsonl"
    assert _cli("--config", cfg, "--export-checkpoints", str(head_export))[0] == 0
    head = json.loads(head_export.read_text().splitlines()[-1])
    rewound = tmp_path / "rewound"
    shutil.copytree(home / "data", rewound)
    db = Rdict(str(rewound), options=Options(raw_mode=True),
               column_families={n: Options(raw_mode=True) for n in COLUMN_FAMILIES})
    del db.get_column_family(CF_CHECKPOINTS)[struct.pack(">Q", head["tree_size"])]
    db.close()
    rc, summary, err = _cli("--node-public-key", pub, "--consistency", str(head_export), "--against", str(rewound))
    assert rc == 1 and "rewound" in str(summary["first_problem"]), summary


def test_keys_at_honours_validity_windows() -> None:
    import nacl.signing

    reg = MemberRegistry()
    reg.add_member(Member("bank-a", frozenset({"furnisher"})))
    pk = bytes(nacl.signing.SigningKey(bytes(range(32))).verify_key)
    rec = reg.add_key("bank-a", pk, valid_from=10)
    reg.revoke_key(rec.key_id, 20)
    assert keys_at(reg, key_id(pk), 9) is None
    assert keys_at(reg, key_id(pk), 10) is not None and keys_at(reg, key_id(pk), 19) is not None
    assert keys_at(reg, key_id(pk), 20) is None
    assert keys_at(reg, bytes(16), 15) is None
