"""Audit of stored payloads: each opens (sealed ones, given the master key) and hashes to its entry id."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ledger.privacy.crypto import PrivacyError
from ledger.privacy.vault import PLAIN, SEALED, Vault
from ledger.store.base import StoredEntry

if TYPE_CHECKING:
    from ledger.audit.verify import _Audit


def check_payloads(a: _Audit, entries: list[tuple[StoredEntry, bytes]], vault: Vault | None) -> None:
    """Check each (entry, entry id)'s payload: it opens (sealed ones, when a vault is given) and
    hashes to the entry id. Sealed payloads are opened in one batch per call."""
    opened: list[bytes | PrivacyError | ValueError | None] = []
    is_sealed = [e.payload[:1] == _SEALED_HEAD for e, _ in entries]
    sealed = [x for x, s in zip(entries, is_sealed, strict=True) if s]
    if vault is not None and sealed:
        try:
            opened = list(vault.open_each([(e.borrower_ref, eid, e.payload) for e, eid in sealed]))
        except (PrivacyError, ValueError):  # malformed beyond what open_each pins to an item
            opened = [_open_one(vault, e, eid) for e, eid in sealed]
    it = iter(opened)
    for (e, entry_id), s in zip(entries, is_sealed, strict=True):
        _check_payload(a, e, entry_id, vault is not None, next(it) if opened and s else None)


def _open_one(vault: Vault, e: StoredEntry, entry_id: bytes) -> bytes | PrivacyError | ValueError | None:
    try:
        return vault.open(e.borrower_ref, entry_id, e.payload)
    except (PrivacyError, ValueError) as exc:
        return exc


_SEALED_HEAD = bytes((SEALED,))


def _check_payload(
    a: _Audit, e: StoredEntry, entry_id: bytes, can_open: bool, opened: bytes | PrivacyError | ValueError | None
) -> None:
    """``opened``: what the vault gave for a sealed payload (a payload, None if erased, or the error)."""
    rep = a.report
    blob = e.payload
    if not blob:
        rep.payloads_erased += 1
        return
    if blob[0] == PLAIN:
        payload = blob[1:]
    elif blob[0] == SEALED:
        if not can_open:
            rep.payloads_sealed_unchecked += 1
            return
        if isinstance(opened, (PrivacyError, ValueError)):
            a.problem("leaf", (e.leaf_index, 0), f"sealed payload does not open: {type(opened).__name__}")
            return
        if opened is None:
            rep.payloads_erased += 1
            return
        payload = opened
    else:
        a.problem("leaf", (e.leaf_index, 0), f"unknown payload blob type {blob[0]}")
        return
    rep.payloads_checked += 1
    if hashlib.sha256(payload).digest() != entry_id:
        a.problem("leaf", (e.leaf_index, 0), "payload does not hash to the record id")
