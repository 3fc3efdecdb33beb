"""Locate the CUDA kernel sources and assemble them into single translation units.

Sources live in ``<repo>/kernels`` in a checkout and in ``ledger/_kernels`` in an installed wheel
(pyproject force-includes ``kernels`` there). ``#include "x.cuh"`` lines are resolved by inlining
each file once, so NVRTC needs no include path and no standard headers.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Final

KERNEL_FILES: Final = ("ed25519_verify.cu", "sha256_batch.cu", "merkle_level.cu")
_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)


class KernelSourceError(RuntimeError):
    """The kernel sources could not be found or read."""


def _candidates() -> list[Path]:
    here = Path(__file__).resolve()
    return [here.parents[1] / "_kernels", here.parents[2] / "kernels"]


@cache
def kernel_dir() -> Path:
    """The directory holding the kernel sources (wheel location first, then the checkout)."""
    for d in _candidates():
        if (d / "ed25519_verify.cu").is_file():
            return d
    raise KernelSourceError(f"kernel sources not found in any of {[str(c) for c in _candidates()]}")


def all_source_files() -> list[Path]:
    """Every kernel source file (.cu, .cuh, .h, .cpp), sorted by name."""
    d = kernel_dir()
    return sorted(p for p in d.iterdir() if p.suffix in (".cu", ".cuh", ".h", ".cpp"))


def sources_digest() -> str:
    """A hex digest over the names and contents of all kernel sources."""
    h = hashlib.sha256()
    for p in all_source_files():
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def assemble(name: str) -> str:
    """Return the source of ``name`` with its quoted includes inlined (each file at most once)."""
    d = kernel_dir()
    seen: set[str] = set()

    def expand(fname: str) -> str:
        if fname in seen:
            return ""
        seen.add(fname)
        path = d / fname
        try:
            text = path.read_text()
        except OSError as exc:
            raise KernelSourceError(f"cannot read kernel source {path}: {exc}") from exc
        return _INCLUDE.sub(lambda m: expand(m.group(1)), text)

    return expand(name)
