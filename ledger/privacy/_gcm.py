"""AES-256-GCM with per-key state cached, built on pycryptodome (internal to ledger.privacy).

Why: pycryptodome's ``AES.new(key, MODE_GCM, nonce=...)`` object is one-shot and re-expands the
AES key three times and the GHASH key once per message (~40 µs each way). The ledger seals and
opens many short payloads, so this module keeps, per key, one reusable AES-ECB object (stateless)
and the expanded GHASH key, and computes standard GCM (NIST SP 800-38D, 96-bit nonce, 128-bit tag)
from them: the counter blocks J0, J0+1, ... are encrypted in one ECB call, GHASH runs in one C call.

The AES key schedule, GHASH and ECB entry points are pycryptodome's private C bindings (``AES``,
``_mode_gcm``, ``_mode_ecb``), called directly. At import, the fast path is checked against the
public ``AES.new(..., MODE_GCM)`` on several lengths; if the private names are missing or the
outputs differ, every call uses the public API instead (correct, just slower). The wire format is
plain GCM either way: ``ciphertext || tag``.

Thread-safe: cached state is read-only after construction; each call uses its own buffers.
"""

from __future__ import annotations

import hmac
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from itertools import chain, repeat
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
from Crypto.Cipher import AES

NONCE_LEN: Final = 12
TAG_LEN: Final = 16
KEY_LEN: Final = 32
_MAX_BLOCKS: Final = 2**32 - 2  # the 32-bit block counter must not wrap
_MAX_CT_AND_TAG: Final = 16 * _MAX_BLOCKS + TAG_LEN

try:  # private pycryptodome internals; see the module docstring
    from Crypto.Cipher import AES as _AES_MOD
    from Crypto.Cipher import _mode_gcm
    from Crypto.Cipher._mode_ecb import raw_ecb_lib as _ECB_C
    from Crypto.Util._raw_api import c_size_t, create_string_buffer, ffi, get_raw_buffer

    _GHASH_C: Any = _mode_gcm._ghash_clmul or _mode_gcm._ghash_portable
    # The AES key schedule pycryptodome itself would pick (AES-NI where the CPU has it).
    _AES_START: Any
    _AES_STOP: Any
    _AES_START, _AES_STOP = _AES_MOD._raw_aes_hw or (
        _AES_MOD._raw_aes_lib.AES_start_operation, _AES_MOD._raw_aes_lib.AES_stop_operation
    )
except (ImportError, AttributeError):  # pragma: no cover - depends on the installed pycryptodome
    _GHASH_C = None

_CTR: Final = [i.to_bytes(4, "big") for i in range(1, 4098)]  # counters for payloads up to 64 KiB
# For short messages (<= 1 KiB), the counter blocks J0, J0+1, ... as one int with a zero nonce:
# OR-ing in the nonce repeated is faster than joining 16-byte pieces.
_SHORT: Final = 65
_CTR_TEMPLATE: Final = [
    int.from_bytes(b"".join(b"\x00" * 12 + c for c in _CTR[: n + 1]), "big") for n in range(_SHORT)
]


# Up to this many items, one ``seal``/``open`` each is cheaper than the batch path's fixed numpy
# cost (one short payload: ~27 µs against ~4 µs; 400-byte payloads: about even at eight to ten).
_FEW: Final = 8
_ZERO_PAD: Final = [b"\x00" * i for i in range(16)]
_ZERO_BLOCK: Final = b"\x00" * 16
_Ints = npt.NDArray[np.int64]
_Bytes = npt.NDArray[np.uint8]


class TagMismatch(Exception):
    """The tag does not authenticate the ciphertext and AAD under this key and nonce."""


def _xor(a: bytes, b: bytes) -> bytes:
    n = len(a)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b[:n], "big")).to_bytes(n, "big")


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 16)


def _expand(key: bytes) -> tuple[Any, Any]:
    """The AES-ECB state and the expanded GHASH key (H = E(0^128)) of a 32-byte ``key``.

    Both are C objects freed (by pycryptodome's own destructors) when the last reference goes.
    The same four C calls ``AES.new(key, MODE_ECB)`` and ``_GHASH(H)`` make, without their Python
    layers: a borrower's key is expanded once per cache miss, i.e. once per record in a monthly
    update cycle over more borrowers than the caches hold.
    """
    aes = ffi.new("void *[1]")
    if _AES_START(key, c_size_t(KEY_LEN), aes):
        raise ValueError("AES key expansion failed")
    ecb = ffi.new("void *[1]")
    if _ECB_C.ECB_start_operation(aes[0], ecb):
        _AES_STOP(aes[0])
        raise ValueError("AES-ECB start failed")
    state = ffi.gc(ecb[0], _ECB_C.ECB_stop_operation)  # the ECB state owns the AES state
    h = ffi.new("uint8_t[16]")
    exp = ffi.new("void *[1]")
    if _ECB_C.ECB_encrypt(state, _ZERO_BLOCK, h, 16) or _GHASH_C.ghash_expand(h, exp):
        raise ValueError("GHASH key expansion failed")
    return state, ffi.gc(exp[0], _GHASH_C.ghash_destroy)


class GcmKey:
    """One AES-256 key, ready for any number of GCM seal/open calls (each with a fresh nonce)."""

    __slots__ = ("_ecb_state", "_exp", "_fast", "_key")

    def __init__(self, key: bytes, *, fast: bool | None = None) -> None:
        if len(key) != KEY_LEN:
            raise ValueError(f"AES-256 key must be {KEY_LEN} bytes, got {len(key)}")
        self._key = bytes(key)
        self._fast = _FAST if fast is None else (fast and _GHASH_C is not None)
        if self._fast:
            self._ecb_state, self._exp = _expand(self._key)

    def __repr__(self) -> str:
        return "GcmKey(<secret>)"

    def _tag_and_stream(self, nonce: bytes, aad: bytes, ct_len: int) -> tuple[bytes, bytes]:
        nblocks = (ct_len + 15) // 16
        if nblocks > _MAX_BLOCKS:
            raise ValueError("message too long for GCM")
        size = 16 * (nblocks + 1)
        if nblocks < _SHORT:
            reps = int.from_bytes((nonce + b"\x00\x00\x00\x00") * (nblocks + 1), "big")
            blocks = (reps | _CTR_TEMPLATE[nblocks]).to_bytes(size, "big")
        elif nblocks < len(_CTR):
            blocks = b"".join([nonce + c for c in _CTR[: nblocks + 1]])
        else:
            blocks = b"".join([nonce + i.to_bytes(4, "big") for i in range(1, nblocks + 2)])
        out = create_string_buffer(size)
        if _ECB_C.ECB_encrypt(self._ecb_state, blocks, out, c_size_t(size)):
            raise ValueError("AES-ECB failed")
        ks: bytes = get_raw_buffer(out)
        return ks[:16], ks[16 : 16 + ct_len]

    def _ghash_tag(self, mask: bytes, aad: bytes, ct: bytes) -> bytes:
        data = _pad(aad) + _pad(ct) + struct.pack(">QQ", 8 * len(aad), 8 * len(ct))
        y = create_string_buffer(16)
        if _GHASH_C.ghash(y, data, c_size_t(len(data)), y, self._exp):
            raise ValueError("GHASH failed")
        return _xor(get_raw_buffer(y), mask)

    def seal(self, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
        """``ciphertext || tag`` of ``plaintext`` under this key, ``nonce`` (12 bytes) and ``aad``."""
        if len(nonce) != NONCE_LEN:
            raise ValueError(f"nonce must be {NONCE_LEN} bytes")
        if not self._fast:
            c = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_LEN)
            c.update(aad)
            ct, tag = c.encrypt_and_digest(plaintext)
            return bytes(ct) + bytes(tag)
        mask, stream = self._tag_and_stream(nonce, aad, len(plaintext))
        ct = _xor(plaintext, stream) if plaintext else b""
        return ct + self._ghash_tag(mask, aad, ct)

    def open(self, nonce: bytes, aad: bytes, ct_and_tag: bytes) -> bytes:
        """The plaintext of ``ct_and_tag``; raises TagMismatch if anything was altered."""
        if len(nonce) != NONCE_LEN or len(ct_and_tag) < TAG_LEN:
            raise TagMismatch("malformed ciphertext")
        ct, tag = ct_and_tag[:-TAG_LEN], ct_and_tag[-TAG_LEN:]
        if not self._fast:
            c = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_LEN)
            c.update(aad)
            try:
                return bytes(c.decrypt_and_verify(ct, tag))
            except ValueError:
                raise TagMismatch("authentication failed") from None
        mask, stream = self._tag_and_stream(nonce, aad, len(ct))
        if not hmac.compare_digest(self._ghash_tag(mask, aad, ct), tag):
            raise TagMismatch("authentication failed")
        return _xor(ct, stream) if ct else b""


def _keystreams(keys: Sequence[GcmKey], nonces: bytes, lens: _Ints) -> tuple[_Bytes, _Ints, list[int]]:
    """Per item, E(J0) then its keystream (``lens[i]`` bytes rounded up to 16), end to end, from one
    buffer of counter blocks and one AES-ECB call per item; also each item's first block and byte offset.
    """
    n = len(keys)
    blocks = ((lens + 15) >> 4) + 1  # J0, then one counter block per 16 bytes of text
    if int(blocks.max()) - 1 > _MAX_BLOCKS:
        raise ValueError("message too long for GCM")
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(blocks[:-1], out=starts[1:])
    total = int(starts[-1] + blocks[-1])
    # Counter blocks: nonce || 1 (J0), nonce || 2, ... for each item, one after the other.
    ctr = np.empty((total, 4), dtype=">u4")
    ctr[:, :3] = np.repeat(np.frombuffer(nonces, dtype=">u4").reshape(n, 3), blocks, axis=0)
    ctr[:, 3] = np.arange(1, total + 1, dtype=np.int64) - np.repeat(starts, blocks)
    stream = np.empty(16 * total, dtype=np.uint8)
    src, dst = ffi.from_buffer("uint8_t[]", ctr), ffi.from_buffer("uint8_t[]", stream)
    encrypt = _ECB_C.ECB_encrypt
    offsets, sizes = (starts * 16).tolist(), (blocks * 16).tolist()
    for k, o, size in zip(keys, offsets, sizes, strict=True):
        if encrypt(k._ecb_state, src + o, dst + o, size):
            raise ValueError("AES-ECB failed")
    return stream, starts, offsets


def _xor_laid(texts: Sequence[bytes], lens: _Ints, stream: _Bytes) -> bytes:
    """``texts`` laid out like ``stream`` (a zero block where J0 is, each zero-padded to 16) XOR
    ``stream``: every ciphertext (or plaintext), and E(J0) (the tag mask) where the zero blocks were.
    """
    zp = _ZERO_PAD
    pads = [zp[x] for x in (-lens & 15).tolist()]
    laid = b"".join(chain.from_iterable(zip(repeat(_ZERO_BLOCK), texts, pads, strict=False)))
    return (np.frombuffer(laid, dtype=np.uint64) ^ stream.view(np.uint64)).tobytes()


def _ghash_many(keys: Sequence[GcmKey], aads: Sequence[bytes], cts: Sequence[bytes], lens: _Ints) -> _Bytes:
    """GHASH of (aad, ct) per item under its key, as an (n, 16) uint8 array; one C call per item."""
    n = len(keys)
    zp = _ZERO_PAD
    # GHASH input of item i: aad || pad || ct || pad || len(aad) || len(ct) (bits), all items in one buffer.
    alens = np.fromiter(map(len, aads), dtype=np.int64, count=n)
    lengths = np.empty((n, 2), dtype=">u8")
    lengths[:, 0], lengths[:, 1] = alens * 8, lens * 8
    lb = lengths.tobytes()
    aad_pads = [zp[x] for x in (-alens & 15).tolist()]
    ct_pads = [zp[x] for x in (-lens & 15).tolist()]
    len_blocks = [lb[16 * i : 16 * i + 16] for i in range(n)]
    ghash_in = b"".join(chain.from_iterable(zip(aads, aad_pads, cts, ct_pads, len_blocks, strict=True)))
    glens = alens + (-alens & 15) + lens + (-lens & 15) + 16
    gstarts = np.zeros(n, dtype=np.int64)
    np.cumsum(glens[:-1], out=gstarts[1:])
    ys = np.empty(16 * n, dtype=np.uint8)
    gsrc, ydst = ffi.from_buffer("uint8_t[]", ghash_in), ffi.from_buffer("uint8_t[]", ys)
    ghash = _GHASH_C.ghash
    for i, (k, o, size) in enumerate(zip(keys, gstarts.tolist(), glens.tolist(), strict=True)):
        if ghash(ydst + 16 * i, gsrc + o, size, _ZERO_BLOCK, k._exp):
            raise ValueError("GHASH failed")
    return ys.reshape(n, 16)


def seal_many(
    keys: Sequence[GcmKey], nonces: bytes, aads: Sequence[bytes], plaintexts: Sequence[bytes]
) -> list[bytes]:
    """``[keys[i].seal(nonce i, aads[i], plaintexts[i]) ...]`` where nonce i is ``nonces[12i:12i+12]``.

    Same bytes as one ``seal`` per item, with less Python per item: the counter blocks of all items
    are built, and their keystreams XORed, in a few numpy operations over one buffer; each item
    still gets its own AES-ECB call (its own key) and GHASH call, reading and writing that buffer.
    """
    n = len(keys)
    if len(nonces) != NONCE_LEN * n or len(aads) != n or len(plaintexts) != n:
        raise ValueError("seal_many: keys, nonces, aads and plaintexts differ in length")
    if n == 0:
        return []
    if n <= _FEW or not all(k._fast for k in keys):
        return [k.seal(nonces[NONCE_LEN * i : NONCE_LEN * (i + 1)], a, p)
                for i, (k, a, p) in enumerate(zip(keys, aads, plaintexts, strict=True))]
    lens = np.fromiter(map(len, plaintexts), dtype=np.int64, count=n)
    stream, starts, offsets = _keystreams(keys, nonces, lens)
    mixed = _xor_laid(plaintexts, lens, stream)
    cts = [mixed[o + 16 : o + 16 + ln] for o, ln in zip(offsets, lens.tolist(), strict=True)]
    masks = np.frombuffer(mixed, dtype=np.uint8).reshape(-1, 16)[starts]
    tags = (_ghash_many(keys, aads, cts, lens) ^ masks).tobytes()
    return [ct + tags[16 * i : 16 * i + 16] for i, ct in enumerate(cts)]


def open_many(
    keys: Sequence[GcmKey], nonces: Sequence[bytes], aads: Sequence[bytes], cts_and_tags: Sequence[bytes]
) -> list[bytes | None]:
    """Per item, ``keys[i].open(nonces[i], aads[i], cts_and_tags[i])``, or None where that raises
    TagMismatch (altered, or malformed: nonce not 12 bytes, shorter than the tag).

    Batched like ``seal_many``. Tags are compared in constant time; an item whose tag fails yields
    None, never its plaintext. Raises ValueError only if the four sequences differ in length.
    """
    n = len(keys)
    if len(nonces) != n or len(aads) != n or len(cts_and_tags) != n:
        raise ValueError("open_many: keys, nonces, aads and cts_and_tags differ in length")
    out: list[bytes | None] = [None] * n
    if n <= _FEW or not all(k._fast for k in keys):
        for i, (k, nonce, a, b) in enumerate(zip(keys, nonces, aads, cts_and_tags, strict=True)):
            with suppress(TagMismatch):
                out[i] = k.open(nonce, a, b)
        return out
    well = [i for i, (nonce, b) in enumerate(zip(nonces, cts_and_tags, strict=True))
            if len(nonce) == NONCE_LEN and TAG_LEN <= len(b) <= _MAX_CT_AND_TAG]
    if not well:
        return out
    if len(well) < n:
        keys, nonces = [keys[i] for i in well], [nonces[i] for i in well]
        aads, cts_and_tags = [aads[i] for i in well], [cts_and_tags[i] for i in well]
    cts = [b[:-TAG_LEN] for b in cts_and_tags]
    lens = np.fromiter(map(len, cts), dtype=np.int64, count=len(well))
    stream, starts, offsets = _keystreams(keys, b"".join(nonces), lens)
    mixed = _xor_laid(cts, lens, stream)
    masks = np.frombuffer(mixed, dtype=np.uint8).reshape(-1, 16)[starts]
    tags = (_ghash_many(keys, aads, cts, lens) ^ masks).tobytes()
    for j, (i, b, o, ln) in enumerate(zip(well, cts_and_tags, offsets, lens.tolist(), strict=True)):
        if hmac.compare_digest(tags[16 * j : 16 * j + 16], b[-TAG_LEN:]):
            out[i] = mixed[o + 16 : o + 16 + ln]
    return out


class KeyCache:
    """Bounded LRU of GcmKey by raw key bytes. ``forget``/``clear`` drop cached key state."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._items: OrderedDict[bytes, GcmKey] = OrderedDict()

    def get(self, key: bytes) -> GcmKey:
        """The GcmKey for ``key`` (built on first use); raises ValueError if not 32 bytes."""
        with self._lock:
            gk = self._items.get(key)
            if gk is not None:
                self._items.move_to_end(key)
                return gk
        gk = GcmKey(key)
        with self._lock:
            self._items[bytes(key)] = gk
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)
        return gk

    def get_many(self, keys: Sequence[bytes]) -> list[GcmKey]:
        """``[get(k) for k in keys]`` with one lock round per call (raises ValueError as ``get``)."""
        out: list[GcmKey | None] = []
        with self._lock:
            items = self._items
            for key in keys:
                gk = items.get(key)
                if gk is not None:
                    items.move_to_end(key)
                out.append(gk)
        if None in out:
            built: dict[bytes, GcmKey] = {}
            for i, key in enumerate(keys):
                if out[i] is None:
                    gk = built.get(key)
                    if gk is None:
                        gk = built[key] = self.get(key)
                    out[i] = gk
        return cast("list[GcmKey]", out)  # no None left

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def forget(self, key: bytes) -> None:
        """Drop the cached state for ``key``, if any."""
        with self._lock:
            self._items.pop(bytes(key), None)

    def clear(self) -> None:
        """Drop every cached key."""
        with self._lock:
            self._items.clear()


def _self_test() -> bool:
    """True if the fast path matches pycryptodome's public GCM on assorted lengths."""
    if _GHASH_C is None:
        return False
    key, nonce = bytes(range(32)), bytes(range(100, 112))
    try:
        fast, slow = GcmKey(key, fast=True), GcmKey(key, fast=False)
        aads: list[bytes] = []
        pts: list[bytes] = []
        blobs: list[bytes] = []
        for n_aad, n_pt in ((0, 0), (32, 1), (13, 16), (5, 17), (32, 300), (70, 1000)):
            aad, pt = bytes([7]) * n_aad, bytes(i % 251 for i in range(n_pt))
            blob = slow.seal(nonce, aad, pt)
            if fast.seal(nonce, aad, pt) != blob or fast.open(nonce, aad, blob) != pt:
                return False
            aads.append(aad)
            pts.append(pt)
            blobs.append(blob)
        ks = [fast] * len(pts)
        if seal_many(ks, nonce * len(pts), aads, pts) != blobs or open_many(ks, [nonce] * len(ks), aads, blobs) != pts:
            return False
    except Exception:  # pragma: no cover - a changed private API
        return False
    return True


_FAST: bool = False
_FAST = _self_test()
FAST_PATH: Final = _FAST
