"""Tampering with a closed store is detected at start (Node.open -> StoreIntegrityError / StoreError,
and `creditledger serve` refuses to serve) and by `creditledger verify`, which names the spot.

The store is manipulated with rocksdict directly, raw mode, column family names from ledger.store.rocks.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rocksdict import Options, Rdict

from ledger.audit.verify import audit_store
from ledger.chain import NodeSigner
from ledger.cli.home import read_secret
from ledger.cli.serve import node_settings
from ledger.config import load_config
from ledger.members import load_members_file
from ledger.node import Node, StoreIntegrityError
from ledger.privacy.crypto import MasterKey
from ledger.privacy.vault import Vault
from ledger.records.leaf import LEAF_LEN
from ledger.service import convert
from ledger.store import RocksStore, StoreError
from ledger.store.rocks import CF_CHECKPOINTS, CF_KEYS, CF_NODES, CF_RECORDS, COLUMN_FAMILIES, node_key
from ledger.verify import make_backend

from _ops_support import ROOT, make_home, workload

N = 3000
BLOCK = 500
U64 = struct.Struct(">Q")


def flip(b: bytes, i: int) -> bytes:
    return b[:i] + bytes((b[i] ^ 0x01,)) + b[i + 1 :]


SIZES: list[int] = []  # checkpoint tree sizes of the pristine store
SEQ: dict[int, int] = {}  # tree size -> checkpoint sequence


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("tamper") / "home"
    cfg = make_home(home, {"block_max_records": BLOCK, "block_max_ms": 1})
    records = workload(home, N)
    node = Node.open(node_settings(load_config(cfg)))
    try:
        for i in range(0, N, BLOCK):
            node.submit(convert.submitted(records[i : i + BLOCK]))
        SIZES[:] = [cp.tree_size for cp in node.store.checkpoints(0)]
        SEQ.update({cp.tree_size: cp.sequence for cp in node.store.checkpoints(0)})
    finally:
        node.close()
    assert len(SIZES) >= 6 and SIZES[-1] - SIZES[-2] == BLOCK
    with _raw(home / "data") as db:  # push everything into SST files, so there is one to truncate
        for name in COLUMN_FAMILIES:
            db.get_column_family(name).flush(True)
    return home


class _raw:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Rdict:
        self.db = Rdict(str(self.path), options=Options(raw_mode=True),
                        column_families={n: Options(raw_mode=True) for n in COLUMN_FAMILIES})
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def _copy(pristine: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(pristine, home)
    cfg = json.loads((home / "config.json").read_text())
    assert cfg["data_dir"] == "data"
    return home


def flip_leaf(db: Rdict) -> None:
    cf = db.get_column_family(CF_RECORDS)
    v = bytearray(cf[U64.pack(1234)])
    v[60] ^= 0x01  # inside the signature part of the leaf
    cf[U64.pack(1234)] = bytes(v)


def delete_node(db: Rdict) -> None:
    del db.get_column_family(CF_NODES)[node_key(3, 17)]


def swap_records(db: Rdict) -> None:
    cf = db.get_column_family(CF_RECORDS)
    a, b = cf[U64.pack(700)], cf[U64.pack(2100)]
    cf[U64.pack(700)], cf[U64.pack(2100)] = b, a


def rewind_head(db: Rdict) -> None:
    del db.get_column_family(CF_CHECKPOINTS)[U64.pack(SIZES[-1])]


def drop_middle_checkpoint(db: Rdict) -> None:
    del db.get_column_family(CF_CHECKPOINTS)[U64.pack(SIZES[-4])]


CASES: dict[str, tuple[Callable[[Rdict], None], Callable[[], str], Callable[[], str]]] = {
    # name: (tamper, what Node.open says, what verify names first)
    "flip_leaf": (flip_leaf, lambda: "leaf 1234", lambda: "leaf 1234"),
    "delete_node": (delete_node, lambda: "merkle node level=3 index=17", lambda: "merkle node level=3 index=17"),
    "swap_records": (swap_records, lambda: "leaf 700", lambda: "leaf 700"),
    "rewind_head": (rewind_head, lambda: f"leaf {SIZES[-2]}", lambda: f"leaf {SIZES[-2]}"),
    # the checkpoint after the missing one no longer links
    "drop_checkpoint": (drop_middle_checkpoint, lambda: f"checkpoint {SEQ[SIZES[-3]]}",
                        lambda: f"checkpoint {SEQ[SIZES[-3]]}"),
}


def _verify_cli(home: Path) -> tuple[int, str, dict[str, object]]:
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "--log-level", "ERROR", "verify", "--config",
                        str(home / "config.json")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "{}"
    return p.returncode, p.stderr, json.loads(last)


def test_pristine_store_passes(pristine: Path, tmp_path: Path) -> None:
    home = _copy(pristine, tmp_path)
    Node.open(node_settings(load_config(home / "config.json"))).close()
    rc, err, summary = _verify_cli(home)
    assert rc == 0, err
    assert summary["ok"] and summary["leaves"] == SIZES[-1] and summary["payloads_checked"] == SIZES[-1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_tamper_is_detected(case: str, pristine: Path, tmp_path: Path) -> None:
    tamper, at_start_f, first_f = CASES[case]
    at_start, first = at_start_f(), first_f()
    home = _copy(pristine, tmp_path)
    with _raw(home / "data") as db:
        tamper(db)
    with pytest.raises(StoreIntegrityError) as info:
        Node.open(node_settings(load_config(home / "config.json")))
    assert at_start in str(info.value), str(info.value)
    rc, err, summary = _verify_cli(home)
    assert rc == 1
    assert str(summary["first_problem"]).startswith(first), summary
    assert f"FIRST PROBLEM: {first}" in err


def test_payload_flip_is_named_by_verify(pristine: Path, tmp_path: Path) -> None:
    """A flipped payload byte leaves the leaf intact: the audit (with the master key) names it."""
    home = _copy(pristine, tmp_path)
    with _raw(home / "data") as db:
        cf = db.get_column_family(CF_RECORDS)
        v = bytearray(cf[U64.pack(42)])
        v[-3] ^= 0x80
        cf[U64.pack(42)] = bytes(v)
    rc, _err, summary = _verify_cli(home)
    assert rc == 1 and str(summary["first_problem"]).startswith("leaf 42: sealed payload"), summary


def test_bad_key_row_and_short_blob_fail_only_their_leaves(pristine: Path, tmp_path: Path) -> None:
    """Payloads are opened in batches, yet a flipped wrapped-key row fails exactly the payloads of
    that borrower, and a sealed blob cut to 2 bytes exactly its leaf; everything else is checked."""
    home = _copy(pristine, tmp_path)
    cfg = load_config(home / "config.json")
    with _raw(home / "data") as db:
        records, keys = db.get_column_family(CF_RECORDS), db.get_column_family(CF_KEYS)

        def ref_of(i: int) -> bytes:
            row = records[U64.pack(i)]
            return bytes(row[LEAF_LEN + 1 : LEAF_LEN + 1 + row[LEAF_LEN]])

        ref = ref_of(77)
        keys[ref] = flip(keys[ref], 30)
        cut = next(i for i in range(901, N) if ref_of(i) != ref)
        row = records[U64.pack(cut)]
        records[U64.pack(cut)] = row[: LEAF_LEN + 1 + row[LEAF_LEN]] + b"\x01\x00"
    store = RocksStore(cfg.data_dir, read_only=True)
    backend = make_backend("cpu")
    try:
        bad = store.borrower_indices(ref)
        pub = NodeSigner(read_secret(cfg.node_key_file), cfg.log_id).public_key
        vault = Vault(MasterKey.from_file(cfg.master_key_file, data_dir=store.path), store)
        rep = audit_store(store, pub, load_members_file(cfg.members_file), backend=backend, vault=vault)
    finally:
        backend.close()
        store.close()
    assert len(bad) > 1 and cut not in bad
    found = {p.position[0]: p.what for p in rep.problems}
    assert found == {**dict.fromkeys(bad, "sealed payload does not open: KeyUnwrapError"),
                     cut: "sealed payload does not open: DecryptError"}
    assert rep.payloads_checked == SIZES[-1] - len(bad) - 1


def test_truncated_sst_refuses_to_serve(pristine: Path, tmp_path: Path) -> None:
    home = _copy(pristine, tmp_path)
    sst = max((home / "data").glob("*.sst"), key=lambda p: p.stat().st_size)
    with sst.open("r+b") as f:
        f.truncate(sst.stat().st_size // 2)
    with pytest.raises(StoreError):
        Node.open(node_settings(load_config(home / "config.json")))
    # the real process refuses to serve and says why
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "--log-level", "ERROR", "serve", "--config",
                        str(home / "config.json"), "--insecure-dev"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 3, p.stderr
    assert "cannot serve" in p.stderr
    rc, err, _ = _verify_cli(home)
    assert rc == 1 and sst.name in err, err


def test_serve_refuses_tampered_store(pristine: Path, tmp_path: Path) -> None:
    home = _copy(pristine, tmp_path)
    with _raw(home / "data") as db:
        swap_records(db)
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "--log-level", "ERROR", "serve", "--config",
                        str(home / "config.json"), "--insecure-dev"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 3
    assert "StoreIntegrityError" in p.stderr and "leaf 700" in p.stderr
