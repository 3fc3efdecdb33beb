"""Shared helpers for the operations and reliability tests (re-exported from bench/_ops.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from _ops import (
    BANKS,
    ROOT,
    Node,
    free_port,
    make_home,
    node_public_key,
    read_workload,
    rss_bytes,
    wait_for,
    workload,
    write_workload,
)

__all__ = ["BANKS", "ROOT", "Node", "free_port", "make_home", "node_public_key", "read_workload", "rss_bytes",
           "wait_for", "workload", "write_workload"]
