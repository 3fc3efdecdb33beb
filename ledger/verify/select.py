"""Backend selection at run time: ``cpu``, ``gpu`` or ``auto``. Never imports cupy at import time."""

from __future__ import annotations

import logging

from ledger.verify.base import VerifyBackend
from ledger.verify.cpu import CpuBackend

log = logging.getLogger(__name__)
BACKENDS = ("auto", "cpu", "gpu")


def make_backend(name: str, *, workers: int | None = None) -> VerifyBackend:
    """Build the named backend. ``auto`` picks gpu when cupy imports and a device is present.

    Raises ValueError for an unknown name, RuntimeError when ``gpu`` is asked for and unavailable.
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
    log.info("verify backend: cpu (libsodium, %s threads)", workers or "all")
    return CpuBackend(workers)
