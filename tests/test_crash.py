"""SIGKILL a node process at seeded random moments mid-stream: every acknowledged record survives,
with a valid inclusion proof, and the full audit passes (the long version is bench/crash.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from _ops_support import ROOT, make_home

sys.path.insert(0, str(ROOT / "bench"))
from crash import crash_rounds


def test_sigkill_rounds_lose_no_acknowledged_record(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    out = crash_rounds(home, rounds=3, seed=1234, per_round=1500)
    assert out["acknowledged"] > 0, out
    assert out["records_lost"] == 0, out
    assert out["wrong_index"] == 0, out
    assert out["rounds_survived"] == 3, out
    assert out["mid_stream_kills"] == 3, out  # every kill found records in flight
    assert out["audit_ok"], out
