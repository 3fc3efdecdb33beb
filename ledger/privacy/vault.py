"""Per-borrower data keys: create, cache, seal and open payloads, and shred.

Stored forms (all raw bytes):

* wrapped key row (store CF ``keys``): ``generation u32 || wrapped key``; after shredding only
  ``generation u32`` remains, so a later key for the same borrower gets a new generation and old
  payloads stay unreadable.
* payload blob: ``0x00 || plaintext`` for entries with no borrower, or
  ``0x01 || generation u32 || seal(data key, entry id, payload)``.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import cast

from ledger.privacy.crypto import (
    DecryptError,
    KeyUnwrapError,
    MasterKey,
    PrivacyError,
    forget_data_key,
    new_data_key,
    seal_many,
    try_open_many,
    unwrap_keys,
    wrap_keys,
)
from ledger.privacy.pseudonym import short_ref
from ledger.store.rocks import RocksStore

_GEN = struct.Struct(">I")
PLAIN, SEALED = 0, 1
_PLAIN_HEAD = bytes((PLAIN,))


class Vault:
    """Seals payloads under per-borrower keys wrapped by the master key. Thread-safe."""

    # Monthly updates visit every borrower in turn, so a cache smaller than the population gains
    # little from size beyond a block's worth of borrowers; kept small so memory stays flat (~3 MB).
    def __init__(self, master: MasterKey, store: RocksStore, cache_size: int = 8192) -> None:
        self._master = master
        self._store = store
        self._cache: OrderedDict[bytes, tuple[int, bytes]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._pending: dict[bytes, tuple[int, bytes]] = {}
        self._shredding: dict[bytes, bytes] = {}  # ref -> its data key, while its shred row awaits commit

    def _rows(self, refs: Sequence[bytes]) -> list[tuple[int, bytes | None]]:
        """(generation, data key or None: never created, or shredded) per ref, read from the store
        with one read and one batch unwrap; live keys are cached. Raises KeyUnwrapError naming the
        borrower of a row that fails."""
        rows = [raw or b"" for raw in self._store.wrapped_keys(refs)]  # b"": no row
        out: list[tuple[int, bytes | None]] = [(_GEN.unpack_from(r)[0] if r else 0, None) for r in rows]
        live = [i for i, r in enumerate(rows) if len(r) > _GEN.size]
        try:
            dks = unwrap_keys(self._master, [refs[i] for i in live], [rows[i][_GEN.size :] for i in live])
        except KeyUnwrapError as exc:  # name the row for the operator: the borrower's short ref only
            if exc.position is None:
                raise
            ref = refs[live[exc.position]]
            raise KeyUnwrapError(f"wrapped data key of borrower {short_ref(ref)}...: {exc}") from None
        for i, dk in zip(live, dks, strict=True):
            out[i] = (out[i][0], dk)
            self._remember(refs[i], out[i][0], dk)
        return out

    def _keys(self, refs: Iterable[bytes]) -> dict[bytes, tuple[int, bytes | None]]:
        """(generation, data key or None) per distinct ref: cached ones under one lock round; the
        misses (every borrower, when a monthly cycle visits more than the cache holds) with one
        store read and one batch unwrap. Raises KeyUnwrapError naming a bad row's borrower."""
        keys: dict[bytes, tuple[int, bytes | None]] = {}
        missed: list[bytes] = []
        with self._lock:
            cache = self._cache
            for ref in dict.fromkeys(refs):
                hit = cache.get(ref)
                if hit is None:
                    missed.append(ref)
                else:
                    cache.move_to_end(ref)
                    keys[ref] = hit
        keys.update(zip(missed, self._rows(missed), strict=True))
        return keys

    def _key(self, ref: bytes) -> tuple[int, bytes | None]:
        return self._keys((ref,))[ref]

    def _remember(self, ref: bytes, gen: int, dk: bytes) -> None:
        with self._lock:
            self._cache[ref] = (gen, dk)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def seal_many(self, items: Sequence[tuple[bytes, bytes, bytes]]) -> tuple[list[bytes], dict[bytes, bytes]]:
        """Seal ``(borrower_ref, entry_id, payload)`` items; return blobs and new wrapped key rows.

        New key rows must be committed in the same WriteBatch as the blobs, then ``committed``
        called with them.
        """
        fresh: dict[bytes, tuple[int, bytes]] = {}
        keys = self._keys(ref for ref, _, _ in items if ref)
        heads: dict[bytes, tuple[bytes, bytes]] = {}  # ref -> (blob header, data key)
        for ref, (gen, dk) in keys.items():
            if dk is None:
                gen, dk = gen + 1, new_data_key()
                fresh[ref] = (gen, dk)
            heads[ref] = (bytes((SEALED,)) + _GEN.pack(gen), dk)
        wrapped = wrap_keys(self._master, list(fresh), [dk for _, dk in fresh.values()])
        new_rows = {ref: _GEN.pack(gen) + w for (ref, (gen, _)), w in zip(fresh.items(), wrapped, strict=True)}
        blobs: list[bytes] = []
        where: list[tuple[int, bytes]] = []
        dks: list[bytes] = []
        for ref, _, payload in items:
            if ref:
                where.append((len(blobs), heads[ref][0]))
                dks.append(heads[ref][1])
            blobs.append(_PLAIN_HEAD + payload if not ref else b"")
        sealed = seal_many(dks, [eid for ref, eid, _ in items if ref], [pl for ref, _, pl in items if ref])
        for (i, head), blob in zip(where, sealed, strict=True):
            blobs[i] = head + blob
        self._pending = fresh
        return blobs, new_rows

    def committed(self, rows: dict[bytes, bytes]) -> None:
        """Cache the keys of rows that are now durable."""
        for ref, row in rows.items():
            if len(row) <= _GEN.size:  # a shred row: the key is gone
                self.forget(ref)
            elif ref in self._pending:
                self._remember(ref, *self._pending[ref])
        self._pending = {}

    def open(self, ref: bytes, entry_id: bytes, blob: bytes) -> bytes | None:
        """The payload, or None if it was erased (key shredded) or redacted (empty blob).

        Raises DecryptError if the blob was tampered with under a live key (or is shorter than its
        header), KeyUnwrapError if the borrower's key row fails.
        """
        return self.open_many([(ref, entry_id, blob)])[0]

    def open_many(self, items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes | None]:
        """``[open(ref, entry_id, blob) ...]`` for ``(ref, entry_id, blob)`` items, as ``open_each``.

        Raises the first item's error: DecryptError (naming the item's position) if a blob was
        tampered with under a live key, KeyUnwrapError if a borrower's key row fails.
        """
        out = self.open_each(items)
        for v in out:
            if isinstance(v, PrivacyError):
                raise v
        return cast("list[bytes | None]", out)  # no error left

    def open_each(self, items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes | PrivacyError | None]:
        """Per ``(ref, entry_id, blob)`` item: the payload; None if erased (key shredded) or redacted
        (empty blob); or, instead of raising it, the error ``open`` would raise for that item alone.

        Each borrower's key is looked up once (the misses in one store read and one batch unwrap)
        and all sealed blobs are opened in one batch. For auditors, who report every bad item.
        """
        refs = [ref for ref, _, blob in items if blob and blob[0] != PLAIN]
        keys: dict[bytes, tuple[int, bytes | None] | PrivacyError]
        try:
            keys = dict(self._keys(refs))
        except KeyUnwrapError:  # a bad key row: look the keys up one by one to pin it to its items
            keys = {}
            for ref in dict.fromkeys(refs):
                try:
                    keys[ref] = self._key(ref)
                except KeyUnwrapError as exc:
                    keys[ref] = exc
        out: list[bytes | PrivacyError | None] = [None] * len(items)
        where: list[int] = []
        sealed: list[tuple[bytes, bytes, bytes]] = []
        for i, (ref, entry_id, blob) in enumerate(items):
            if not blob:
                continue
            if blob[0] == PLAIN:
                out[i] = blob[1:]
                continue
            key = keys[ref]
            if isinstance(key, PrivacyError):
                out[i] = key
            elif len(blob) < 1 + _GEN.size:
                out[i] = DecryptError(f"sealed payload {i} is too short")
            elif key[1] is not None and _GEN.unpack_from(blob, 1)[0] == key[0]:
                where.append(i)
                sealed.append((key[1], entry_id, blob[1 + _GEN.size :]))
        for i, payload in zip(where, try_open_many(sealed), strict=True):
            out[i] = payload if payload is not None else DecryptError(
                f"sealed payload {i} failed authentication or is too short"
            )
        return out

    def shred_row(self, ref: bytes) -> tuple[bytes, bytes]:
        """The (key, value) meta row that erases ``ref``'s key, to commit with the erasure entry."""
        gen, dk = self._rows([ref])[0]
        if dk is not None:  # remembered so ``forget`` can drop the cipher state built from it
            with self._lock:
                self._shredding[ref] = dk
        return ref, _GEN.pack(gen)

    def forget(self, ref: bytes) -> None:
        """Drop a shredded key from memory: this vault's cache and the cipher state derived from it."""
        with self._lock:
            hit = self._cache.pop(ref, None)
            staged = self._shredding.pop(ref, None)
        for dk in (hit[1] if hit else None, staged):
            if dk is not None:
                forget_data_key(dk)


__all__ = ["DecryptError", "Vault"]
