"""Build and sign MembershipChanges, and the genesis membership a consortium starts its log with.

Promises:

* ``sign_change`` signs under the MEMBERSHIP tag (CREDITLEDGER-M1 || SHA-256(payload)), with a fresh
  nonce unless one is given, so two equal changes never share an entry id.
* ``genesis`` returns the first entries of a log: the first admin onboarding itself (signed with its
  own key: the bootstrap rule of ledger.members.changes), then every other member onboarded by that
  admin. Replaying them yields exactly the members, roles and keys given.
* The members file keeps a human-readable ``members`` list and the signed ``genesis`` entries; the
  node trusts only the signed entries (and, once they are in the log, only the log).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import nacl.signing

from ledger.errors import InvalidArgument
from ledger.ingest.prepare import Submitted
from ledger.records.signing import EntryKind, entry_id, key_id, signing_message
from ledger.v1 import membership_pb2, records_pb2


def sign_change(seed: bytes, ch: membership_pb2.MembershipChange) -> records_pb2.SignedRecord:
    """The signed envelope of ``ch`` (a nonce is added when it has none)."""
    if not ch.nonce:
        ch.nonce = os.urandom(16)
    payload = ch.SerializeToString(deterministic=True)
    key = nacl.signing.SigningKey(seed)
    sig = key.sign(signing_message(EntryKind.MEMBERSHIP, entry_id(payload))).signature
    return records_pb2.SignedRecord(payload=payload, signature=sig, key_id=key_id(bytes(key.verify_key)))


def onboard(member_id: str, roles: Iterable[str], public_keys: Iterable[bytes], name: str = "",
            effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective,
        onboard=membership_pb2.OnboardMember(member_id=member_id, roles=list(roles), name=name,
                                             public_keys=list(public_keys)),
    )


def add_key(member_id: str, public_key: bytes, effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective, add_key=membership_pb2.AddKey(member_id=member_id, public_key=public_key)
    )


def rotate_key(
    member_id: str, new_public_key: bytes, old_key_id: bytes, effective: int = 0
) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective,
        rotate_key=membership_pb2.RotateKey(member_id=member_id, new_public_key=new_public_key, old_key_id=old_key_id),
    )


def revoke_key(member_id: str, kid: bytes, effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective, revoke_key=membership_pb2.RevokeKey(member_id=member_id, key_id=kid)
    )


def suspend(member_id: str, effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective, suspend=membership_pb2.SuspendMember(member_id=member_id)
    )


def reinstate(member_id: str, effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective, reinstate=membership_pb2.ReinstateMember(member_id=member_id)
    )


def change_roles(member_id: str, roles: Iterable[str], effective: int = 0) -> membership_pb2.MembershipChange:
    return membership_pb2.MembershipChange(
        effective_tree_size=effective, change_roles=membership_pb2.ChangeRoles(member_id=member_id, roles=list(roles))
    )


def genesis(
    admin_id: str, admin_seed: bytes, members: Mapping[str, tuple[list[str], bytes]]
) -> list[records_pb2.SignedRecord]:
    """The first entries of a log. ``members`` maps id to (roles, public key) and includes the admin."""
    if admin_id not in members or "admin" not in members[admin_id][0]:
        raise InvalidArgument(f"genesis: {admin_id!r} must be a member with the admin role")
    admin_pk = bytes(nacl.signing.SigningKey(admin_seed).verify_key)
    if members[admin_id][1] != admin_pk:
        raise InvalidArgument(f"genesis: the admin seed is not {admin_id!r}'s key")
    out = [sign_change(admin_seed, onboard(admin_id, members[admin_id][0], [admin_pk], display_name(admin_id)))]
    for mid, (roles, pk) in members.items():
        if mid != admin_id:
            out.append(sign_change(admin_seed, onboard(mid, roles, [pk], display_name(mid))))
    return out


def display_name(member_id: str) -> str:
    return member_id.replace("-", " ").title()


def write_members_file(path: Path, members: Mapping[str, tuple[list[str], bytes]],
                       entries: Iterable[records_pb2.SignedRecord]) -> None:
    """Write the members file: readable ``members`` and the signed ``genesis`` entries (hex)."""
    doc = {
        "members": [{"id": m, "roles": r, "keys": [pk.hex()]} for m, (r, pk) in members.items()],
        "genesis": [{"payload": e.payload.hex(), "signature": e.signature.hex(), "key_id": e.key_id.hex()}
                    for e in entries],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")


def load_genesis(path: str | Path) -> list[Submitted]:
    """The signed genesis entries of a members file; empty for a legacy file without them.

    Raises InvalidArgument naming the entry that is not hex.
    """
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidArgument(f"members file {path}: {exc}") from None
    out = []
    for i, e in enumerate(doc.get("genesis", [])):
        try:
            raw = (bytes.fromhex(e["payload"]), bytes.fromhex(e["signature"]), bytes.fromhex(e["key_id"]))
            out.append(Submitted(*raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"members file {path}: genesis[{i}]: {exc}") from None
    return out
