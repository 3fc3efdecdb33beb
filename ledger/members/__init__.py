"""Who may sign what: members, their roles and keys, with validity in tree sizes."""

from ledger.members.registry import (
    NODE_MEMBER,
    ROLES,
    KeyRecord,
    Member,
    MemberRegistry,
    check_registrable_key,
    load_members_file,
    register_node_key,
)

__all__ = [
    "NODE_MEMBER",
    "ROLES",
    "KeyRecord",
    "Member",
    "MemberRegistry",
    "check_registrable_key",
    "load_members_file",
    "register_node_key",
]
