"""The keyed CPU backend: the signature rule, natively, with a precomputed table per public key.

``kernels/ed25519_keyed_cpu.cpp`` runs the kernel's checks in the kernel's order (S canonical; R,
then A, canonical and not of small order; A on the curve; k = SHA-512(R || A || M) mod L) and
compares the encoding of [S]B - [k]A with R, as libsodium does. It computes that point from a
60 KiB table of multiples of -A, built once per key, and a like table for B: a check takes about a
third of libsodium's time. It suits verifiers that see the same few keys again and again (a
client checking reports: a handful of member banks sign every entry).

The library is compiled on first use with the kernels' CPU build (``ledger.gpu.cpu_build``) and
cached; ``KeyedBackend.available()`` is False where no C++ compiler is found, and callers then use
``CpuBackend`` (libsodium), which gives the same verdicts. Batches run on a small thread pool: each
chunk is one ctypes call, which holds no GIL while it runs.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ledger.gpu import cpu_build
from ledger.verify.base import BoolMask, sha256_each, waiter
from ledger.verify.cpu import verify_one

log = logging.getLogger(__name__)

SOURCE = "ed25519_keyed_cpu.cpp"
_MIN_CHUNK = 8  # ~14 us per signature: a thread hand-off is worth it from about here
_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


def _load() -> ctypes.CDLL:
    """The compiled library, initialised (B's table built). Raises cpu_build.KernelBuildError or
    sources.KernelSourceError (no compiler, no sources), OSError (it does not load)."""
    global _lib
    with _lib_lock:
        if _lib is None:
            lib = ctypes.CDLL(str(cpu_build.build(SOURCE)))
            vp = ctypes.c_void_p
            lib.cl51_table_bytes.argtypes, lib.cl51_table_bytes.restype = [], ctypes.c_ulong
            lib.cl51_init.argtypes, lib.cl51_init.restype = [], None
            lib.cl51_key_table.argtypes, lib.cl51_key_table.restype = [vp, vp], ctypes.c_int
            lib.cl51_verify.argtypes = [ctypes.c_uint32, vp, vp, vp, vp, vp, vp]
            lib.cl51_verify.restype = None
            lib.cl51_init()
            _lib = lib
        return _lib


class KeyedBackend:
    """``VerifyBackend`` with libsodium's verdicts, from per-key tables (name ``keyed``).

    ``workers`` threads (default: the cores) share a batch. The tables of the ``max_keys`` most
    recently used keys are kept (60 KiB each); a key's table costs about seven signature checks to
    build, and a batch with more distinct keys checks the rarest ones with libsodium. Thread-safe.
    """

    name = "keyed"

    def __init__(self, workers: int | None = None, max_keys: int = 256) -> None:
        self._lib = _load()
        self._table_bytes = int(self._lib.cl51_table_bytes())
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_keys = max(1, max_keys)
        self._tables: OrderedDict[bytes, ctypes.Array[ctypes.c_char] | None] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="keyed-verify")

    @staticmethod
    def available() -> bool:
        """True when the native library builds (or is cached) and loads here."""
        try:
            _load()
        except (RuntimeError, OSError) as exc:  # KernelBuildError, KernelSourceError; a failed dlopen
            log.info("keyed verifier unavailable, using libsodium: %s", exc)
            return False
        return True

    def _tables_for(self, keys: Iterable[bytes]) -> dict[bytes, ctypes.Array[ctypes.c_char] | None]:
        """Each given key's table (None for a key the rule refuses), built where missing. A batch
        holds these objects, so a table evicted meanwhile stays alive until the batch is done."""
        out: dict[bytes, ctypes.Array[ctypes.c_char] | None] = {}
        with self._lock:
            for pk in keys:
                if pk in self._tables:
                    self._tables.move_to_end(pk)
                    t = self._tables[pk]
                else:
                    t = ctypes.create_string_buffer(self._table_bytes)
                    if not self._lib.cl51_key_table(pk, t):
                        t = None
                    self._tables[pk] = t
                    while len(self._tables) > self.max_keys:
                        self._tables.popitem(last=False)
                out[pk] = t
        return out

    def _run(self, out: BoolMask, idx: list[int], msgs: Sequence[bytes], sigs: Sequence[bytes],
             pks: Sequence[bytes], tables: dict[bytes, ctypes.Array[ctypes.c_char] | None]) -> None:
        n = len(idx)
        lens = np.fromiter((len(msgs[i]) for i in idx), dtype=np.uint64, count=n)
        offsets = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(lens, out=offsets[1:])
        addrs = (ctypes.c_void_p * n)(*[None if (t := tables[pks[i]]) is None else ctypes.addressof(t) for i in idx])
        verdicts = np.zeros(n, dtype=np.uint8)
        self._lib.cl51_verify(
            n, b"".join([msgs[i] for i in idx]), offsets.ctypes.data, b"".join([sigs[i] for i in idx]),
            b"".join([pks[i] for i in idx]), addrs, verdicts.ctypes.data,
        )
        out[idx] = verdicts != 0

    @staticmethod
    def _run_libsodium(out: BoolMask, idx: list[int], msgs: Sequence[bytes], sigs: Sequence[bytes],
                       pks: Sequence[bytes]) -> None:
        for i in idx:
            out[i] = verify_one(msgs[i], sigs[i], pks[i])

    def start_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> Callable[[], BoolMask]:
        """Start ``verify_batch`` on the worker threads and return at once; the returned callable
        waits for and returns the mask.

        Raises ValueError at once on mismatched lengths. The sequences must not change until the
        mask is returned.
        """
        return self._batch(messages, signatures, public_keys, here=False)

    def verify_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> BoolMask:
        """As ``VerifyBackend.verify_batch``; the calling thread verifies one share itself."""
        return self._batch(messages, signatures, public_keys, here=True)()

    def _batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes], here: bool
    ) -> Callable[[], BoolMask]:
        n = len(messages)
        if not (n == len(signatures) == len(public_keys)):
            raise ValueError("messages, signatures and public_keys differ in length")
        out = np.zeros(n, dtype=np.bool_)
        idx = [i for i in range(n) if len(signatures[i]) == 64 and len(public_keys[i]) == 32]
        if not idx:
            return lambda: out
        pks = [bytes(k) for k in public_keys]
        # A batch never builds more than max_keys tables (60 KiB and ~90 us each): the keys signing
        # the fewest of its items beyond that are checked by libsodium, with the same verdicts.
        counts = Counter(pks[i] for i in idx)
        tabled = {k for k, _ in counts.most_common(self.max_keys)}
        rest = [i for i in idx if pks[i] not in tabled] if len(counts) > self.max_keys else []
        if rest:
            idx = [i for i in idx if pks[i] in tabled]
        tables = self._tables_for(tabled)
        step = max(_MIN_CHUNK, -(-len(idx) // self.workers))
        chunks = [idx[lo : lo + step] for lo in range(0, len(idx), step)]
        mine = chunks.pop(0) if here and chunks else None
        futs: list[Future[None]] = [
            self._pool.submit(self._run, out, c, messages, signatures, pks, tables) for c in chunks
        ]
        if rest:
            futs.append(self._pool.submit(self._run_libsodium, out, rest, messages, signatures, pks))
        if mine is not None:
            self._run(out, mine, messages, signatures, pks, tables)
        return waiter(futs, out)

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        return sha256_each(payloads)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
