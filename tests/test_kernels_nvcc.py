"""Compile every kernel with nvcc for sm_90 and enforce the register-spill budget (docs/GPU.md).

Budget: 0 bytes of spill stores/loads for every kernel. ed25519 may use a stack frame for its
per-thread table of 8 multiples of A (1280 bytes, dynamically indexed), which is not a spill.
Skipped when nvcc is not on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[1] / "kernels"
SPILL_LIMIT = {"ed25519_verify.cu": 0, "sha256_batch.cu": 0, "merkle_level.cu": 0}
STACK_LIMIT = {"ed25519_verify.cu": 1536, "sha256_batch.cu": 0, "merkle_level.cu": 0}
_FUNC = re.compile(
    r"Function properties for (\w+)\s*\n\s*(\d+) bytes stack frame, "
    r"(\d+) bytes spill stores, (\d+) bytes spill loads"
)

pytestmark = pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not on PATH")


@pytest.mark.parametrize("name", sorted(SPILL_LIMIT))
def test_ptxas_spills(name: str, tmp_path: Path) -> None:
    res = subprocess.run(
        ["nvcc", "-arch=sm_90", "-Xptxas", "-v", "--cubin", str(KERNELS / name), "-o", str(tmp_path / "k.cubin")],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    funcs = _FUNC.findall(res.stderr)
    assert funcs, res.stderr[-3000:]
    for fn, stack, st, ld in funcs:
        assert int(st) <= SPILL_LIMIT[name] and int(ld) <= SPILL_LIMIT[name], f"{fn}: {st}/{ld} bytes spilled"
        assert int(stack) <= STACK_LIMIT[name], f"{fn}: {stack} bytes stack frame"
