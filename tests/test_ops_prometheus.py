"""The ops/ Prometheus files pass promtool, and a real Prometheus scrapes a live node.

Debian's prometheus package provides /usr/bin/prometheus and /usr/bin/promtool; `make test` installs it
(`make prometheus`). This test installs it too when apt-get is there and skips only without apt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from _ops_support import ROOT, Node, free_port, make_home, wait_for, workload

OPS = ROOT / "ops"


def _ensure_prometheus() -> None:
    if shutil.which("promtool") and shutil.which("prometheus"):
        return
    if not shutil.which("apt-get"):
        pytest.skip("prometheus is not installed and apt-get is unavailable to install Debian's package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=300)
    subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], check=True, env=env, timeout=600)
    assert shutil.which("promtool") and shutil.which("prometheus")


def _promtool(*args: str) -> str:
    p = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60, cwd=OPS)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout + p.stderr


def test_promtool_checks_config_rules_and_unit_tests() -> None:
    _ensure_prometheus()
    assert "SUCCESS" in _promtool("check", "config", str(OPS / "prometheus.yml"))
    assert "SUCCESS" in _promtool("check", "rules", str(OPS / "alerts.yml"))
    assert "SUCCESS" in _promtool("test", "rules", str(OPS / "alerts_test.yml"))


def _query(port: int, q: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
    except OSError:
        return []
    assert doc["status"] == "success", doc
    return doc["data"]["result"]  # type: ignore[no-any-return]


def test_real_prometheus_scrapes_a_live_node(tmp_path: Path) -> None:
    _ensure_prometheus()
    home = tmp_path / "home"
    make_home(home, {"metrics_port": free_port()})
    records = workload(home, 500)
    node = Node(home)
    prom = None
    try:
        results = node.client().submit(records)
        assert all(r.HasField("receipt") for r in results)
        tree = node.client().checkpoint().tree_size
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: ['{OPS / 'alerts.yml'}']\n"
            "scrape_configs:\n  - job_name: creditledger\n    scrape_interval: 1s\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{node.metrics_port}']\n"
        )
        port = free_port()
        log = (tmp_path / "prometheus.log").open("wb")
        prom = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT,
        )

        def tree_size() -> float | None:
            res = _query(port, 'creditledger_tree_size{job="creditledger"}')
            return float(res[0]["value"][1]) if res else None  # type: ignore[index]

        wait_for(lambda: tree_size() == tree, 45, f"Prometheus to report creditledger_tree_size={tree}", every=0.5)
        accepted = _query(port, "sum(creditledger_records_accepted_total)")
        assert float(accepted[0]["value"][1]) >= len(records)  # type: ignore[index]
        for name in ("creditledger_checkpoint_age_seconds", "creditledger_data_dir_free_bytes",
                     "creditledger_rocksdb_estimated_keys", "creditledger_commit_written_bytes_total",
                     'up{job="creditledger"}'):
            assert _query(port, name), f"{name} not scraped"
        assert float(_query(port, 'up{job="creditledger"}')[0]["value"][1]) == 1.0  # type: ignore[index]
        assert prom.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
    finally:
        if prom is not None:
            prom.terminate()
            prom.wait(timeout=30)
        assert node.stop() == 0
