"""Envelope encryption of credit payloads: master key -> per-borrower data keys -> sealed payloads.

* The master key is 32 bytes, loaded ONLY from an environment variable or a key file, and never
  from inside the ledger's data directory (``MasterKey.load(source, data_dir=...)``). It is never
  shown: ``repr``/``str`` give only a short fingerprint, and it cannot be pickled.
* Each borrower has a random 32-byte data key (``new_data_key``), stored only wrapped by the master
  key (``wrap_key``; AAD binds it to the borrower ref). Shredding the wrapped key erases the
  borrower's payloads; callers then raise ``ErasedError``.
* Payloads are sealed with AES-256-GCM under the data key, AAD = record id, so a sealed blob cannot
  be moved onto another record. Blob layout: ``nonce (12) || ciphertext || tag (16)``.

Key state is cached per key (see ``ledger.privacy._gcm``) so sealing a short payload costs a few
microseconds; ``forget_data_key`` / ``clear_key_cache`` drop the cache (call after an erasure).

Errors: ``PrivacyError`` base; ``MasterKeyError`` (missing, malformed or misplaced master key),
``KeyUnwrapError``, ``DecryptError``, ``ErasedError``. Bad argument sizes raise ``ValueError``.
File and environment reads happen only in ``MasterKey`` loaders and ``generate_key_file``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, NoReturn, cast

from Crypto.Random import get_random_bytes

from ledger.privacy._gcm import NONCE_LEN, TAG_LEN, GcmKey, KeyCache, TagMismatch
from ledger.privacy._gcm import open_many as _gcm_open_many
from ledger.privacy._gcm import seal_many as _gcm_seal_many

KEY_LEN: Final = 32
DEFAULT_ENV: Final = "CREDITLEDGER_MASTER_KEY"
WRAP_AAD_PREFIX: Final = b"dk/v1"
WRAPPED_LEN: Final = NONCE_LEN + KEY_LEN + TAG_LEN
_MAX_KEY_FILE: Final = 4096
_FINGERPRINT_DOMAIN: Final = b"creditledger/master-key-id/v1\x00"
_ORIGIN: Final = object()  # only this module's loaders construct MasterKey


class PrivacyError(Exception):
    """Base class for privacy-layer failures."""


class MasterKeyError(PrivacyError):
    """The master key is missing, malformed, or stored where it must not be. Never holds key bytes."""


class KeyUnwrapError(PrivacyError):
    """A wrapped data key failed authentication (tampered, wrong master key, or wrong borrower).

    ``position``: from ``unwrap_keys``, the index of the first key that failed.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class DecryptError(PrivacyError):
    """A sealed payload failed authentication (tampered, wrong data key, or wrong record id)."""


class ErasedError(PrivacyError):
    """The borrower's data key has been shredded; the payload is permanently unreadable.

    Raised by callers (the store / query layer) when no wrapped key exists for a borrower.
    """


# -------------------------------------------------------------------------------------- master key


def _decode_text_key(text: str, what: str) -> bytes:
    """32 key bytes from hex (64 chars) or base64 (standard or URL-safe) text."""
    t = "".join(text.split())
    try:
        if len(t) == 2 * KEY_LEN and all(c in "0123456789abcdefABCDEF" for c in t):
            key = bytes.fromhex(t)
        else:
            key = base64.b64decode(t.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{what}: not hex or base64") from None
    if len(key) != KEY_LEN:
        raise MasterKeyError(f"{what}: must decode to {KEY_LEN} bytes, got {len(key)}")
    return key


def _check_location(path: Path, data_dir: str | os.PathLike[str] | None) -> Path:
    """``path`` resolved; raises MasterKeyError if it resolves inside ``data_dir``."""
    resolved = path.expanduser().resolve()
    if data_dir is not None:
        data = Path(data_dir).expanduser().resolve()
        if resolved == data or resolved.is_relative_to(data):
            raise MasterKeyError(
                f"master key file {path} is inside the data directory {data}; "
                "keep the master key outside the data it protects"
            )
    return resolved


class MasterKey:
    """The consortium member's 32-byte master key. Build it with ``from_env``, ``from_file``,
    ``load`` or ``generate_key_file``; the constructor refuses other callers.
    """

    __slots__ = ("_gcm", "_secret", "fingerprint")

    def __init__(self, secret: bytes, *, _origin: object = None) -> None:
        if _origin is not _ORIGIN:
            raise TypeError("MasterKey comes only from MasterKey.from_env / from_file / load")
        if len(secret) != KEY_LEN:
            raise MasterKeyError(f"master key must be {KEY_LEN} bytes, got {len(secret)}")
        self._secret = bytes(secret)
        self._gcm = GcmKey(self._secret)
        self.fingerprint: str = hashlib.sha256(_FINGERPRINT_DOMAIN + self._secret).hexdigest()[:8]
        """8 hex chars identifying the key in logs; reveals nothing usable about it."""

    def __repr__(self) -> str:
        return f"MasterKey(fingerprint={self.fingerprint})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("MasterKey cannot be pickled or copied")

    @classmethod
    def from_env(cls, name: str = DEFAULT_ENV, *, environ: Mapping[str, str] | None = None) -> MasterKey:
        """The key in environment variable ``name`` (hex or base64 of 32 bytes).

        ``environ`` defaults to ``os.environ``. Raises MasterKeyError if unset, empty or malformed.
        """
        env = os.environ if environ is None else environ
        text = env.get(name, "")
        if not text.strip():
            raise MasterKeyError(f"environment variable {name} is not set")
        return cls(_decode_text_key(text, f"environment variable {name}"), _origin=_ORIGIN)

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] | None = None
    ) -> MasterKey:
        """The key in file ``path``: 32 raw bytes, or hex / base64 text.

        Raises MasterKeyError if the file resolves inside ``data_dir``, is not a regular file, is
        readable or writable by "other" users (mode & 0o006), or does not hold a 32-byte key.
        """
        resolved = _check_location(Path(path), data_dir)
        try:
            st = resolved.stat()
            if not stat.S_ISREG(st.st_mode):
                raise MasterKeyError(f"master key file {path} is not a regular file")
            if st.st_mode & 0o006:
                raise MasterKeyError(f"master key file {path} is accessible to other users; chmod 600")
            with open(resolved, "rb") as fh:
                raw = fh.read(_MAX_KEY_FILE + 1)
        except OSError as e:
            raise MasterKeyError(f"cannot read master key file {path}: {e.strerror}") from None
        if len(raw) == KEY_LEN:
            return cls(raw, _origin=_ORIGIN)
        if len(raw) > _MAX_KEY_FILE:
            raise MasterKeyError(f"master key file {path} is too large")
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise MasterKeyError(f"master key file {path}: not 32 raw bytes, hex or base64") from None
        return cls(_decode_text_key(text, f"master key file {path}"), _origin=_ORIGIN)

    @classmethod
    def load(
        cls, source: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] | None = None
    ) -> MasterKey:
        """The key from ``source``: ``"env:NAME"``, ``"file:PATH"`` or a plain path.

        A file inside ``data_dir`` is refused (MasterKeyError); other errors as from_env / from_file.
        """
        s = os.fspath(source)
        if s.startswith("env:"):
            return cls.from_env(s[4:])
        if s.startswith("file:"):
            s = s[5:]
        if not s:
            raise MasterKeyError("master key source is empty")
        return cls.from_file(s, data_dir=data_dir)


def generate_key_file(
    path: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] | None = None
) -> MasterKey:
    """Create ``path`` (mode 0600, must not exist) holding a new random key as hex; return the key.

    Raises MasterKeyError if ``path`` resolves inside ``data_dir`` or cannot be created.
    """
    resolved = _check_location(Path(path), data_dir)
    secret = get_random_bytes(KEY_LEN)
    try:
        fd = os.open(resolved, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret.hex() + "\n")
    except OSError as e:
        raise MasterKeyError(f"cannot create master key file {path}: {e.strerror}") from None
    return MasterKey(secret, _origin=_ORIGIN)


# ------------------------------------------------------------------------------------- data keys

_DATA_KEYS: Final = KeyCache()


def new_data_key() -> bytes:
    """32 fresh random bytes for one borrower's data key."""
    return get_random_bytes(KEY_LEN)


def _check_ref(borrower_ref: bytes) -> None:
    if not borrower_ref:
        raise ValueError("borrower_ref: must be non-empty")


def wrap_key(master: MasterKey, borrower_ref: bytes, dk: bytes) -> bytes:
    """``dk`` encrypted under ``master`` for ``borrower_ref``: nonce || ct || tag (60 bytes).

    Raises ValueError if ``dk`` is not 32 bytes or ``borrower_ref`` is empty.
    """
    _check_ref(borrower_ref)
    if len(dk) != KEY_LEN:
        raise ValueError(f"dk: must be {KEY_LEN} bytes, got {len(dk)}")
    nonce = get_random_bytes(NONCE_LEN)
    return nonce + master._gcm.seal(nonce, WRAP_AAD_PREFIX + borrower_ref, dk)


def unwrap_key(master: MasterKey, borrower_ref: bytes, wrapped: bytes) -> bytes:
    """The data key inside ``wrapped``; raises KeyUnwrapError if it was altered, wrapped under
    another master key, or wrapped for another borrower (ValueError if ``borrower_ref`` is empty).
    """
    _check_ref(borrower_ref)
    if len(wrapped) != WRAPPED_LEN:
        raise KeyUnwrapError(f"wrapped key must be {WRAPPED_LEN} bytes, got {len(wrapped)}")
    try:
        return master._gcm.open(wrapped[:NONCE_LEN], WRAP_AAD_PREFIX + borrower_ref, wrapped[NONCE_LEN:])
    except TagMismatch:
        raise KeyUnwrapError("wrapped data key failed authentication") from None


def wrap_keys(master: MasterKey, borrower_refs: Sequence[bytes], dks: Sequence[bytes]) -> list[bytes]:
    """``[wrap_key(master, borrower_refs[i], dks[i]) ...]`` in one batch (same bytes layout and
    errors; each wrap gets its own random nonce)."""
    if len(borrower_refs) != len(dks):
        raise ValueError("wrap_keys: borrower_refs and dks differ in length")
    for ref, dk in zip(borrower_refs, dks, strict=True):
        _check_ref(ref)
        if len(dk) != KEY_LEN:
            raise ValueError(f"dk: must be {KEY_LEN} bytes, got {len(dk)}")
    n = len(dks)
    nonces = get_random_bytes(NONCE_LEN * n) if n else b""
    sealed = _gcm_seal_many([master._gcm] * n, nonces, [WRAP_AAD_PREFIX + r for r in borrower_refs], dks)
    return [nonces[NONCE_LEN * i : NONCE_LEN * (i + 1)] + b for i, b in enumerate(sealed)]


def unwrap_keys(master: MasterKey, borrower_refs: Sequence[bytes], wrapped: Sequence[bytes]) -> list[bytes]:
    """``[unwrap_key(master, borrower_refs[i], wrapped[i]) ...]`` in one batch.

    Raises KeyUnwrapError naming (and with ``position`` set to) the first key that fails;
    ValueError as ``unwrap_key``, or if the sequences differ in length.
    """
    if len(borrower_refs) != len(wrapped):
        raise ValueError("unwrap_keys: borrower_refs and wrapped differ in length")
    for i, (ref, w) in enumerate(zip(borrower_refs, wrapped, strict=True)):
        _check_ref(ref)
        if len(w) != WRAPPED_LEN:
            raise KeyUnwrapError(f"wrapped key {i} must be {WRAPPED_LEN} bytes, got {len(w)}", i)
    out = _gcm_open_many(
        [master._gcm] * len(wrapped), [w[:NONCE_LEN] for w in wrapped],
        [WRAP_AAD_PREFIX + r for r in borrower_refs], [w[NONCE_LEN:] for w in wrapped],
    )
    for i, dk in enumerate(out):
        if dk is None:
            raise KeyUnwrapError(f"wrapped data key {i} failed authentication", i)
    return cast("list[bytes]", out)  # no None left


# --------------------------------------------------------------------------------------- payloads


def _data_key(dk: bytes) -> GcmKey:
    if len(dk) != KEY_LEN:
        raise ValueError(f"dk: must be {KEY_LEN} bytes, got {len(dk)}")
    return _DATA_KEYS.get(dk)


def seal(dk: bytes, record_id: bytes, plaintext: bytes) -> bytes:
    """``plaintext`` encrypted under data key ``dk``, bound to ``record_id``.

    Returns nonce (12, random) || ciphertext || tag (16). Raises ValueError if ``dk`` is not 32
    bytes or ``record_id`` is empty.
    """
    if not record_id:
        raise ValueError("record_id: must be non-empty")
    nonce = get_random_bytes(NONCE_LEN)
    return nonce + _data_key(dk).seal(nonce, record_id, plaintext)


def seal_many(dks: Sequence[bytes], record_ids: Sequence[bytes], plaintexts: Sequence[bytes]) -> list[bytes]:
    """``[seal(dks[i], record_ids[i], plaintexts[i]) ...]``, faster for many items (a block's worth).

    Same blob layout and errors as ``seal``; each blob gets its own random nonce.
    """
    n = len(dks)
    if len(record_ids) != n or len(plaintexts) != n:
        raise ValueError("seal_many: dks, record_ids and plaintexts differ in length")
    if not all(record_ids):
        raise ValueError("record_id: must be non-empty")
    keys = _DATA_KEYS.get_many(dks)
    nonces = get_random_bytes(NONCE_LEN * n)
    sealed = _gcm_seal_many(keys, nonces, record_ids, plaintexts)
    return [nonces[NONCE_LEN * i : NONCE_LEN * (i + 1)] + b for i, b in enumerate(sealed)]


def open_sealed(dk: bytes, record_id: bytes, blob: bytes) -> bytes:
    """The plaintext sealed in ``blob``; raises DecryptError if the blob was altered or truncated,
    or was sealed under another key or for another record id. ValueError if ``dk`` is not 32 bytes.
    """
    gk = _data_key(dk)
    if len(blob) < NONCE_LEN + TAG_LEN:
        raise DecryptError(f"sealed blob too short: {len(blob)} bytes")
    try:
        return gk.open(blob[:NONCE_LEN], record_id, blob[NONCE_LEN:])
    except TagMismatch:
        raise DecryptError("sealed payload failed authentication") from None


def try_open_many(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes | None]:
    """Per ``(dk, record_id, blob)`` item, ``open_sealed(dk, record_id, blob)``, or None where that
    would raise DecryptError. Opened in one batch; ValueError if any ``dk`` is not 32 bytes.
    """
    for dk, _, _ in items:
        if len(dk) != KEY_LEN:
            raise ValueError(f"dk: must be {KEY_LEN} bytes, got {len(dk)}")
    keys = _DATA_KEYS.get_many([dk for dk, _, _ in items])
    blobs = [blob for _, _, blob in items]
    # A blob shorter than nonce + tag is malformed: _gcm_open_many gives None for it.
    return _gcm_open_many(
        keys, [b[:NONCE_LEN] for b in blobs], [rid for _, rid, _ in items], [b[NONCE_LEN:] for b in blobs]
    )


def open_many(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes]:
    """``[open_sealed(dk, record_id, blob) ...]`` for ``(dk, record_id, blob)`` items, in one batch.

    Raises DecryptError naming the position of the first item that fails, ValueError as open_sealed.
    """
    out = try_open_many(items)
    for i, pt in enumerate(out):
        if pt is None:
            raise DecryptError(f"sealed payload {i} failed authentication or is too short")
    return cast("list[bytes]", out)  # no None left


def forget_data_key(dk: bytes) -> None:
    """Drop any cached state derived from ``dk`` (call when a borrower's key is shredded)."""
    _DATA_KEYS.forget(dk)


def data_key_cached(dk: bytes) -> bool:
    """Whether cipher state derived from ``dk`` is held in memory (it must not be after a shred)."""
    return dk in _DATA_KEYS


def clear_key_cache() -> None:
    """Drop all cached data-key state."""
    _DATA_KEYS.clear()
