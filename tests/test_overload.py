"""Push far past capacity into a node with a tiny queue: RESOURCE_EXHAUSTED with a retry hint, no
other errors, RSS bounded, and the node still serves and shuts down cleanly (bench/overload.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from _ops_support import ROOT, make_home

sys.path.insert(0, str(ROOT / "bench"))
from overload import overload


def test_overload_is_refused_politely_and_memory_stays_bounded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home, {"block_max_records": 256, "max_pending_records": 512})
    out = overload(home, seconds=5, threads=12, batch=256, records=60_000)
    assert out["exhausted"] > 0, out
    assert out["with_retry_hint"] == out["exhausted"], out
    assert all(h > 0 for h in out["retry_after_ms"]), out  # type: ignore[attr-defined]
    assert out["other_errors"] == 0, out
    assert out["accepted"] > 0 and out["alive_after"] and out["node_exit"] == 0, out
    assert out["duplicates"] == 0, out  # every batch was new work, not a resubmission
    assert out["tree_size"] >= out["accepted"], out  # type: ignore[operator]
    # queue of 512 records: memory must not grow with the offered load
    assert out["rss_max_mb"] < out["rss_start_mb"] + 150, out  # type: ignore[operator]
