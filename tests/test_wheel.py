"""The built wheel carries the CUDA sources, and the loader finds them there (not in a checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_kernels_and_loader_finds_them(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    (whl,) = tmp_path.glob("creditledger-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    for f in ("ed25519_verify.cu", "sha256_batch.cu", "merkle_level.cu", "fe25519.cuh", "shim_cpu.h"):
        assert f"ledger/_kernels/{f}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(whl).extractall(site)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); from ledger.gpu import sources; "
             "print(sources.kernel_dir()); print(len(sources.assemble('ed25519_verify.cu')))")
    out = subprocess.run([sys.executable, "-c", probe, str(site)], cwd=tmp_path, capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert Path(out[0]) == site / "ledger" / "_kernels"
    assert int(out[1]) > 10_000
