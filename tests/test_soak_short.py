"""The soak harness, short: sustained ingest at 80% of measured capacity plus history queries, against a
real node process. The long run and its RSS verdict are bench/soak.py's; here the load must be held, no
query may fail, memory is sampled, and the node must exit cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

from _ops_support import ROOT, free_port, make_home, write_workload

sys.path.insert(0, str(ROOT / "bench"))
from soak import median_growth, soak
from soak_restart import _run

from _workload import encoded_batches


def test_short_soak_holds_its_load(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home, {"metrics_port": free_port(), "metrics_addr": "127.0.0.1"})
    out = soak(home, seconds=6, capacity_seconds=2, load=0.8, batch=250, window=8, rate_guess=30_000)
    assert out["capacity_per_s"] > 0 and out["queries"] > 0, out  # type: ignore[operator]
    assert out["achieved_per_s"] >= 0.95 * out["target_per_s"], out  # type: ignore[operator]
    assert out["query_errors"] == 0 and not out["workload_ran_out"] and out["node_exit"] == 0, out
    assert len(out["rss_mb_over_time"]) >= 5, out  # type: ignore[arg-type]
    parts = out["memory_mb_over_time"][0][1]  # type: ignore[index]
    assert parts["block_cache"] >= 0 and parts["memtables"] > 0, out
    assert isinstance(out["rss_median_growth_after_warmup_pct"], float), out


def test_median_growth_sees_creep_not_jitter() -> None:
    jitter = [150 + (6 if i % 2 else -6) for i in range(200)]  # +-4% every sample, no trend
    assert median_growth(jitter) == 0.0
    creep = [150 + i // 10 for i in range(200)]  # +19 over the run; quarters' medians 152 and 167
    assert median_growth(creep) == 167 / 152 - 1
    assert median_growth([1, 2, 3]) == 0.0


def test_restart_soak_samples_both_runs_on_one_store(tmp_path: Path) -> None:
    """bench/soak_restart.py, short: a second node opens the first one's store and goes on ingesting."""
    home = tmp_path / "home"
    make_home(home, {"metrics_port": free_port(), "metrics_addr": "127.0.0.1"})
    source = encoded_batches(write_workload(home, 40_000), 250, field=2)
    refs: list[bytes] = []
    first = _run(home, source, 2000, 3, refs)
    second = _run(home, source, 2000, 3, refs)
    for run in (first, second):
        assert run["node_exit"] == 0 and run["accepted"] > 0 and run["rss_mb_medians"], run  # type: ignore[operator]
    assert refs  # the second run queried borrowers the first one stored
