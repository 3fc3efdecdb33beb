"""CPU build of the CUDA kernels: the same .cu sources compiled by g++ and loaded with ctypes.

``kernels/shim_cpu.h`` turns the CUDA qualifiers into plain C++ and runs a launch grid as a loop
over (block, thread) on host threads; ``kernels/cpu_host.cpp`` holds the extern "C" launchers.
This build exists so the kernels' arithmetic can be tested bit for bit against libsodium and
hashlib on machines without a GPU. The shared object is cached under
``$CREDITLEDGER_KERNEL_CACHE`` (default ``~/.cache/creditledger/kernels``), keyed by a hash of
the sources, the compiler command and the compiler version.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from ledger.gpu import sources
from ledger.gpu.packing import pack_batch, pack_payloads

CXX_FLAGS: Final = ("-O3", "-std=c++17", "-shared", "-fPIC", "-pthread", "-x", "c++")
_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


class KernelBuildError(RuntimeError):
    """The C++ compiler is missing or failed on the kernel sources."""


def cache_dir() -> Path:
    env = os.environ.get("CREDITLEDGER_KERNEL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "creditledger" / "kernels"


def _compiler() -> str:
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if not cxx:
        raise KernelBuildError("no C++ compiler (g++) found on PATH; set CXX")
    return cxx


def build(entry: str = "cpu_host.cpp") -> Path:
    """Compile (or reuse from the cache) the CPU library whose translation unit is ``kernels/<entry>``
    (default: the kernels' launchers); return the .so path. Raises KernelBuildError."""
    cxx = _compiler()
    kdir = sources.kernel_dir()
    try:
        version = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=False).stdout
    except OSError as exc:
        raise KernelBuildError(f"cannot run {cxx}: {exc}") from exc
    key = hashlib.sha256(
        (entry + "|" + sources.sources_digest() + "|" + " ".join(CXX_FLAGS) + "|" + cxx + "|" + version).encode()
    ).hexdigest()[:24]
    out = cache_dir() / f"{Path(entry).stem}-{key}.so"
    if out.is_file():
        return out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # unwritable home: fall back to a per-user temp directory
        out = Path(tempfile.gettempdir()) / f"creditledger-kernels-{os.getuid()}" / out.name
        if out.is_file():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=out.parent)
    os.close(fd)
    cmd = [cxx, *CXX_FLAGS, "-include", str(kdir / "shim_cpu.h"), str(kdir / entry), "-o", tmp]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        os.unlink(tmp)
        raise KernelBuildError(f"kernel CPU build failed ({' '.join(cmd)}):\n{res.stderr[-4000:]}")
    os.replace(tmp, out)  # atomic: concurrent builders race harmlessly
    return out


def _load() -> ctypes.CDLL:
    global _lib
    with _lock:
        if _lib is None:
            lib = ctypes.CDLL(str(build()))
            P, U32, U = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint
            lib.cpu_ed25519_verify.argtypes = [P, P, P, P, U32, P, U]
            lib.cpu_ed25519_verify_fixed.argtypes = [P, U32, P, P, U32, P, U]
            lib.cpu_sha256_batch.argtypes = [P, P, U32, P, U]
            lib.cpu_sha256_fixed.argtypes = [P, U32, U32, P, U]
            lib.cpu_merkle_leaf_hashes.argtypes = [P, U32, U32, P, U]
            lib.cpu_merkle_level.argtypes = [P, U32, P, U]
            lib.cpu_sc_reduce512.argtypes = [P, P]
            for f in (
                lib.cpu_ed25519_verify,
                lib.cpu_ed25519_verify_fixed,
                lib.cpu_sha256_batch,
                lib.cpu_sha256_fixed,
                lib.cpu_merkle_leaf_hashes,
                lib.cpu_merkle_level,
                lib.cpu_sc_reduce512,
            ):
                f.restype = None
            _lib = lib
        return _lib


def _ptr(a: npt.NDArray[np.generic]) -> int:
    return int(a.ctypes.data)


def _workers(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def ed25519_verify_batch(
    messages: Sequence[bytes],
    signatures: Sequence[bytes],
    public_keys: Sequence[bytes],
    workers: int | None = None,
) -> npt.NDArray[np.bool_]:
    """Kernel verdicts (CPU build); wrong-length signatures or keys are False."""
    b = pack_batch(messages, signatures, public_keys)
    out = np.zeros(b.n, dtype=np.uint8)
    if b.n == 0:
        return out.astype(np.bool_)
    lib = _load()
    if b.offsets is None:
        lib.cpu_ed25519_verify_fixed(_ptr(b.msgs), b.mlen, _ptr(b.sigs), _ptr(b.pks), b.n, _ptr(out), _workers(workers))
    else:
        lib.cpu_ed25519_verify(
            _ptr(b.msgs), _ptr(b.offsets), _ptr(b.sigs), _ptr(b.pks), b.n, _ptr(out), _workers(workers)
        )
    res: npt.NDArray[np.bool_] = (out != 0) & b.shape_ok
    return res


def _split(buf: npt.NDArray[np.uint8], n: int) -> list[bytes]:
    raw = buf.tobytes()
    return [raw[32 * i : 32 * i + 32] for i in range(n)]


def sha256_batch(payloads: Sequence[bytes], workers: int | None = None) -> list[bytes]:
    """SHA-256 of each payload (CPU build)."""
    n = len(payloads)
    if n == 0:
        return []
    data, offsets = pack_payloads(payloads)
    out = np.zeros(32 * n, dtype=np.uint8)
    _load().cpu_sha256_batch(_ptr(data), _ptr(offsets), n, _ptr(out), _workers(workers))
    return _split(out, n)


def sha256_fixed(data: bytes, length: int, workers: int | None = None) -> list[bytes]:
    """SHA-256 of each ``length``-byte slice of ``data`` (len(data) a multiple of length)."""
    if length <= 0 or len(data) % length:
        raise ValueError("data length must be a positive multiple of length")
    n = len(data) // length
    if n == 0:
        return []
    buf = np.frombuffer(data + b"\0" * 8, dtype=np.uint8)
    out = np.zeros(32 * n, dtype=np.uint8)
    _load().cpu_sha256_fixed(_ptr(buf), length, n, _ptr(out), _workers(workers))
    return _split(out, n)


def leaf_hashes(leaves: bytes, length: int, workers: int | None = None) -> list[bytes]:
    """RFC 6962 leaf hashes SHA-256(0x00 || leaf) of the ``length``-byte leaves packed in ``leaves``."""
    if length < 0 or (length == 0 and leaves) or (length and len(leaves) % length):
        raise ValueError("leaves must be a whole number of length-byte leaves")
    n = len(leaves) // length if length else 0
    if n == 0:
        return []
    buf = np.frombuffer(leaves + b"\0" * 8, dtype=np.uint8)
    out = np.zeros(32 * n, dtype=np.uint8)
    _load().cpu_merkle_leaf_hashes(_ptr(buf), length, n, _ptr(out), _workers(workers))
    return _split(out, n)


def merkle_level(nodes: bytes, workers: int | None = None) -> bytes:
    """One level up: SHA-256(0x01 || l || r) per pair; an odd last node is carried up unchanged."""
    if len(nodes) % 32:
        raise ValueError("nodes must be a whole number of 32-byte hashes")
    n = len(nodes) // 32
    if n <= 1:
        return bytes(nodes)
    buf = np.frombuffer(bytes(nodes), dtype=np.uint8)
    m = (n + 1) // 2
    out = np.zeros(32 * m, dtype=np.uint8)
    _load().cpu_merkle_level(_ptr(buf), n, _ptr(out), _workers(workers))
    return out.tobytes()


def sc_reduce512(x: bytes) -> bytes:
    """Test hook: the kernel's reduction of a 64-byte little-endian integer mod L (32 bytes)."""
    if len(x) != 64:
        raise ValueError("need 64 bytes")
    inp = np.frombuffer(x, dtype=np.uint64).copy()
    out = np.zeros(4, dtype=np.uint64)
    _load().cpu_sc_reduce512(_ptr(inp), _ptr(out))
    return out.tobytes()
