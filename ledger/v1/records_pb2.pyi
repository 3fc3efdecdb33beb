from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_KIND_UNSPECIFIED: _ClassVar[RecordKind]
    ACCOUNT_OPENED: _ClassVar[RecordKind]
    MONTHLY_UPDATE: _ClassVar[RecordKind]
    ACCOUNT_CLOSED: _ClassVar[RecordKind]
    CORRECTION: _ClassVar[RecordKind]
RECORD_KIND_UNSPECIFIED: RecordKind
ACCOUNT_OPENED: RecordKind
MONTHLY_UPDATE: RecordKind
ACCOUNT_CLOSED: RecordKind
CORRECTION: RecordKind

class CreditRecord(_message.Message):
    __slots__ = ("furnisher_id", "borrower_ref", "account_ref", "kind", "date_of_account_information", "portfolio_type", "account_type", "credit_limit", "original_amount", "current_balance", "amount_past_due", "account_status", "payment_rating", "payment_history_profile", "date_of_first_delinquency", "nonce", "currency", "supersedes", "compliance_condition_code", "date_opened", "date_closed", "jurisdiction")
    FURNISHER_ID_FIELD_NUMBER: _ClassVar[int]
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_REF_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_ACCOUNT_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    PORTFOLIO_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_STATUS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_RATING_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_HISTORY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_FIRST_DELINQUENCY_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDES_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_CONDITION_CODE_FIELD_NUMBER: _ClassVar[int]
    DATE_OPENED_FIELD_NUMBER: _ClassVar[int]
    DATE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    furnisher_id: str
    borrower_ref: bytes
    account_ref: str
    kind: RecordKind
    date_of_account_information: str
    portfolio_type: str
    account_type: str
    credit_limit: int
    original_amount: int
    current_balance: int
    amount_past_due: int
    account_status: str
    payment_rating: str
    payment_history_profile: str
    date_of_first_delinquency: str
    nonce: bytes
    currency: str
    supersedes: bytes
    compliance_condition_code: str
    date_opened: str
    date_closed: str
    jurisdiction: str
    def __init__(self, furnisher_id: _Optional[str] = ..., borrower_ref: _Optional[bytes] = ..., account_ref: _Optional[str] = ..., kind: _Optional[_Union[RecordKind, str]] = ..., date_of_account_information: _Optional[str] = ..., portfolio_type: _Optional[str] = ..., account_type: _Optional[str] = ..., credit_limit: _Optional[int] = ..., original_amount: _Optional[int] = ..., current_balance: _Optional[int] = ..., amount_past_due: _Optional[int] = ..., account_status: _Optional[str] = ..., payment_rating: _Optional[str] = ..., payment_history_profile: _Optional[str] = ..., date_of_first_delinquency: _Optional[str] = ..., nonce: _Optional[bytes] = ..., currency: _Optional[str] = ..., supersedes: _Optional[bytes] = ..., compliance_condition_code: _Optional[str] = ..., date_opened: _Optional[str] = ..., date_closed: _Optional[str] = ..., jurisdiction: _Optional[str] = ...) -> None: ...

class SignedRecord(_message.Message):
    __slots__ = ("payload", "signature", "key_id")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    signature: bytes
    key_id: bytes
    def __init__(self, payload: _Optional[bytes] = ..., signature: _Optional[bytes] = ..., key_id: _Optional[bytes] = ...) -> None: ...
