"""GPU verification: CUDA kernels (kernels/*.cu) run through CuPy, plus a CPU build of the same
sources used for parity tests.

Importing this package never imports cupy; :func:`gpu_available` does, inside the call.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

__all__ = ["gpu_available"]


def gpu_available() -> bool:
    """True when cupy imports and at least one CUDA device is usable; False on any failure."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False
        cupy.cuda.Device(0).compute_capability  # noqa: B018  (touches the driver)
        return True
    except Exception as exc:  # any import/driver/runtime error means "no GPU"
        log.debug("gpu not available: %s", exc)
        return False
