"""Decoding and structural checks of the credit record payload (ledger.v1.CreditRecord).

Structural checks (sizes, dates, enums) live here; the Metro 2 code sets and cross-field rules live
in ledger.records.rules. Every failure is InvalidArgument naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from ledger.errors import InvalidArgument
from ledger.records.codes import RecordFields, RuleViolation
from ledger.records.fastpath import passes_all
from ledger.records.rules import validate
from ledger.v1 import records_pb2

BORROWER_REF_LEN = 32
NONCE_LEN = 16
EPOCH = dt.date(1970, 1, 1)
KIND_NAMES = {
    records_pb2.ACCOUNT_OPENED: "ACCOUNT_OPENED",
    records_pb2.MONTHLY_UPDATE: "MONTHLY_UPDATE",
    records_pb2.ACCOUNT_CLOSED: "ACCOUNT_CLOSED",
    records_pb2.CORRECTION: "CORRECTION",
}


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    record: records_pb2.CreditRecord
    reported: dt.date  # date of account information

    @property
    def day(self) -> int:
        """Days since 1970-01-01 of the report date (the borrower index order)."""
        return (self.reported - EPOCH).days


def parse_date(value: str, field: str, *, required: bool = True) -> dt.date | None:
    """Parse an ISO date, or None when empty and not required. Raises InvalidArgument."""
    if not value:
        if required:
            raise InvalidArgument(f"{field}: required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_record(payload: bytes, *, prefix: str = "payload") -> ParsedRecord:
    """Decode a CreditRecord and check its structure. Raises InvalidArgument naming the field."""
    if not payload:
        raise InvalidArgument(f"{prefix}: empty")
    rec = records_pb2.CreditRecord()
    try:
        rec.ParseFromString(payload)
    except DecodeError:
        raise InvalidArgument(f"{prefix}: not a ledger.v1.CreditRecord") from None
    if not rec.furnisher_id:
        raise InvalidArgument(f"{prefix}.furnisher_id: required")
    if len(rec.borrower_ref) != BORROWER_REF_LEN:
        raise InvalidArgument(
            f"{prefix}.borrower_ref: must be {BORROWER_REF_LEN} bytes (HMAC-SHA256), got {len(rec.borrower_ref)}"
        )
    if len(rec.nonce) != NONCE_LEN:
        raise InvalidArgument(f"{prefix}.nonce: must be {NONCE_LEN} random bytes, got {len(rec.nonce)}")
    if rec.kind not in KIND_NAMES:
        raise InvalidArgument(f"{prefix}.kind: unknown record kind {rec.kind}")
    if not rec.account_ref:
        raise InvalidArgument(f"{prefix}.account_ref: required")
    reported = parse_date(rec.date_of_account_information, f"{prefix}.date_of_account_information")
    assert reported is not None
    return ParsedRecord(rec, reported)


def to_fields(parsed: ParsedRecord, prefix: str = "payload") -> RecordFields:
    """The rule engine's view of a parsed record. Raises InvalidArgument for a bad optional date."""
    r = parsed.record
    return RecordFields(
        furnisher_id=r.furnisher_id,
        account_ref=r.account_ref,
        kind=KIND_NAMES[r.kind],
        date_of_account_information=parsed.reported,
        portfolio_type=r.portfolio_type,
        account_type=r.account_type,
        credit_limit=r.credit_limit,
        original_amount=r.original_amount,
        current_balance=r.current_balance,
        amount_past_due=r.amount_past_due,
        account_status=r.account_status,
        payment_rating=r.payment_rating,
        payment_history_profile=r.payment_history_profile,
        date_of_first_delinquency=parse_date(
            r.date_of_first_delinquency, f"{prefix}.date_of_first_delinquency", required=False
        ),
        compliance_condition_code=r.compliance_condition_code,
        supersedes=r.supersedes,
        date_opened=parse_date(r.date_opened, f"{prefix}.date_opened", required=False),
        date_closed=parse_date(r.date_closed, f"{prefix}.date_closed", required=False),
    )


def check_rules(parsed: ParsedRecord, today: dt.date) -> None:
    """Apply the Metro 2 code sets and cross-field rules. Raises InvalidArgument naming the rule."""
    if _passes_fast(parsed, today):
        return
    try:
        validate(to_fields(parsed), today=today)
    except RuleViolation as v:
        raise InvalidArgument(f"payload.{v}") from None


def _passes_fast(parsed: ParsedRecord, today: dt.date) -> bool:
    """True if the record surely breaks no rule (``fastpath.passes_all`` on the message's values).

    False means "not decided here": ``check_rules`` then builds RecordFields and runs the rules,
    which name the first violation (or a malformed optional date) exactly as before.
    """
    r = parsed.record
    reported = parsed.reported
    kind = KIND_NAMES.get(r.kind)
    if kind is None or type(today) is not dt.date or type(reported) is not dt.date:
        return False
    dfd_s, opened_s, closed_s = r.date_of_first_delinquency, r.date_opened, r.date_closed
    try:
        dfd = _fromiso(dfd_s) if dfd_s else None
        opened = _fromiso(opened_s) if opened_s else None
        closed = _fromiso(closed_s) if closed_s else None
    except ValueError:
        return False
    return passes_all(
        r.furnisher_id, r.account_ref, kind, reported, r.portfolio_type, r.account_type, r.credit_limit,
        r.original_amount, r.current_balance, r.amount_past_due, r.account_status, r.payment_rating,
        r.payment_history_profile, dfd, r.compliance_condition_code, r.supersedes, opened, closed, today,
    )


_fromiso = dt.date.fromisoformat
