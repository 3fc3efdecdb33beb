"""Importing ledger and ledger.gpu (and the GPU backend module) never imports cupy."""

from __future__ import annotations

import subprocess
import sys


def test_no_cupy_on_import() -> None:
    code = (
        "import sys, ledger, ledger.gpu, ledger.gpu.sources, ledger.gpu.cupy_backend, ledger.gpu.cpu_build;"
        "assert 'cupy' not in sys.modules, 'cupy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_kernel_sources_found_and_assembled() -> None:
    from ledger.gpu import sources

    for name in sources.KERNEL_FILES:
        text = sources.assemble(name)
        assert '#include "' not in text
        assert 'extern "C" __global__' in text
