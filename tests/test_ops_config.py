"""Config: file + CREDITLEDGER_* env overrides, validated at start with errors naming the key;
`creditledger serve` prints the ConfigError and exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.config import ConfigError, load_config

from _ops_support import ROOT, make_home


@pytest.fixture()
def cfg_path(tmp_path: Path) -> Path:
    return make_home(tmp_path / "home")


def _with(cfg: Path, **changes: object) -> Path:
    doc = json.loads(cfg.read_text())
    doc.update(changes)
    cfg.write_text(json.dumps(doc))
    return cfg


def test_valid_config_resolves_relative_paths(cfg_path: Path) -> None:
    cfg = load_config(cfg_path, environ={})
    assert cfg.data_dir == cfg_path.parent.resolve() / "data"
    assert cfg.block_max_records == 4096


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"verify_backend": "tpu"}, "verify_backend"),
        ({"block_max_records": 0}, "block_max_records"),
        ({"block_max_ms": -1}, "block_max_ms"),
        ({"metrics_port": 70000}, "metrics_port"),
        ({"block_max_records": "many"}, "block_max_records"),
        ({"max_pending_records": 10}, "max_pending_records"),
        ({"members_file": "nope.json"}, "members_file"),
        ({"colour": "blue"}, "colour"),
        ({"metrics_port": -1}, "metrics_port"),
    ],
)
def test_bad_values_name_the_key(cfg_path: Path, changes: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_with(cfg_path, **changes), environ={})
    assert str(info.value).startswith(key), str(info.value)


def test_missing_required_key_and_bad_file(cfg_path: Path, tmp_path: Path) -> None:
    doc = json.loads(cfg_path.read_text())
    del doc["node_key_file"]
    cfg_path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=r"^node_key_file: required"):
        load_config(cfg_path, environ={})
    with pytest.raises(ConfigError, match="not JSON"):
        (tmp_path / "bad.json").write_text("{nope")
        load_config(tmp_path / "bad.json", environ={})
    with pytest.raises(ConfigError, match="config file"):
        load_config(tmp_path / "missing.json", environ={})


def test_env_overrides_file_and_is_validated(cfg_path: Path) -> None:
    cfg = load_config(cfg_path, environ={"CREDITLEDGER_BLOCK_MAX_RECORDS": "128", "CREDITLEDGER_METRICS_PORT": "9464"})
    assert cfg.block_max_records == 128 and cfg.metrics_port == 9464
    with pytest.raises(ConfigError, match=r"^block_max_records"):
        load_config(cfg_path, environ={"CREDITLEDGER_BLOCK_MAX_RECORDS": "lots"})
    with pytest.raises(ConfigError, match=r"^verify_backend"):
        load_config(cfg_path, environ={"CREDITLEDGER_VERIFY_BACKEND": "quantum"})


def test_example_config_is_valid_shape() -> None:
    """ops/config.example.json only uses known keys (paths there point at /etc and /var)."""
    from dataclasses import fields

    from ledger.config import NodeConfig

    doc = json.loads((ROOT / "ops" / "config.example.json").read_text())
    assert set(doc) <= {f.name for f in fields(NodeConfig)}


def test_serve_prints_config_error_and_exits_2(cfg_path: Path) -> None:
    _with(cfg_path, block_max_records=0)
    p = subprocess.run([sys.executable, "-m", "ledger.cli.main", "serve", "--config", str(cfg_path),
                        "--insecure-dev"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "config error: block_max_records" in p.stderr
    assert "Traceback" not in p.stderr
