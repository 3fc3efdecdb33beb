"""Membership changes: parse, check and apply MEMBERSHIP entries to a MemberRegistry; replay a log.

Promises:

* ``apply_change`` is the one rule for what a change does. Submission (early refusal), the
  committer's gate (authoritative, at the entry's real leaf index), node start (replay from the
  store) and clients (verified replay of proven entries) all call it, so they cannot disagree.
* A change at leaf index ``i`` takes effect at ``E = effective_tree_size or i + 1`` with ``E >= i + 1``:
  entries at leaf index ``>= E`` see it, entries before ``E`` keep their validity for ever.
* The signer must hold a key valid at ``i`` whose member is active and has the admin role at ``i``.
  The one exception is bootstrap: on a registry with no admin (never bootstrapped: an admin always
  remains once there is one), only the onboarding of an admin signed by one of its own new keys is
  accepted.
* After a change the consortium still has an admin that is not suspended and holds an unrevoked key.
* On any refusal the registry is unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from google.protobuf.message import DecodeError

from ledger.errors import AlreadyExists, FailedPrecondition, InvalidArgument, LedgerError, NotFound, PermissionDenied
from ledger.members.registry import ROLES, KeyRecord, Member, MemberRegistry, check_registrable_key
from ledger.records.leaf import LeafFormatError, decode_leaf
from ledger.records.signing import KEY_ID_LEN, EntryKind, key_id
from ledger.v1 import membership_pb2

MEMBER_ID: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MAX_EFFECTIVE: Final = 1 << 62
ADMIN: Final = "admin"


class ReplayError(LedgerError):
    """A stored or proven membership entry does not replay: the log is not a valid membership log."""

    code = "DATA_LOSS"


def parse_change(payload: bytes, where: str = "payload") -> membership_pb2.MembershipChange:
    """Decode a MembershipChange. Raises InvalidArgument for bytes that are not one, or carry no change."""
    try:
        ch = membership_pb2.MembershipChange.FromString(payload)
    except (DecodeError, ValueError):
        raise InvalidArgument(f"{where}: not a MembershipChange") from None
    if ch.WhichOneof("change") is None:
        raise InvalidArgument(f"{where}: names no change")
    return ch  # type: ignore[no-any-return]


def change_kind(ch: membership_pb2.MembershipChange) -> str:
    return str(ch.WhichOneof("change"))


def change_member(ch: membership_pb2.MembershipChange) -> str:
    """The member a change is about."""
    return str(getattr(ch, change_kind(ch)).member_id)


def effective_size(ch: membership_pb2.MembershipChange, leaf_index: int, where: str = "payload") -> int:
    """The tree size from which the change applies. Raises FailedPrecondition if it is too early."""
    e = ch.effective_tree_size or leaf_index + 1
    if e < leaf_index + 1:
        raise FailedPrecondition(
            f"{where}.effective_tree_size: {e} is before the size at which it commits ({leaf_index + 1})"
        )
    if e > MAX_EFFECTIVE:
        raise InvalidArgument(f"{where}.effective_tree_size: {e} is too large")
    return e


def bootstrap_key(ch: membership_pb2.MembershipChange, kid: bytes) -> bytes | None:
    """The public key signing a bootstrap change (an admin onboarding itself), else None."""
    if change_kind(ch) != "onboard" or ADMIN not in ch.onboard.roles:
        return None
    return next((pk for pk in ch.onboard.public_keys if key_id(pk) == kid), None)


def signer_key(reg: MemberRegistry, ch: membership_pb2.MembershipChange, kid: bytes, leaf_index: int,
               where: str = "payload") -> KeyRecord:
    """The admin key that may sign ``ch`` at ``leaf_index``. Raises Unauthenticated/PermissionDenied."""
    if not any(ADMIN in m.roles for m in reg.members.values()):
        pk = bootstrap_key(ch, kid)
        if pk is None:
            raise PermissionDenied(f"{where}: the first change must onboard an admin, signed by one of its own keys")
        return KeyRecord(kid, bytes(pk), ch.onboard.member_id, leaf_index)
    rec = reg.signer(kid, leaf_index, field_name=f"{where}.key_id")
    if ADMIN not in reg.members[rec.member_id].roles_at(leaf_index):
        raise PermissionDenied(f"{where}.key_id: member {rec.member_id!r} is not an admin at tree size {leaf_index}")
    return rec


def _roles(values: Iterable[str], where: str) -> frozenset[str]:
    roles = frozenset(values)
    if not roles:
        raise InvalidArgument(f"{where}.roles: at least one role is required")
    bad = roles - ROLES
    if bad:
        raise InvalidArgument(f"{where}.roles: unknown role(s) {sorted(bad)}")
    return roles


def _new_key(reg: MemberRegistry, member_id: str, pk: bytes, since: int, where: str) -> KeyRecord:
    try:
        check_registrable_key(pk)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}.{exc}") from None
    kid = key_id(pk)
    if kid in reg.keys:
        raise AlreadyExists(f"{where}: key {kid.hex()} is already registered (to {reg.keys[kid].member_id!r})")
    rec = KeyRecord(kid, bytes(pk), member_id, since)
    reg.keys[kid] = rec
    return rec


def _member(reg: MemberRegistry, member_id: str, where: str) -> Member:
    m = reg.members.get(member_id)
    if m is None:
        raise NotFound(f"{where}.member_id: no member {member_id!r}")
    return m


def _own_open_key(reg: MemberRegistry, member_id: str, kid: bytes, e: int, where: str) -> KeyRecord:
    if len(kid) != KEY_ID_LEN:
        raise InvalidArgument(f"{where}: key id must be {KEY_ID_LEN} bytes, got {len(kid)}")
    rec = reg.keys.get(kid)
    if rec is None or rec.member_id != member_id:
        raise NotFound(f"{where}: {kid.hex()} is not a key of {member_id!r}")
    if rec.valid_until is not None:
        raise FailedPrecondition(f"{where}: key {kid.hex()} is already revoked from size {rec.valid_until}")
    if e < rec.valid_from:
        raise FailedPrecondition(f"{where}: revocation at {e} is before the key is valid ({rec.valid_from})")
    return rec


def _apply(reg: MemberRegistry, ch: membership_pb2.MembershipChange, e: int, where: str) -> None:
    kind = change_kind(ch)
    body = getattr(ch, kind)
    w = f"{where}.{kind}"
    mid = str(body.member_id)
    if kind == "onboard":
        if not MEMBER_ID.fullmatch(mid):
            raise InvalidArgument(f"{w}.member_id: {mid!r} must match {MEMBER_ID.pattern}")
        if mid in reg.members:
            raise AlreadyExists(f"{w}.member_id: member {mid!r} exists")
        roles = _roles(body.roles, w)
        reg.members[mid] = Member(mid, roles, str(body.name), joined_at=e, role_history=((e, roles),))
        for i, pk in enumerate(body.public_keys):
            _new_key(reg, mid, pk, e, f"{w}.public_keys[{i}]")
        return
    m = _member(reg, mid, w)
    if kind == "add_key":
        _new_key(reg, mid, body.public_key, e, f"{w}.public_key")
    elif kind == "rotate_key":
        old = _own_open_key(reg, mid, body.old_key_id, e, f"{w}.old_key_id")
        _new_key(reg, mid, body.new_public_key, e, f"{w}.new_public_key")
        reg.keys[old.key_id] = replace(old, valid_until=e)
    elif kind == "revoke_key":
        old = _own_open_key(reg, mid, body.key_id, e, f"{w}.key_id")
        reg.keys[old.key_id] = replace(old, valid_until=e)
    elif kind == "suspend":
        if m.suspended_from is not None:
            raise FailedPrecondition(f"{w}: member {mid!r} is already suspended from size {m.suspended_from}")
        if m.past_suspensions and e < m.past_suspensions[-1][1]:
            raise FailedPrecondition(f"{w}: size {e} is before the member's last reinstatement")
        reg.members[mid] = replace(m, suspended_from=e)
    elif kind == "reinstate":
        if m.suspended_from is None:
            raise FailedPrecondition(f"{w}: member {mid!r} is not suspended")
        if e < m.suspended_from:
            raise FailedPrecondition(f"{w}: size {e} is before the suspension starts ({m.suspended_from})")
        closed = (*m.past_suspensions, (m.suspended_from, e))
        reg.members[mid] = replace(m, suspended_from=None, past_suspensions=closed)
    elif kind == "change_roles":
        roles = _roles(body.roles, w)
        hist = m.role_history or ((m.joined_at, m.roles),)
        if e < hist[-1][0]:
            raise FailedPrecondition(f"{w}: size {e} is before the member's last role change ({hist[-1][0]})")
        reg.members[mid] = replace(m, roles=roles, role_history=(*hist, (e, roles)))
    else:  # pragma: no cover - parse_change only lets known oneof fields through
        raise InvalidArgument(f"{where}: unknown change {kind!r}")


def _check_admin_remains(reg: MemberRegistry, where: str) -> None:
    for m in reg.members.values():
        if ADMIN in m.roles and m.suspended_from is None and any(
            k.member_id == m.member_id and k.valid_until is None for k in reg.keys.values()
        ):
            return
    raise FailedPrecondition(f"{where}: refused: no active admin with an unrevoked key would remain")


def apply_change(reg: MemberRegistry, ch: membership_pb2.MembershipChange, leaf_index: int, kid: bytes,
                 where: str = "payload") -> int:
    """Check that ``kid`` may sign ``ch`` at ``leaf_index`` and apply it to ``reg``; return the
    effective size. Raises a LedgerError naming the field; then ``reg`` is unchanged."""
    e = effective_size(ch, leaf_index, where)
    signer_key(reg, ch, kid, leaf_index, where)
    work = reg.copy()
    _apply(work, ch, e, where)
    _check_admin_remains(work, where)
    reg.replace_with(work)
    return e


def replay(
    entries: Iterable[tuple[int, bytes, bytes]], *, verify: bool
) -> tuple[MemberRegistry, list[tuple[int, str]]]:
    """Rebuild a registry from ``(leaf index, leaf bytes, payload)`` MEMBERSHIP entries in leaf order.

    With ``verify`` each payload must hash to its leaf's entry id and each signature must verify
    under the key the registry says was valid then (what a client does with proven entries; the
    node skips it for its own store, which it checked on ingest). Returns the registry and
    ``(leaf index, member id)`` per change. Raises ReplayError naming the leaf.
    """
    from ledger.verify import verify_one  # lazy: numpy-backed

    reg = MemberRegistry()
    history: list[tuple[int, str]] = []
    for idx, leaf_bytes, payload in entries:
        try:
            leaf = decode_leaf(leaf_bytes)
            if leaf.kind != EntryKind.MEMBERSHIP:
                raise ReplayError(f"leaf {idx}: not a MEMBERSHIP entry")
            ch = parse_change(payload, f"leaf {idx}")
            if verify:
                if hashlib.sha256(payload).digest() != leaf.entry_id:
                    raise ReplayError(f"leaf {idx}: payload does not hash to the entry id")
                pk = signer_key(reg, ch, leaf.key_id, idx, f"leaf {idx}").public_key
                if not verify_one(leaf.message(), leaf.signature, pk):
                    raise ReplayError(f"leaf {idx}: signature does not verify")
            apply_change(reg, ch, idx, leaf.key_id, f"leaf {idx}")
        except ReplayError:
            raise
        except (LedgerError, LeafFormatError) as exc:
            raise ReplayError(f"membership replay: {exc}") from None
        history.append((idx, change_member(ch)))
    return reg, history
