"""Prepare MEMBERSHIP entries for the block pipeline (the same path, durability and checkpoints as records).

Checks here are early refusals against the live registry at the current tree size; the committer's
membership gate re-checks each change at its real leaf index (see ledger.members.log).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.errors import InvalidArgument, LedgerError, PermissionDenied
from ledger.ingest.prepare import Prepared, Submitted, signed_entry
from ledger.ingest.results import Refusal
from ledger.members.changes import apply_change, parse_change, signer_key
from ledger.members.registry import MemberRegistry
from ledger.records.signing import KEY_ID_LEN, SIGNATURE_LEN, EntryKind


def prepare_membership(
    items: Sequence[Submitted],
    *,
    registry: MemberRegistry,
    tree_size: int,
    member: str | None = None,
) -> tuple[list[Prepared], list[Refusal]]:
    """Check each signed MembershipChange; return entries ready for signature verification, and refusals.

    ``member`` is the authenticated caller (None: insecure dev mode); a change signed by another
    member's key is refused with PERMISSION_DENIED. Changes are checked one after another on a copy
    of the registry, so a batch may onboard a member and then change it.
    """
    ready: list[Prepared] = []
    refused: list[Refusal] = []
    work = registry.copy()
    for pos, it in enumerate(items):
        eid = hashlib.sha256(it.payload).digest() if it.payload else b""
        where = f"records[{pos}]"
        try:
            if len(it.key_id) != KEY_ID_LEN:
                raise InvalidArgument(f"{where}.key_id: must be {KEY_ID_LEN} bytes, got {len(it.key_id)}")
            if len(it.signature) != SIGNATURE_LEN:
                raise InvalidArgument(f"{where}.signature: must be {SIGNATURE_LEN} bytes, got {len(it.signature)}")
            ch = parse_change(it.payload, f"{where}.payload")
            index = tree_size + len(ready)
            key = signer_key(work, ch, it.key_id, index, f"{where}.payload")
            if member is not None and key.member_id != member:
                raise PermissionDenied(f"{where}.key_id: key belongs to {key.member_id!r}, caller is {member!r}")
            apply_change(work, ch, index, it.key_id, f"{where}.payload")
        except LedgerError as exc:
            refused.append(Refusal(pos, eid, exc.code, str(exc)))
            continue
        ready.append(
            signed_entry(EntryKind.MEMBERSHIP, it.payload, it.signature, it.key_id, key.public_key, key.member_id,
                         position=pos, sealed=False)
        )
    return ready, refused
