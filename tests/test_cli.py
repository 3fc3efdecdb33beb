"""The creditledger CLI against a live server: keygen, submit (JSON and CSV), history, report,
checkpoint, and a config error."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from google.protobuf import json_format

from ledger.cli.main import main
from ledger.demo.synth import national_id

from conftest import Home, Served


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--log-level", "ERROR", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _bank_a_records(home: Home) -> list[dict[str, object]]:
    recs = [r for r in home.records(6, 2) if r.furnisher_id == "bank-a"]
    return [json_format.MessageToDict(r) for r in recs]


def test_submit_history_report_checkpoint(home: Home, served: Served, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    cfg, key = str(home.config), str(home.path / "keys" / "bank-a.key")
    docs = _bank_a_records(home)
    half = len(docs) // 2
    (tmp_path / "a.json").write_text(json.dumps(docs[:half]))
    with (tmp_path / "b.csv").open("w", newline="") as f:
        cols = sorted({k for d in docs for k in d})
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for d in docs[half:]:
            w.writerow({k: d.get(k, "") for k in cols})
    for name in ("a.json", "b.csv"):
        code, out, err = _run(capsys, "submit", "--config", cfg, "--target", served.target, "--key", key,
                              str(tmp_path / name))
        assert code == 0, err
        assert json.loads(out.strip().splitlines()[-1])["refused"] == 0
    code, out, err = _run(capsys, "history", "--config", cfg, "--target", served.target, national_id(0))
    assert code == 0, err
    assert "all proofs verified" in out
    served.node.settings.clock = time.time  # the CLI signs its inquiry with the real time
    code, out, err = _run(capsys, "report", "--config", cfg, "--target", served.target, "--member", "bank-a",
                          "--key", key, "--purpose", "borrower_request", "--consent", "C-1", national_id(0))
    assert code == 0, err
    assert "CREDIT REPORT" in out and "INQUIRIES" in out and "bank-a" in out
    code, out, err = _run(capsys, "checkpoint", "--config", cfg, "--target", served.target)
    assert code == 0 and json.loads(out)["tree_size"] == served.node.latest_checkpoint().tree_size  # type: ignore[union-attr]


def test_submit_refusal_exits_nonzero(home: Home, served: Served, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = _bank_a_records(home)[:1]
    bad[0]["accountStatus"] = "78"  # delinquent without a date of first delinquency
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    code, _, err = _run(capsys, "submit", "--config", str(home.config), "--target", served.target,
                        "--key", str(home.path / "keys" / "bank-a.key"), str(tmp_path / "bad.json"))
    assert code == 1 and "DFD_REQUIRED_WHEN_DELINQUENT" in err


def test_config_error_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"data_dir": "d", "verify_backend": "tpu"}))
    code, _, err = _run(capsys, "checkpoint", "--config", str(tmp_path / "c.json"))
    assert code == 2 and "config error" in err


def test_keygen_writes_a_usable_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "keygen", "--out", str(tmp_path / "k.key"))
    info = json.loads(out)
    from ledger.cli.home import read_secret
    from ledger.client import RecordSigner

    assert code == 0 and RecordSigner(read_secret(tmp_path / "k.key")).public_key.hex() == info["public_key"]
