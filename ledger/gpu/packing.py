"""Pack Python byte sequences into the flat arrays the kernels take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]


@dataclass
class PackedBatch:
    """A verification batch: messages (fixed stride or offsets), signatures, keys, validity."""

    n: int
    msgs: U8
    offsets: U64 | None  # None when every message has length ``mlen``
    mlen: int
    sigs: U8  # n*64
    pks: U8  # n*32
    shape_ok: npt.NDArray[np.bool_]  # False where the signature or key had the wrong length


def pack_payloads(payloads: Sequence[bytes]) -> tuple[U8, U64]:
    """Concatenate payloads; offsets has n+1 entries (payload i = data[off[i]:off[i+1]])."""
    n = len(payloads)
    offsets = np.zeros(n + 1, dtype=np.uint64)
    if n:
        np.cumsum(np.fromiter(map(len, payloads), dtype=np.uint64, count=n), out=offsets[1:])
    data = np.frombuffer(b"".join(payloads) + b"\0" * 8, dtype=np.uint8)
    return data, offsets


def _fixed(items: Sequence[bytes], size: int) -> tuple[U8, npt.NDArray[np.bool_]]:
    lens = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    ok = lens == size
    if ok.all():
        joined = b"".join(items)
    else:
        zero = b"\0" * size
        joined = b"".join(x if len(x) == size else zero for x in items)
    return np.frombuffer(joined, dtype=np.uint8), ok


def pack_batch(messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]) -> PackedBatch:
    """Pack a verification batch. Raises ValueError if the three lengths differ."""
    n = len(messages)
    if not (n == len(signatures) == len(public_keys)):
        raise ValueError("messages, signatures and public_keys differ in length")
    sigs, ok_s = _fixed(signatures, 64)
    pks, ok_p = _fixed(public_keys, 32)
    mlen = len(messages[0]) if n else 0
    offsets: U64 | None
    if len(set(map(len, messages))) <= 1:
        msgs = np.frombuffer(b"".join(messages) + b"\0" * 8, dtype=np.uint8)
        offsets = None
    else:
        msgs, offsets = pack_payloads(messages)
        mlen = 0
    return PackedBatch(n, msgs, offsets, mlen, sigs, pks, ok_s & ok_p)
