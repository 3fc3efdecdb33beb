from ledger.v1 import ledger_pb2 as _ledger_pb2
from ledger.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OnboardMember(_message.Message):
    __slots__ = ("member_id", "roles", "name", "public_keys")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEYS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    name: str
    public_keys: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ..., public_keys: _Optional[_Iterable[bytes]] = ...) -> None: ...

class AddKey(_message.Message):
    __slots__ = ("member_id", "public_key")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    public_key: bytes
    def __init__(self, member_id: _Optional[str] = ..., public_key: _Optional[bytes] = ...) -> None: ...

class RotateKey(_message.Message):
    __slots__ = ("member_id", "new_public_key", "old_key_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    OLD_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    new_public_key: bytes
    old_key_id: bytes
    def __init__(self, member_id: _Optional[str] = ..., new_public_key: _Optional[bytes] = ..., old_key_id: _Optional[bytes] = ...) -> None: ...

class RevokeKey(_message.Message):
    __slots__ = ("member_id", "key_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    key_id: bytes
    def __init__(self, member_id: _Optional[str] = ..., key_id: _Optional[bytes] = ...) -> None: ...

class SuspendMember(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class ReinstateMember(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class ChangeRoles(_message.Message):
    __slots__ = ("member_id", "roles")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class MembershipChange(_message.Message):
    __slots__ = ("effective_tree_size", "nonce", "reason", "onboard", "add_key", "rotate_key", "revoke_key", "suspend", "reinstate", "change_roles")
    EFFECTIVE_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ONBOARD_FIELD_NUMBER: _ClassVar[int]
    ADD_KEY_FIELD_NUMBER: _ClassVar[int]
    ROTATE_KEY_FIELD_NUMBER: _ClassVar[int]
    REVOKE_KEY_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_FIELD_NUMBER: _ClassVar[int]
    REINSTATE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ROLES_FIELD_NUMBER: _ClassVar[int]
    effective_tree_size: int
    nonce: bytes
    reason: str
    onboard: OnboardMember
    add_key: AddKey
    rotate_key: RotateKey
    revoke_key: RevokeKey
    suspend: SuspendMember
    reinstate: ReinstateMember
    change_roles: ChangeRoles
    def __init__(self, effective_tree_size: _Optional[int] = ..., nonce: _Optional[bytes] = ..., reason: _Optional[str] = ..., onboard: _Optional[_Union[OnboardMember, _Mapping]] = ..., add_key: _Optional[_Union[AddKey, _Mapping]] = ..., rotate_key: _Optional[_Union[RotateKey, _Mapping]] = ..., revoke_key: _Optional[_Union[RevokeKey, _Mapping]] = ..., suspend: _Optional[_Union[SuspendMember, _Mapping]] = ..., reinstate: _Optional[_Union[ReinstateMember, _Mapping]] = ..., change_roles: _Optional[_Union[ChangeRoles, _Mapping]] = ...) -> None: ...

class ChangeReceipt(_message.Message):
    __slots__ = ("receipt", "effective_tree_size")
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    receipt: _ledger_pb2.Receipt
    effective_tree_size: int
    def __init__(self, receipt: _Optional[_Union[_ledger_pb2.Receipt, _Mapping]] = ..., effective_tree_size: _Optional[int] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class KeyInfo(_message.Message):
    __slots__ = ("key_id", "public_key", "valid_from", "valid_until")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    key_id: bytes
    public_key: bytes
    valid_from: int
    valid_until: int
    def __init__(self, key_id: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., valid_from: _Optional[int] = ..., valid_until: _Optional[int] = ...) -> None: ...

class SuspensionInfo(_message.Message):
    __slots__ = ("from_size", "until_size")
    FROM_SIZE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_SIZE_FIELD_NUMBER: _ClassVar[int]
    from_size: int
    until_size: int
    def __init__(self, from_size: _Optional[int] = ..., until_size: _Optional[int] = ...) -> None: ...

class MemberInfo(_message.Message):
    __slots__ = ("member_id", "name", "roles", "joined_at", "keys", "suspensions")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    SUSPENSIONS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    joined_at: int
    keys: _containers.RepeatedCompositeFieldContainer[KeyInfo]
    suspensions: _containers.RepeatedCompositeFieldContainer[SuspensionInfo]
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., joined_at: _Optional[int] = ..., keys: _Optional[_Iterable[_Union[KeyInfo, _Mapping]]] = ..., suspensions: _Optional[_Iterable[_Union[SuspensionInfo, _Mapping]]] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members", "tree_size")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[MemberInfo]
    tree_size: int
    def __init__(self, members: _Optional[_Iterable[_Union[MemberInfo, _Mapping]]] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetMemberHistoryRequest(_message.Message):
    __slots__ = ("member_id", "tree_size")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    tree_size: int
    def __init__(self, member_id: _Optional[str] = ..., tree_size: _Optional[int] = ...) -> None: ...

class MemberHistoryResponse(_message.Message):
    __slots__ = ("entries", "checkpoint")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.HistoryEntry]
    checkpoint: _ledger_pb2.Checkpoint
    def __init__(self, entries: _Optional[_Iterable[_Union[_ledger_pb2.HistoryEntry, _Mapping]]] = ..., checkpoint: _Optional[_Union[_ledger_pb2.Checkpoint, _Mapping]] = ...) -> None: ...
