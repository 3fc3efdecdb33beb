"""The CPU verification backend: libsodium (through PyNaCl's bindings) on a thread pool.

libsodium's ``crypto_sign_verify_detached`` is the reference implementation of the signature rule;
every other backend is tested against it. cffi releases the GIL during each call, so the pool's
threads verify in parallel.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from nacl._sodium import ffi, lib

from ledger.verify.base import BoolMask

_MIN_CHUNK = 16  # below this a thread hand-off costs more than it saves (~40 us per signature)


def verify_one(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """libsodium's verdict for one signature; wrong lengths are False."""
    out = np.zeros(1, dtype=np.bool_)
    _verify_range(out, 0, 1, [message], [signature], [public_key])
    return bool(out[0])


def _verify_range(
    out: BoolMask, lo: int, hi: int, msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes]
) -> None:
    # PyNaCl exports crypto_sign_open (signature || message) but not the detached verify; both run
    # the same libsodium check. One scratch buffer per call keeps allocation off the loop.
    fn = lib.crypto_sign_open
    cap = max((len(msgs[i]) for i in range(lo, hi)), default=0) + 64
    scratch = ffi.new("unsigned char[]", cap)
    mlen = ffi.new("unsigned long long *")
    for i in range(lo, hi):
        s, p, m = sigs[i], pks[i], msgs[i]
        out[i] = len(s) == 64 and len(p) == 32 and fn(scratch, mlen, s + m, len(m) + 64, p) == 0


class CpuBackend:
    """Batch verification on ``workers`` threads (default: all cores)."""

    name = "cpu"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="verify")
        ffi.new("char[]", 1)  # load the library before threads race to it

    def verify_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> BoolMask:
        n = len(messages)
        if not (n == len(signatures) == len(public_keys)):
            raise ValueError("messages, signatures and public_keys differ in length")
        out = np.zeros(n, dtype=np.bool_)
        if n <= _MIN_CHUNK or self.workers == 1:
            _verify_range(out, 0, n, messages, signatures, public_keys)
            return out
        step = max(_MIN_CHUNK, -(-n // self.workers))
        futs = [
            self._pool.submit(_verify_range, out, lo, min(n, lo + step), messages, signatures, public_keys)
            for lo in range(0, n, step)
        ]
        for f in futs:
            f.result()
        return out

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        sha = hashlib.sha256
        return [sha(p).digest() for p in payloads]

    def close(self) -> None:
        self._pool.shutdown(wait=True)
