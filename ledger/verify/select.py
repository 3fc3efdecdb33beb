"""Backend selection at run time: ``auto``, ``cpu``, ``keyed`` or ``gpu``. Never imports cupy at import time."""

from __future__ import annotations

import logging
import os

from ledger.verify.base import VerifyBackend
from ledger.verify.cpu import CpuBackend
from ledger.verify.keyed import KeyedBackend
from ledger.verify.probe import probe

log = logging.getLogger(__name__)
BACKENDS = ("auto", "cpu", "keyed", "gpu")


def make_backend(name: str, *, workers: int | None = None) -> VerifyBackend:
    """``_make``, then the rule probe (ledger.verify.probe): a backend that judges a probe against
    the signature rule is closed and RuleMismatch (a RuntimeError) raised."""
    backend = _make(name, workers)
    try:
        probe(backend.name, backend.verify_batch)
    except Exception:
        backend.close()
        raise
    return backend


def _make(name: str, workers: int | None) -> VerifyBackend:
    """Build the named backend: ``cpu`` (libsodium, the reference), ``keyed`` (native, a table per
    key; ledger.verify.keyed), ``gpu`` (CuPy kernels, libsodium as fallback), or ``auto``: gpu when
    cupy imports and a device is present, else cpu. All give libsodium's verdicts.

    ``keyed`` is opt-in for nodes (docs/PERFORMANCE.md: it lifts ingest by about half, past what a
    2-core node sustains as its store grows). It runs on ``workers`` threads, by default one fewer
    than the cores: the node's Python stages (decode, rules, sealing, commit) hold one core between
    them, and a verify thread there would only slow them. Raises ValueError for an unknown name,
    RuntimeError when ``gpu`` or ``keyed`` is asked for and unavailable.
    """
    if name not in BACKENDS:
        raise ValueError(f"verify backend: unknown {name!r}, expected one of {', '.join(BACKENDS)}")
    if name in ("auto", "gpu"):
        from ledger.gpu import gpu_available

        if gpu_available():
            from ledger.gpu.cupy_backend import GpuBackend

            log.info("verify backend: gpu")
            backend: VerifyBackend = GpuBackend(fallback=CpuBackend(workers))
            return backend
        if name == "gpu":
            raise RuntimeError("verify backend gpu: cupy or a CUDA device is not available")
    if name == "keyed":
        if not KeyedBackend.available():
            raise RuntimeError("verify backend keyed: its library does not build here (no C++ compiler?)")
        n = workers or max(1, (os.cpu_count() or 1) - 1)
        log.info("verify backend: keyed (native, a table per key, %d threads)", n)
        return KeyedBackend(n)
    log.info("verify backend: cpu (libsodium, %s threads)", workers or "all")
    return CpuBackend(workers)
