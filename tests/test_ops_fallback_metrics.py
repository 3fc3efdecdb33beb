"""A GPU device failure is visible to operators: the fallback counter (which the alert
`VerifyBackendFellBackToCpu` watches) rises, the backend gauge and the verify metrics switch to
`cpu`, and every record is still committed. Runs without a GPU: the device call raises, as a failing
device does, and the real CPU fallback verifies inside a real node."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest

from ledger.cli.serve import node_settings
from ledger.config import load_config
from ledger.gpu.cupy_backend import GpuBackend
from ledger.ingest import Receipt
from ledger.node import Node
from ledger.service import convert
from ledger.store import RocksStore
from ledger.verify.cpu import CpuBackend

from _ops_support import make_home, workload


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


def test_device_failure_counts_as_a_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    cfg = make_home(home)
    records = workload(home, 300)
    settings = node_settings(load_config(cfg))
    backend = GpuBackend(fallback=CpuBackend(2))

    def device_lost(*_a: object) -> object:
        raise RuntimeError("cudaErrorDevicesUnavailable (simulated)")

    monkeypatch.setattr(backend, "_verify_gpu", device_lost)
    node = Node(settings, RocksStore(settings.data_dir), backend)  # may verify start-up entries already
    try:
        first = node.submit_async(convert.submitted(records[:150])).result(timeout=60)
        second = node.submit_async(convert.submitted(records[150:])).result(timeout=60)
        assert all(isinstance(r, Receipt) for r in first + second)
        text = generate_latest(node.metrics.registry).decode()
        assert _sample(text, "creditledger_verify_fallbacks_total") == 1  # one switch, not one per block
        assert _sample(text, 'creditledger_verify_backend{backend="cpu"}') == 1
        assert _sample(text, 'creditledger_verify_backend{backend="gpu"}') == 0
        assert _sample(text, 'creditledger_verify_signatures_total{backend="cpu"}') >= len(records)
        assert 'creditledger_verify_signatures_total{backend="gpu"}' not in text
        assert _sample(text, "creditledger_gpu_memory_bytes") == 0  # the device never held a buffer
    finally:
        node.close()
