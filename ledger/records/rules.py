"""Metro 2-style validation of a credit record (``RecordFields``).

Pure module: no I/O; "today" is passed in, never read from the clock.

``validate(fields, today=...)`` raises the FIRST failing rule as a ``RuleViolation``;
``violations(fields, today=...)`` returns every failing rule. Rules run in the fixed order of
``RULE_NAMES`` (formats first, then amounts, dates, and cross-field rules), and each rule reports at
most once. A rule whose inputs are already malformed (an unknown status, a negative amount) stays
silent so that one mistake is reported once, by the rule that names it.

Decisions recorded here (see each rule's docstring):

* FURNISHER_ID_FORMAT: 1..64 chars of ``A-Z a-z 0-9 . _ -``, starting with a letter or digit.
* ACCOUNT_REF_FORMAT: 1..64 printable ASCII chars, no leading/trailing space, and no run of 9 or
  more digits (runs may be split by spaces, dashes or dots). Such a run looks like a national id or
  a full account/card number; furnishers must send a tokenized reference, never raw PII.
* DA/DF (delete) records carry no figures: balance and past due must be 0, payment rating empty.
* "Closed" for LIMIT_REQUIRED_FOR_REVOLVING means ``not is_open(status, kind)`` or a date closed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Final

from ledger.records.codes import (
    ACCOUNT_STATUSES,
    ACCOUNT_TYPE_RE,
    COMPLIANCE_CODES,
    DELETE_STATUSES,
    DELINQUENT_STATUSES,
    FURNISHER_RE,
    HISTORY_LENGTH,
    HISTORY_NO_DATA,
    KIND_CLOSED,
    KIND_CORRECTION,
    KIND_OPENED,
    KINDS,
    MAX_AMOUNT,
    PAID_STATUSES,
    PAST_DUE_STATUSES,
    PAYMENT_HISTORY_CODES,
    PAYMENT_RATINGS,
    PORTFOLIO_TYPES,
    RATING_REQUIRED_STATUSES,
    STATUS_IMPLIED_RATING,
    SUPERSEDES_LEN,
    RecordFields,
    RecordInvalid,
    RuleViolation,
    is_open,
)
from ledger.records.fastpath import fields_pass

__all__ = ["RULES", "RULE_NAMES", "RecordInvalid", "RuleViolation", "validate", "violations"]

_ACCOUNT_REF_RE: Final = re.compile(r"[\x20-\x7e]{1,64}")
_LONG_DIGIT_RUN: Final = re.compile(r"\d(?:[ .-]?\d){8,}")
_AMOUNT_FIELDS: Final = ("credit_limit", "original_amount", "current_balance", "amount_past_due")
_DATE_FIELDS: Final = ("date_of_account_information", "date_of_first_delinquency", "date_opened",
                       "date_closed")

# A rule returns None when satisfied, else (field at fault, reason).
Finding = tuple[str, str] | None
Rule = Callable[[RecordFields, datetime.date], Finding]


def _status_text(code: str) -> str:
    return f"{code} ({ACCOUNT_STATUSES[code]})"


def _amounts_ok(f: RecordFields) -> bool:
    return all(_amount_ok(getattr(f, name)) for name in _AMOUNT_FIELDS)


def _amount_ok(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_AMOUNT


def _known_status(f: RecordFields) -> bool:
    return f.account_status in ACCOUNT_STATUSES


# ---------------------------------------------------------------------------------------- formats


def furnisher_id_format(f: RecordFields, today: datetime.date) -> Finding:
    """FURNISHER_ID_FORMAT: 1..64 of A-Z a-z 0-9 . _ -, first char a letter or digit."""
    if FURNISHER_RE.fullmatch(f.furnisher_id) is None:
        return ("furnisher_id",
            "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', '-', " "starting with a letter or digit")
    return None


def account_ref_format(f: RecordFields, today: datetime.date) -> Finding:
    """ACCOUNT_REF_FORMAT: 1..64 printable ASCII, trimmed, no 9+ digit run (PII guard)."""
    ref = f.account_ref
    if _ACCOUNT_REF_RE.fullmatch(ref) is None or ref != ref.strip():
        return ("account_ref", "must be 1-64 printable ASCII characters without leading or trailing spaces")
    if _LONG_DIGIT_RUN.search(ref) is not None:
        return ("account_ref",
            "contains a run of 9 or more digits, which may be a national id or a full "
            "account number; send a tokenized reference")
    return None


def kind_code(f: RecordFields, today: datetime.date) -> Finding:
    """KIND_CODE: kind is one of ACCOUNT_OPENED, MONTHLY_UPDATE, ACCOUNT_CLOSED, CORRECTION."""
    if f.kind not in KINDS:
        return ("kind", f"unknown record kind {f.kind!r}; expected one of " + ", ".join(sorted(KINDS)))
    return None


def portfolio_type_code(f: RecordFields, today: datetime.date) -> Finding:
    """PORTFOLIO_TYPE_CODE: one of C, I, M, O, R."""
    if f.portfolio_type not in PORTFOLIO_TYPES:
        return ("portfolio_type",
            f"unknown portfolio type {f.portfolio_type!r}; expected one of C, I, M, O, R")
    return None


def account_type_format(f: RecordFields, today: datetime.date) -> Finding:
    """ACCOUNT_TYPE_FORMAT: exactly two characters from 0-9, A-Z (known or not)."""
    if ACCOUNT_TYPE_RE.fullmatch(f.account_type) is None:
        return ("account_type", f"{f.account_type!r} is not a 2-character code of 0-9, A-Z")
    return None


def status_code(f: RecordFields, today: datetime.date) -> Finding:
    """STATUS_CODE: account_status is in ACCOUNT_STATUSES."""
    if not _known_status(f):
        return ("account_status", f"unknown account status {f.account_status!r}")
    return None


def payment_rating_code(f: RecordFields, today: datetime.date) -> Finding:
    """PAYMENT_RATING_CODE: payment_rating is "" or one of 0-6, G, L."""
    if f.payment_rating and f.payment_rating not in PAYMENT_RATINGS:
        return ("payment_rating", f"unknown payment rating {f.payment_rating!r}; expected one of 0-6, G, L")
    return None


def compliance_code(f: RecordFields, today: datetime.date) -> Finding:
    """COMPLIANCE_CODE: compliance_condition_code is "" or one of XA-XH, XJ, XR."""
    c = f.compliance_condition_code
    if c and c not in COMPLIANCE_CODES:
        return ("compliance_condition_code", f"unknown compliance condition code {c!r}")
    return None


def history_profile_length(f: RecordFields, today: datetime.date) -> Finding:
    """HISTORY_PROFILE_LENGTH: at most 24 characters."""
    n = len(f.payment_history_profile)
    if n > HISTORY_LENGTH:
        return ("payment_history_profile", f"{n} characters, at most {HISTORY_LENGTH} allowed")
    return None


def history_profile_charset(f: RecordFields, today: datetime.date) -> Finding:
    """HISTORY_PROFILE_CHARSET: every character is a payment history code (0-6 B D E G H J K L)."""
    bad = sorted({ch for ch in f.payment_history_profile if ch not in PAYMENT_HISTORY_CODES})
    if bad:
        return ("payment_history_profile",
            f"invalid characters {''.join(bad)!r}; allowed: " + "".join(PAYMENT_HISTORY_CODES))
    return None


def history_profile_b_tail(f: RecordFields, today: datetime.date) -> Finding:
    """HISTORY_PROFILE_B_TAIL: once "B" (no history before) appears, every older month is "B"."""
    p = f.payment_history_profile
    i = p.find(HISTORY_NO_DATA)
    if i >= 0 and p[i:] != HISTORY_NO_DATA * (len(p) - i):
        return ("payment_history_profile", "a month older than a 'B' (no history before) must also be 'B'")
    return None


def supersedes_length(f: RecordFields, today: datetime.date) -> Finding:
    """SUPERSEDES_LENGTH: supersedes is b"" or exactly 32 bytes."""
    if len(f.supersedes) not in (0, SUPERSEDES_LEN):
        return ("supersedes",
            f"{len(f.supersedes)} bytes; must be empty or a {SUPERSEDES_LEN}-byte record id")
    return None


def amounts_non_negative(f: RecordFields, today: datetime.date) -> Finding:
    """AMOUNTS_NON_NEGATIVE: every amount is an int (not bool) in 0..2**63-1."""
    for name in _AMOUNT_FIELDS:
        if not _amount_ok(getattr(f, name)):
            return (name, f"must be an integer amount in minor units between 0 and {MAX_AMOUNT}")
    return None


# ------------------------------------------------------------------------------------------ dates


def date_not_in_future(f: RecordFields, today: datetime.date) -> Finding:
    """DATE_NOT_IN_FUTURE: no date field is after ``today``."""
    for name in _DATE_FIELDS:
        d = getattr(f, name)
        if d is not None and d > today:
            return (name, f"{d.isoformat()} is after today " f"({today.isoformat()})")
    return None


def _not_after_report(name: str, f: RecordFields) -> Finding:
    d = getattr(f, name)
    if d is not None and d > f.date_of_account_information:
        return name, (f"{d.isoformat()} is after date_of_account_information "
                      f"({f.date_of_account_information.isoformat()})")
    return None


def dfd_not_after_report_date(f: RecordFields, today: datetime.date) -> Finding:
    """DFD_NOT_AFTER_REPORT_DATE: date_of_first_delinquency <= date_of_account_information."""
    return _not_after_report("date_of_first_delinquency", f)


def opened_not_after_report_date(f: RecordFields, today: datetime.date) -> Finding:
    """OPENED_NOT_AFTER_REPORT_DATE: date_opened <= date_of_account_information."""
    return _not_after_report("date_opened", f)


def closed_not_after_report_date(f: RecordFields, today: datetime.date) -> Finding:
    """CLOSED_NOT_AFTER_REPORT_DATE: date_closed <= date_of_account_information."""
    return _not_after_report("date_closed", f)


def closed_not_before_opened(f: RecordFields, today: datetime.date) -> Finding:
    """CLOSED_NOT_BEFORE_OPENED: date_closed >= date_opened when both are given."""
    if f.date_closed is not None and f.date_opened is not None and f.date_closed < f.date_opened:
        return ("date_closed",
            f"{f.date_closed.isoformat()} is before date_opened " f"({f.date_opened.isoformat()})")
    return None


def dfd_not_before_opened(f: RecordFields, today: datetime.date) -> Finding:
    """DFD_NOT_BEFORE_OPENED: date_of_first_delinquency >= date_opened when both are given."""
    dfd, opened = f.date_of_first_delinquency, f.date_opened
    if dfd is not None and opened is not None and dfd < opened:
        return ("date_of_first_delinquency",
            f"{dfd.isoformat()} is before date_opened ({opened.isoformat()})")
    return None


# ------------------------------------------------------------------------------------ cross-field


def opened_needs_date_opened(f: RecordFields, today: datetime.date) -> Finding:
    """OPENED_NEEDS_DATE_OPENED: kind ACCOUNT_OPENED requires date_opened."""
    if f.kind == KIND_OPENED and f.date_opened is None:
        return ("date_opened", f"required when kind is {KIND_OPENED}")
    return None


def closed_needs_date_closed(f: RecordFields, today: datetime.date) -> Finding:
    """CLOSED_NEEDS_DATE_CLOSED: kind ACCOUNT_CLOSED requires date_closed."""
    if f.kind == KIND_CLOSED and f.date_closed is None:
        return ("date_closed", f"required when kind is {KIND_CLOSED}")
    return None


def correction_needs_supersedes(f: RecordFields, today: datetime.date) -> Finding:
    """CORRECTION_NEEDS_SUPERSEDES: kind is CORRECTION if and only if supersedes is non-empty."""
    if len(f.supersedes) not in (0, SUPERSEDES_LEN) or f.kind not in KINDS:
        return None
    if f.kind == KIND_CORRECTION and not f.supersedes:
        return ("supersedes",
            f"required (the {SUPERSEDES_LEN}-byte id of the corrected record) "
            f"when kind is {KIND_CORRECTION}")
    if f.kind != KIND_CORRECTION and f.supersedes:
        return ("supersedes", f"must be empty when kind is {f.kind}; only a {KIND_CORRECTION} supersedes")
    return None


def dfd_required_when_delinquent(f: RecordFields, today: datetime.date) -> Finding:
    """DFD_REQUIRED_WHEN_DELINQUENT: statuses 71-84, 93, 97 and 64 need date_of_first_delinquency."""
    if f.account_status in DELINQUENT_STATUSES and f.date_of_first_delinquency is None:
        return ("date_of_first_delinquency",
            f"required when account_status is {_status_text(f.account_status)}")
    return None


def past_due_zero_when_current(f: RecordFields, today: datetime.date) -> Finding:
    """PAST_DUE_ZERO_WHEN_CURRENT: status 11 needs amount_past_due == 0."""
    if _amounts_ok(f) and f.account_status == "11" and f.amount_past_due != 0:
        return ("amount_past_due", f"must be 0 when account_status is {_status_text('11')}")
    return None


def past_due_positive_when_delinquent(f: RecordFields, today: datetime.date) -> Finding:
    """PAST_DUE_POSITIVE_WHEN_DELINQUENT: 71-84 need amount_past_due > 0; 93/97 too while balance > 0."""
    s = f.account_status
    if not _amounts_ok(f) or s not in PAST_DUE_STATUSES or f.amount_past_due > 0:
        return None
    if s in ("93", "97") and f.current_balance == 0:
        return None
    return ("amount_past_due", f"must be greater than 0 when account_status is {_status_text(s)}")


def balance_zero_when_paid(f: RecordFields, today: datetime.date) -> Finding:
    """BALANCE_ZERO_WHEN_PAID: statuses 13 and 64 need current_balance == 0."""
    if _amounts_ok(f) and f.account_status in PAID_STATUSES and f.current_balance != 0:
        return ("current_balance", f"must be 0 when account_status is {_status_text(f.account_status)}")
    return None


def balance_zero_when_deleted(f: RecordFields, today: datetime.date) -> Finding:
    """BALANCE_ZERO_WHEN_DELETED: DA/DF records carry balance 0 and past due 0."""
    if not _amounts_ok(f) or f.account_status not in DELETE_STATUSES:
        return None
    for name in ("current_balance", "amount_past_due"):
        if getattr(f, name) != 0:
            return (name, f"must be 0 when account_status is {_status_text(f.account_status)}")
    return None


def past_due_not_above_balance(f: RecordFields, today: datetime.date) -> Finding:
    """PAST_DUE_NOT_ABOVE_BALANCE: amount_past_due <= current_balance."""
    if _amounts_ok(f) and f.amount_past_due > f.current_balance:
        return ("amount_past_due", f"{f.amount_past_due} exceeds current_balance {f.current_balance}")
    return None


def limit_required_for_revolving(f: RecordFields, today: datetime.date) -> Finding:
    """LIMIT_REQUIRED_FOR_REVOLVING: portfolio R or C needs credit_limit > 0 unless closed."""
    if not (_amounts_ok(f) and _known_status(f) and f.portfolio_type in ("R", "C")):
        return None
    closed = not is_open(f.account_status, f.kind) or f.date_closed is not None
    if not closed and f.credit_limit == 0:
        return ("credit_limit",
            f"must be greater than 0 for an open account with portfolio_type "
            f"{f.portfolio_type} ({PORTFOLIO_TYPES[f.portfolio_type]})")
    return None


def original_amount_required_for_loans(f: RecordFields, today: datetime.date) -> Finding:
    """ORIGINAL_AMOUNT_REQUIRED_FOR_LOANS: portfolio I or M needs original_amount > 0."""
    if _amounts_ok(f) and f.portfolio_type in ("I", "M") and f.original_amount == 0:
        return ("original_amount",
            f"must be greater than 0 with portfolio_type {f.portfolio_type} "
            f"({PORTFOLIO_TYPES[f.portfolio_type]})")
    return None


def payment_rating_required(f: RecordFields, today: datetime.date) -> Finding:
    """PAYMENT_RATING_REQUIRED: statuses 13 and 64 report the payment rating at closure."""
    if f.account_status in RATING_REQUIRED_STATUSES and not f.payment_rating:
        return ("payment_rating", f"required when account_status is {_status_text(f.account_status)}")
    return None


def payment_rating_consistent(f: RecordFields, today: datetime.date) -> Finding:
    """PAYMENT_RATING_CONSISTENT: a rating given with a status other than 13 is the one it implies.

    11→0, 71→1, 78→2, 80→3, 82→4, 83→5, 84→6, 93→G, 97→L, 64→L; DA/DF take no rating.
    """
    s, r = f.account_status, f.payment_rating
    if not r or r not in PAYMENT_RATINGS or s not in STATUS_IMPLIED_RATING:
        return None
    want = STATUS_IMPLIED_RATING[s]
    if r != want:
        expect = f"must be empty or {want!r}" if want else "must be empty"
        return ("payment_rating", f"{r!r} does not match account_status {_status_text(s)}; {expect}")
    return None


# Fixed evaluation order ("first violation" depends on it); a rule's name is its function name upper-cased.
_ORDER: Final[tuple[Rule, ...]] = (
    furnisher_id_format, account_ref_format, kind_code, portfolio_type_code, account_type_format, status_code,
    payment_rating_code, compliance_code, history_profile_length, history_profile_charset,
    history_profile_b_tail, supersedes_length, amounts_non_negative, date_not_in_future,
    dfd_not_after_report_date, opened_not_after_report_date, closed_not_after_report_date,
    closed_not_before_opened, dfd_not_before_opened, opened_needs_date_opened, closed_needs_date_closed,
    correction_needs_supersedes, dfd_required_when_delinquent, past_due_zero_when_current,
    past_due_positive_when_delinquent, balance_zero_when_paid, balance_zero_when_deleted,
    past_due_not_above_balance, limit_required_for_revolving, original_amount_required_for_loans,
    payment_rating_required, payment_rating_consistent,
)
RULES: Final[tuple[tuple[str, Rule], ...]] = tuple((r.__name__.upper(), r) for r in _ORDER)
RULE_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in RULES)


def _iter_violations(fields: RecordFields, today: datetime.date) -> Iterator[RuleViolation]:
    for name, rule in RULES:
        found = rule(fields, today)
        if found is not None:
            yield RuleViolation(name, *found)


def violations(fields: RecordFields, *, today: datetime.date) -> list[RuleViolation]:
    """Every rule ``fields`` breaks, in RULE_NAMES order, at most one per rule; [] if valid."""
    return list(_iter_violations(fields, today))


def validate(fields: RecordFields, *, today: datetime.date) -> None:
    """Return if ``fields`` passes every rule; else raise the first RuleViolation (RULE_NAMES order)."""
    if fields_pass(fields, today):
        return
    for v in _iter_violations(fields, today):
        raise v
