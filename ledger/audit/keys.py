"""Which member key was valid for a leaf: the one function every auditor path asks.

Today the registry comes from the members file; once membership changes are entries of the log, the
registry passed here is the one replayed from the log up to the leaf. Only this function changes.
"""

from __future__ import annotations

import re

from ledger.members import KeyRecord, MemberRegistry
from ledger.store import RocksStore

_LEAF = re.compile(r"leaf (\d+)")


def keys_at(registry: MemberRegistry, key_id: bytes, leaf_index: int) -> KeyRecord | None:
    """The key ``key_id`` if it was valid at leaf ``leaf_index`` (KeyRecord.valid_at), else None.

    Unknown key ids and keys outside their [valid_from, valid_until) window give None.
    """
    rec = registry.keys.get(key_id)
    if rec is None or not rec.valid_at(leaf_index):
        return None
    return rec


def registry_for_audit(store: RocksStore, fallback: MemberRegistry) -> tuple[MemberRegistry, set[int], str | None]:
    """The registry the audit judges record signatures by, and the MEMBERSHIP leaves it came from.

    When the log holds MEMBERSHIP entries, the registry is replayed from them (each change's payload
    hash and admin signature verified, as a client does); else ``fallback`` (the members file).
    Returns (registry, membership leaf indices, problem or None); on a replay problem the message
    names the leaf and the fallback registry is returned.
    """
    from ledger.members.changes import replay
    from ledger.members.log import membership_indices, stored_changes

    idx = membership_indices(store)
    if not idx:
        return fallback, set(), None
    try:
        reg, _history = replay(stored_changes(store, idx), verify=True)
    except Exception as exc:  # StoreError for a missing entry, ReplayError for a bad one
        return fallback, set(idx), str(exc)
    return reg, set(idx), None


def problem_leaf(message: str) -> int:
    """The leaf index a replay problem names (0 if none)."""
    m = _LEAF.search(message)
    return int(m.group(1)) if m else 0
