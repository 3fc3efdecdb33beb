"""The member registry: members, roles and Ed25519 keys, each key valid over a range of tree sizes.

Validity is stated in tree sizes, not wall time, so "which keys were valid when leaf X was
accepted" has one answer that an auditor can recompute from the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import nacl.bindings as sodium

from ledger.errors import InvalidArgument, PermissionDenied, Unauthenticated
from ledger.records.signing import PUBLIC_KEY_LEN, key_id

ROLES = frozenset({"furnisher", "inquirer", "auditor", "admin", "operator"})


def check_registrable_key(public_key: bytes) -> None:
    """Raise InvalidArgument unless the key is a canonical encoding of a point of prime order.

    This is libsodium's ``crypto_core_ed25519_is_valid_point``: canonical, on the curve, not of
    small order, and in the prime-order subgroup.
    """
    if len(public_key) != PUBLIC_KEY_LEN:
        raise InvalidArgument(f"public_key: must be {PUBLIC_KEY_LEN} bytes, got {len(public_key)}")
    if not sodium.crypto_core_ed25519_is_valid_point(public_key):
        raise InvalidArgument("public_key: not a canonical Ed25519 point of prime order")


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: bytes
    public_key: bytes
    member_id: str
    valid_from: int = 0  # first tree size at which entries signed by it are accepted
    valid_until: int | None = None  # tree size from which it is refused (revocation/rotation)

    def valid_at(self, tree_size: int) -> bool:
        return self.valid_from <= tree_size and (self.valid_until is None or tree_size < self.valid_until)


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    roles: frozenset[str]  # the latest roles (possibly effective only from a later tree size)
    name: str = ""
    suspended_from: int | None = None  # tree size from which the member may not act (open suspension)
    joined_at: int = 0  # tree size from which the member exists
    # (from size, roles) in effect from that size on, in size order; empty: ``roles`` throughout.
    role_history: tuple[tuple[int, frozenset[str]], ...] = ()
    past_suspensions: tuple[tuple[int, int], ...] = ()  # closed [from, until) suspensions

    def active_at(self, tree_size: int) -> bool:
        """Whether the member may act at ``tree_size`` (joined, and not suspended then)."""
        if tree_size < self.joined_at:
            return False
        if self.suspended_from is not None and tree_size >= self.suspended_from:
            return False
        return not any(a <= tree_size < b for a, b in self.past_suspensions)

    def roles_at(self, tree_size: int) -> frozenset[str]:
        """The roles in effect at ``tree_size``."""
        cur = self.role_history[0][1] if self.role_history else self.roles
        for since, roles in self.role_history:
            if since <= tree_size:
                cur = roles
        return cur


@dataclass
class MemberRegistry:
    """Members and keys. Mutations return nothing and are applied by the membership log only."""

    members: dict[str, Member] = field(default_factory=dict)
    keys: dict[bytes, KeyRecord] = field(default_factory=dict)

    def add_member(self, member: Member) -> None:
        bad = member.roles - ROLES
        if bad:
            raise InvalidArgument(f"roles: unknown role(s) {sorted(bad)}")
        self.members[member.member_id] = member

    def add_key(self, member_id: str, public_key: bytes, valid_from: int = 0) -> KeyRecord:
        """Register a key for a member. Raises InvalidArgument for a bad key or unknown member."""
        if member_id not in self.members:
            raise InvalidArgument(f"member_id: unknown member {member_id!r}")
        check_registrable_key(public_key)
        rec = KeyRecord(key_id(public_key), public_key, member_id, valid_from)
        self.keys[rec.key_id] = rec
        return rec

    def copy(self) -> MemberRegistry:
        """A copy that can be changed without touching this registry (members and keys are immutable)."""
        return MemberRegistry(dict(self.members), dict(self.keys))

    def replace_with(self, other: MemberRegistry) -> None:
        """Take ``other``'s state in place. Readers on other threads see members before keys, so a
        key they find always has its member."""
        self.members = dict(other.members)
        self.keys = dict(other.keys)

    def revoke_key(self, kid: bytes, at_size: int) -> None:
        rec = self.keys[kid]
        self.keys[kid] = replace(rec, valid_until=at_size)

    def signer(self, kid: bytes, tree_size: int, *, field_name: str = "key_id") -> KeyRecord:
        """The key a submission names, if it may sign at ``tree_size``.

        Raises Unauthenticated for an unknown key id, PermissionDenied for a revoked, not yet valid
        key or a suspended member.
        """
        rec = self.keys.get(kid)
        if rec is None:
            raise Unauthenticated(f"{field_name}: unknown key {kid.hex()}")
        if not rec.valid_at(tree_size):
            raise PermissionDenied(f"{field_name}: key {kid.hex()} is not valid at tree size {tree_size}")
        if not self.members[rec.member_id].active_at(tree_size):
            raise PermissionDenied(f"{field_name}: member {rec.member_id!r} is suspended")
        return rec


NODE_MEMBER = "node"


def register_node_key(registry: MemberRegistry, public_key: bytes) -> None:
    """Add the node's key under a member with no roles, so node-signed entries (e.g. RETENTION)
    verify like any leaf while the node can sign nothing a member could. Idempotent."""
    if NODE_MEMBER not in registry.members:
        registry.add_member(Member(NODE_MEMBER, frozenset(), "the ledger node"))
    if key_id(public_key) not in registry.keys:
        registry.add_key(NODE_MEMBER, public_key)


def load_members_file(path: str | Path) -> MemberRegistry:
    """Load ``{"members": [{"id", "roles", "name"?, "keys": [hex public key, ...]}]}``.

    Raises InvalidArgument naming the member and field that is wrong.
    """
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidArgument(f"members file {path}: {exc}") from None
    reg = MemberRegistry()
    for i, m in enumerate(doc.get("members", [])):
        where = f"members[{i}]"
        try:
            reg.add_member(Member(str(m["id"]), frozenset(m.get("roles", [])), str(m.get("name", ""))))
            for k in m.get("keys", []):
                reg.add_key(str(m["id"]), bytes.fromhex(k))
        except KeyError as exc:
            raise InvalidArgument(f"{where}: missing field {exc}") from None
        except (InvalidArgument, ValueError) as exc:
            raise InvalidArgument(f"{where}: {exc}") from None
    return reg
