from ledger.v1 import ledger_pb2 as _ledger_pb2
from ledger.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Purpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURPOSE_UNSPECIFIED: _ClassVar[Purpose]
    NEW_CREDIT_APPLICATION: _ClassVar[Purpose]
    ACCOUNT_REVIEW: _ClassVar[Purpose]
    GUARANTOR_CHECK: _ClassVar[Purpose]
    BORROWER_REQUEST: _ClassVar[Purpose]
    REGULATORY: _ClassVar[Purpose]

class DisputeOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_OUTCOME_UNSPECIFIED: _ClassVar[DisputeOutcome]
    CONFIRMED: _ClassVar[DisputeOutcome]
    CORRECTED: _ClassVar[DisputeOutcome]
PURPOSE_UNSPECIFIED: Purpose
NEW_CREDIT_APPLICATION: Purpose
ACCOUNT_REVIEW: Purpose
GUARANTOR_CHECK: Purpose
BORROWER_REQUEST: Purpose
REGULATORY: Purpose
DISPUTE_OUTCOME_UNSPECIFIED: DisputeOutcome
CONFIRMED: DisputeOutcome
CORRECTED: DisputeOutcome

class Inquiry(_message.Message):
    __slots__ = ("member_id", "borrower_ref", "purpose", "consent_ref", "requested_at_ms", "nonce")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CONSENT_REF_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    borrower_ref: bytes
    purpose: Purpose
    consent_ref: str
    requested_at_ms: int
    nonce: bytes
    def __init__(self, member_id: _Optional[str] = ..., borrower_ref: _Optional[bytes] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., consent_ref: _Optional[str] = ..., requested_at_ms: _Optional[int] = ..., nonce: _Optional[bytes] = ...) -> None: ...

class Dispute(_message.Message):
    __slots__ = ("filed_by", "borrower_ref", "record_id", "compliance_condition_code", "reason", "filed_at_ms", "nonce")
    FILED_BY_FIELD_NUMBER: _ClassVar[int]
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_CONDITION_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    filed_by: str
    borrower_ref: bytes
    record_id: bytes
    compliance_condition_code: str
    reason: str
    filed_at_ms: int
    nonce: bytes
    def __init__(self, filed_by: _Optional[str] = ..., borrower_ref: _Optional[bytes] = ..., record_id: _Optional[bytes] = ..., compliance_condition_code: _Optional[str] = ..., reason: _Optional[str] = ..., filed_at_ms: _Optional[int] = ..., nonce: _Optional[bytes] = ...) -> None: ...

class DisputeResolution(_message.Message):
    __slots__ = ("furnisher_id", "dispute_id", "borrower_ref", "outcome", "correction_record_id", "note", "resolved_at_ms", "nonce")
    FURNISHER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    furnisher_id: str
    dispute_id: bytes
    borrower_ref: bytes
    outcome: DisputeOutcome
    correction_record_id: bytes
    note: str
    resolved_at_ms: int
    nonce: bytes
    def __init__(self, furnisher_id: _Optional[str] = ..., dispute_id: _Optional[bytes] = ..., borrower_ref: _Optional[bytes] = ..., outcome: _Optional[_Union[DisputeOutcome, str]] = ..., correction_record_id: _Optional[bytes] = ..., note: _Optional[str] = ..., resolved_at_ms: _Optional[int] = ..., nonce: _Optional[bytes] = ...) -> None: ...

class Erasure(_message.Message):
    __slots__ = ("requested_by", "borrower_ref", "legal_basis", "erased_at_ms", "nonce")
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    ERASED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    requested_by: str
    borrower_ref: bytes
    legal_basis: str
    erased_at_ms: int
    nonce: bytes
    def __init__(self, requested_by: _Optional[str] = ..., borrower_ref: _Optional[bytes] = ..., legal_basis: _Optional[str] = ..., erased_at_ms: _Optional[int] = ..., nonce: _Optional[bytes] = ...) -> None: ...

class RetentionRun(_message.Message):
    __slots__ = ("run_at_ms", "as_of_date", "redacted_record_ids")
    RUN_AT_MS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    REDACTED_RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    run_at_ms: int
    as_of_date: str
    redacted_record_ids: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, run_at_ms: _Optional[int] = ..., as_of_date: _Optional[str] = ..., redacted_record_ids: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Tradeline(_message.Message):
    __slots__ = ("furnisher_id", "account_ref", "record_id", "reported", "account_status", "status_description", "current_balance", "credit_limit", "amount_past_due", "open", "payment_grid", "worst_status_24m", "versions", "corrections", "currency")
    FURNISHER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_REF_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTED_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_GRID_FIELD_NUMBER: _ClassVar[int]
    WORST_STATUS_24M_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    furnisher_id: str
    account_ref: str
    record_id: bytes
    reported: str
    account_status: str
    status_description: str
    current_balance: int
    credit_limit: int
    amount_past_due: int
    open: bool
    payment_grid: _containers.RepeatedScalarFieldContainer[str]
    worst_status_24m: str
    versions: int
    corrections: int
    currency: str
    def __init__(self, furnisher_id: _Optional[str] = ..., account_ref: _Optional[str] = ..., record_id: _Optional[bytes] = ..., reported: _Optional[str] = ..., account_status: _Optional[str] = ..., status_description: _Optional[str] = ..., current_balance: _Optional[int] = ..., credit_limit: _Optional[int] = ..., amount_past_due: _Optional[int] = ..., open: _Optional[bool] = ..., payment_grid: _Optional[_Iterable[str]] = ..., worst_status_24m: _Optional[str] = ..., versions: _Optional[int] = ..., corrections: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class DisputeView(_message.Message):
    __slots__ = ("dispute_id", "record_id", "filed_by", "opened", "deadline", "state", "overdue", "compliance_condition_code")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FILED_BY_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_CONDITION_CODE_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    record_id: bytes
    filed_by: str
    opened: str
    deadline: str
    state: str
    overdue: bool
    compliance_condition_code: str
    def __init__(self, dispute_id: _Optional[bytes] = ..., record_id: _Optional[bytes] = ..., filed_by: _Optional[str] = ..., opened: _Optional[str] = ..., deadline: _Optional[str] = ..., state: _Optional[str] = ..., overdue: _Optional[bool] = ..., compliance_condition_code: _Optional[str] = ...) -> None: ...

class InquiryView(_message.Message):
    __slots__ = ("member_id", "purpose", "date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    purpose: Purpose
    date: str
    def __init__(self, member_id: _Optional[str] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., date: _Optional[str] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("borrower_ref", "as_of_date", "as_of_tree_size", "tradelines", "total_balance", "total_limit", "utilisation_bp", "worst_status_24m", "open_lenders", "multi_lender", "multi_lender_threshold", "disputes", "inquiries", "erased_records", "dispute_days")
    BORROWER_REF_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    TRADELINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LIMIT_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_BP_FIELD_NUMBER: _ClassVar[int]
    WORST_STATUS_24M_FIELD_NUMBER: _ClassVar[int]
    OPEN_LENDERS_FIELD_NUMBER: _ClassVar[int]
    MULTI_LENDER_FIELD_NUMBER: _ClassVar[int]
    MULTI_LENDER_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    ERASED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_DAYS_FIELD_NUMBER: _ClassVar[int]
    borrower_ref: bytes
    as_of_date: str
    as_of_tree_size: int
    tradelines: _containers.RepeatedCompositeFieldContainer[Tradeline]
    total_balance: int
    total_limit: int
    utilisation_bp: int
    worst_status_24m: str
    open_lenders: int
    multi_lender: bool
    multi_lender_threshold: int
    disputes: _containers.RepeatedCompositeFieldContainer[DisputeView]
    inquiries: _containers.RepeatedCompositeFieldContainer[InquiryView]
    erased_records: int
    dispute_days: int
    def __init__(self, borrower_ref: _Optional[bytes] = ..., as_of_date: _Optional[str] = ..., as_of_tree_size: _Optional[int] = ..., tradelines: _Optional[_Iterable[_Union[Tradeline, _Mapping]]] = ..., total_balance: _Optional[int] = ..., total_limit: _Optional[int] = ..., utilisation_bp: _Optional[int] = ..., worst_status_24m: _Optional[str] = ..., open_lenders: _Optional[int] = ..., multi_lender: _Optional[bool] = ..., multi_lender_threshold: _Optional[int] = ..., disputes: _Optional[_Iterable[_Union[DisputeView, _Mapping]]] = ..., inquiries: _Optional[_Iterable[_Union[InquiryView, _Mapping]]] = ..., erased_records: _Optional[int] = ..., dispute_days: _Optional[int] = ...) -> None: ...

class CreditReportRequest(_message.Message):
    __slots__ = ("inquiry", "as_of_tree_size", "as_of_date", "known_tree_size")
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    KNOWN_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    inquiry: _records_pb2.SignedRecord
    as_of_tree_size: int
    as_of_date: str
    known_tree_size: int
    def __init__(self, inquiry: _Optional[_Union[_records_pb2.SignedRecord, _Mapping]] = ..., as_of_tree_size: _Optional[int] = ..., as_of_date: _Optional[str] = ..., known_tree_size: _Optional[int] = ...) -> None: ...

class CreditReportResponse(_message.Message):
    __slots__ = ("checkpoint", "entries", "report", "inquiry_receipt", "consistency", "consistency_from")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FROM_FIELD_NUMBER: _ClassVar[int]
    checkpoint: _ledger_pb2.Checkpoint
    entries: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.HistoryEntry]
    report: Report
    inquiry_receipt: _ledger_pb2.Receipt
    consistency: _containers.RepeatedScalarFieldContainer[bytes]
    consistency_from: int
    def __init__(self, checkpoint: _Optional[_Union[_ledger_pb2.Checkpoint, _Mapping]] = ..., entries: _Optional[_Iterable[_Union[_ledger_pb2.HistoryEntry, _Mapping]]] = ..., report: _Optional[_Union[Report, _Mapping]] = ..., inquiry_receipt: _Optional[_Union[_ledger_pb2.Receipt, _Mapping]] = ..., consistency: _Optional[_Iterable[bytes]] = ..., consistency_from: _Optional[int] = ...) -> None: ...

class CreditReportChunk(_message.Message):
    __slots__ = ("early_entries", "answer")
    EARLY_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    early_entries: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.HistoryEntry]
    answer: CreditReportResponse
    def __init__(self, early_entries: _Optional[_Iterable[_Union[_ledger_pb2.HistoryEntry, _Mapping]]] = ..., answer: _Optional[_Union[CreditReportResponse, _Mapping]] = ...) -> None: ...

class EntryReceipt(_message.Message):
    __slots__ = ("receipt",)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: _ledger_pb2.Receipt
    def __init__(self, receipt: _Optional[_Union[_ledger_pb2.Receipt, _Mapping]] = ...) -> None: ...

class OverdueDisputesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OverdueDisputesResponse(_message.Message):
    __slots__ = ("disputes",)
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    disputes: _containers.RepeatedCompositeFieldContainer[DisputeView]
    def __init__(self, disputes: _Optional[_Iterable[_Union[DisputeView, _Mapping]]] = ...) -> None: ...

class RecordVersionsRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: bytes
    def __init__(self, record_id: _Optional[bytes] = ...) -> None: ...

class RecordVersionsResponse(_message.Message):
    __slots__ = ("versions", "checkpoint")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.HistoryEntry]
    checkpoint: _ledger_pb2.Checkpoint
    def __init__(self, versions: _Optional[_Iterable[_Union[_ledger_pb2.HistoryEntry, _Mapping]]] = ..., checkpoint: _Optional[_Union[_ledger_pb2.Checkpoint, _Mapping]] = ...) -> None: ...
