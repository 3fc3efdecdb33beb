"""Who may sign what: members, their roles and keys, with validity in tree sizes."""

from ledger.members.registry import (
    ROLES,
    KeyRecord,
    Member,
    MemberRegistry,
    check_registrable_key,
    load_members_file,
)

__all__ = ["ROLES", "KeyRecord", "Member", "MemberRegistry", "check_registrable_key", "load_members_file"]
