"""The GPU verification backend: the CUDA kernels in ``kernels/`` compiled with NVRTC via CuPy.

cupy is imported only inside methods (never at module import). The module compiles on first use
and is cached per process. Large batches are split into chunks; two CUDA streams with pinned host
buffers alternate, so chunk i+1 is packed and copied while chunk i verifies.

If the device fails (any exception from cupy/CUDA during a batch), the backend logs an error,
switches permanently to its CPU fallback, and re-verifies the whole batch there: no record is
dropped and verdicts are unchanged (all backends implement the same rule).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ledger.gpu import sources
from ledger.gpu.packing import U8, PackedBatch, pack_batch, pack_payloads
from ledger.verify.base import BoolMask, VerifyBackend

log = logging.getLogger(__name__)

NVRTC_OPTIONS: tuple[str, ...] = ("-std=c++17",)
DEFAULT_CHUNK = 1 << 18
VERIFY_BLOCK = 128
HASH_BLOCK = 256

_modules: dict[str, Any] = {}
_modules_lock = threading.Lock()


def _module(name: str, defines: tuple[str, ...] = ()) -> Any:
    """Compile (once per process) and return the cupy RawModule for kernels/<name>."""
    import cupy

    key = name + "|" + "|".join(defines)
    with _modules_lock:
        mod = _modules.get(key)
        if mod is None:
            code = sources.assemble(name)
            mod = cupy.RawModule(code=code, options=NVRTC_OPTIONS + defines)
            _modules[key] = mod
        return mod


def _default_fallback() -> VerifyBackend:
    try:
        from ledger.verify.cpu import CpuBackend

        return CpuBackend()
    except ImportError:  # pragma: no cover - the libsodium backend ships with the package
        from ledger.gpu.kernel_backend import KernelCpuBackend

        return KernelCpuBackend()


class _Slot:
    """Pinned host buffers, device buffers and a stream for one in-flight chunk."""

    def __init__(self, cupy: Any) -> None:
        self.cp = cupy
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self.event: Any = None
        self.host: dict[str, np.ndarray[Any, np.dtype[Any]]] = {}
        self.dev: dict[str, Any] = {}
        self.pending: tuple[int, int, Any] | None = None  # (lo, hi, shape_ok) awaiting copy-out

    def host_buf(self, key: str, nbytes: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
        buf = self.host.get(key)
        if buf is None or buf.nbytes < nbytes:
            mem = self.cp.cuda.alloc_pinned_memory(max(nbytes, 1 << 16) * 2)
            buf = np.frombuffer(mem, dtype=np.uint8, count=max(nbytes, 1 << 16) * 2)
            self.host[key] = buf
        return buf

    def dev_buf(self, key: str, nbytes: int) -> Any:
        buf = self.dev.get(key)
        if buf is None or buf.nbytes < nbytes:
            buf = self.cp.empty(max(nbytes, 1 << 16) * 2, dtype=self.cp.uint8)
            self.dev[key] = buf
        return buf


class GpuBackend:
    """Ed25519 batch verification and SHA-256 hashing on a CUDA device (VerifyBackend)."""

    name = "gpu"

    def __init__(self, fallback: VerifyBackend | None = None, *, chunk: int = DEFAULT_CHUNK, device: int = 0) -> None:
        self._fallback = fallback
        self.chunk = max(1, chunk)
        self.device = device
        self._slots: list[_Slot] = []
        self._broken = False
        self.fallbacks = 0  # device failures so far (0 or 1: the switch to the CPU is permanent)
        self._lock = threading.Lock()
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def fallback(self) -> VerifyBackend:
        if self._fallback is None:
            self._fallback = _default_fallback()
        return self._fallback

    def _ensure(self) -> Any:
        import cupy

        cupy.cuda.Device(self.device).use()
        if not self._slots:
            self._slots = [_Slot(cupy), _Slot(cupy)]
        return cupy

    @property
    def active(self) -> str:
        """The backend that verifies now: ``gpu``, or the fallback's name once the device failed."""
        return str(getattr(self.fallback, "name", "cpu")) if self._broken else self.name

    def _fail(self, what: str, exc: BaseException) -> None:
        if not self._broken:
            self.fallbacks += 1
        self._broken = True
        log.error(
            "GPU %s failed (%s: %s); switching to CPU fallback %r for this and all later batches",
            what,
            type(exc).__name__,
            exc,
            getattr(self.fallback, "name", type(self.fallback).__name__),
        )

    def device_memory_bytes(self) -> int:
        """Bytes held by cupy's default device memory pool (0 when cupy was never used)."""
        if not self._slots:
            return 0
        try:
            import cupy

            return int(cupy.get_default_memory_pool().total_bytes())
        except Exception:
            return 0

    def verify_kernels(self) -> tuple[Any, Any]:
        """(ed25519_verify, ed25519_verify_fixed) cupy RawKernels (compiled on first call)."""
        mod = _module("ed25519_verify.cu")
        return mod.get_function("ed25519_verify"), mod.get_function("ed25519_verify_fixed")

    def hash_kernels(self) -> tuple[Any, Any]:
        """(sha256_batch, sha256_fixed) cupy RawKernels."""
        mod = _module("sha256_batch.cu")
        return mod.get_function("sha256_batch"), mod.get_function("sha256_fixed")

    def merkle_kernels(self) -> tuple[Any, Any]:
        """(merkle_leaf_hashes, merkle_level) cupy RawKernels."""
        mod = _module("merkle_level.cu")
        return mod.get_function("merkle_leaf_hashes"), mod.get_function("merkle_level")

    # -- VerifyBackend -------------------------------------------------------------------------
    def verify_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> BoolMask:
        n = len(messages)
        if not (n == len(signatures) == len(public_keys)):
            raise ValueError("messages, signatures and public_keys differ in length")
        if n == 0:
            return np.zeros(0, dtype=np.bool_)
        with self._lock:
            if not self._broken:
                try:
                    return self._verify_gpu(
                        n, lambda lo, hi: pack_batch(messages[lo:hi], signatures[lo:hi], public_keys[lo:hi])
                    )
                except Exception as exc:
                    self._fail("verify_batch", exc)
        return self.fallback.verify_batch(messages, signatures, public_keys)

    def verify_packed(self, msgs: U8, sigs: U8, pks: U8) -> BoolMask:
        """Verify pre-packed fixed-length inputs without building Python lists.

        ``msgs`` is a C-contiguous uint8 array of shape (n, mlen), ``sigs`` (n, 64), ``pks``
        (n, 32). Same verdicts and the same device-failure fallback as :meth:`verify_batch`.
        """
        n = int(msgs.shape[0])
        if msgs.ndim != 2 or sigs.shape != (n, 64) or pks.shape != (n, 32):
            raise ValueError("verify_packed wants msgs (n, mlen), sigs (n, 64), pks (n, 32) uint8 arrays")
        if n == 0:
            return np.zeros(0, dtype=np.bool_)
        m2 = np.ascontiguousarray(msgs, dtype=np.uint8)
        s2 = np.ascontiguousarray(sigs, dtype=np.uint8)
        p2 = np.ascontiguousarray(pks, dtype=np.uint8)
        mlen = int(m2.shape[1])
        ok = np.ones(n, dtype=np.bool_)

        def chunk(lo: int, hi: int) -> PackedBatch:
            return PackedBatch(
                hi - lo, m2[lo:hi].reshape(-1), None, mlen, s2[lo:hi].reshape(-1), p2[lo:hi].reshape(-1), ok[lo:hi]
            )

        with self._lock:
            if not self._broken:
                try:
                    return self._verify_gpu(n, chunk)
                except Exception as exc:
                    self._fail("verify_packed", exc)
        return self.fallback.verify_batch([bytes(r) for r in m2], [bytes(r) for r in s2], [bytes(r) for r in p2])

    def _verify_gpu(self, n: int, get_chunk: Callable[[int, int], PackedBatch]) -> BoolMask:
        cp = self._ensure()
        k_var, k_fixed = self.verify_kernels()
        result = np.zeros(n, dtype=np.bool_)

        def drain(slot: _Slot) -> None:
            if slot.pending is None:
                return
            slot.event.synchronize()
            lo, hi, ok = slot.pending
            verdict = slot.host_buf("out", hi - lo)[: hi - lo]
            result[lo:hi] = (verdict != 0) & ok
            slot.pending = None

        for c, lo in enumerate(range(0, n, self.chunk)):
            hi = min(n, lo + self.chunk)
            slot = self._slots[c % 2]
            drain(slot)  # the chunk that used this slot two steps ago
            b = get_chunk(lo, hi)
            m = hi - lo
            arrays = {"msgs": b.msgs, "sigs": b.sigs, "pks": b.pks}
            if b.offsets is not None:
                arrays["offs"] = b.offsets.view(np.uint8)
            dev: dict[str, Any] = {}
            with slot.stream:
                for key, arr in arrays.items():
                    hb = slot.host_buf(key, arr.nbytes)
                    hb[: arr.nbytes] = arr
                    db = slot.dev_buf(key, arr.nbytes)
                    db[: arr.nbytes].set(hb[: arr.nbytes], stream=slot.stream)
                    dev[key] = db
                d_out = slot.dev_buf("out", m)
                grid = ((m + VERIFY_BLOCK - 1) // VERIFY_BLOCK,)
                if b.offsets is None:
                    k_fixed(
                        grid,
                        (VERIFY_BLOCK,),
                        (dev["msgs"], np.uint32(b.mlen), dev["sigs"], dev["pks"], np.uint32(m), d_out),
                        stream=slot.stream,
                    )
                else:
                    k_var(
                        grid,
                        (VERIFY_BLOCK,),
                        (dev["msgs"], dev["offs"], dev["sigs"], dev["pks"], np.uint32(m), d_out),
                        stream=slot.stream,
                    )
                h_out = slot.host_buf("out", m)
                d_out[:m].get(stream=slot.stream, out=h_out[:m])
                slot.event = slot.stream.record()
            slot.pending = (lo, hi, b.shape_ok)
        for slot in self._slots:
            drain(slot)
        cp.cuda.Device(self.device).synchronize()
        return result

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        if not payloads:
            return []
        with self._lock:
            if not self._broken:
                try:
                    return self._hash_gpu(payloads)
                except Exception as exc:
                    self._fail("hash_batch", exc)
        return self.fallback.hash_batch(payloads)

    def _hash_gpu(self, payloads: Sequence[bytes]) -> list[bytes]:
        cp = self._ensure()
        k_batch, _ = self.hash_kernels()
        n = len(payloads)
        data, offsets = pack_payloads(payloads)
        d_data = cp.asarray(data)
        d_offs = cp.asarray(offsets)
        d_out = cp.empty(32 * n, dtype=cp.uint8)
        k_batch(((n + HASH_BLOCK - 1) // HASH_BLOCK,), (HASH_BLOCK,), (d_data, d_offs, np.uint32(n), d_out))
        raw = cp.asnumpy(d_out).tobytes()
        return [raw[32 * i : 32 * i + 32] for i in range(n)]

    def merkle_level(self, nodes: bytes) -> bytes:
        """One Merkle level on the device (see kernels/merkle_level.cu for the exact contract)."""
        if len(nodes) % 32:
            raise ValueError("nodes must be a whole number of 32-byte hashes")
        n = len(nodes) // 32
        if n <= 1:
            return bytes(nodes)
        cp = self._ensure()
        _, k_level = self.merkle_kernels()
        d_in = cp.asarray(np.frombuffer(bytes(nodes), dtype=np.uint8))
        m = (n + 1) // 2
        d_out = cp.empty(32 * m, dtype=cp.uint8)
        k_level(((m + HASH_BLOCK - 1) // HASH_BLOCK,), (HASH_BLOCK,), (d_in, np.uint32(n), d_out))
        return bytes(cp.asnumpy(d_out).tobytes())

    def leaf_hashes(self, leaves: bytes, length: int) -> list[bytes]:
        """SHA-256(0x00 || leaf) for the ``length``-byte leaves packed in ``leaves``."""
        if length <= 0 or len(leaves) % length:
            raise ValueError("leaves must be a whole number of length-byte leaves")
        n = len(leaves) // length
        if n == 0:
            return []
        cp = self._ensure()
        k_leaf, _ = self.merkle_kernels()
        d_in = cp.asarray(np.frombuffer(leaves + b"\0" * 8, dtype=np.uint8))
        d_out = cp.empty(32 * n, dtype=cp.uint8)
        k_leaf(((n + HASH_BLOCK - 1) // HASH_BLOCK,), (HASH_BLOCK,), (d_in, np.uint32(length), np.uint32(n), d_out))
        raw = cp.asnumpy(d_out).tobytes()
        return [raw[32 * i : 32 * i + 32] for i in range(n)]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for s in self._slots:
                if s.event is not None:
                    with contextlib.suppress(Exception):
                        s.event.synchronize()
            self._slots = []
            if self._fallback is not None:
                self._fallback.close()
