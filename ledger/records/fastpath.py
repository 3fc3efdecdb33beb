"""A fused fast path for the ingest rules: "does this record surely break no rule?" in one pass.

Conservative by construction: True only when every rule in ``ledger.records.rules`` would pass;
False sends the record through the rules, which then name the first violation exactly as before.
``tests/test_rules.py`` runs every rule through ``validate``, i.e. through this path first.
"""

from __future__ import annotations

import datetime
import re
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
    is_open,
)

# --------------------------------------------------------------------------------- fused fast path
# Ingest validates every record and nearly all are valid, so ``passes_all`` answers "does this
# record break no rule?" in one pass of cheap checks, building no messages. It is conservative: it
# returns True only when every rule above would return None; False means "run the rules", which
# then find the first violation (or all of them) exactly as before. Keep it in step with the rules
# (tests/test_rules.py runs every rule through validate, i.e. through this path first).

_HISTORY_RE: Final = re.compile(
    "[" + re.escape("".join(sorted(set(PAYMENT_HISTORY_CODES) - {HISTORY_NO_DATA}))) + "]*"
    + re.escape(HISTORY_NO_DATA) + "*"
)
_DIGITS_AS_ZERO: Final = bytes(48 if 48 <= i <= 57 else 120 for i in range(256))  # 0-9 -> "0", else "x"
_NINE_DIGITS: Final = b"0" * 9
_MEMO_MAX: Final = 4096
_FURNISHERS_OK: Final[set[str]] = set()  # memo of values that passed the rule's own check
_ACCOUNT_TYPES_OK: Final[set[str]] = set()
_PROFILES_OK: Final[set[str]] = set()


def _status_needs(code: str) -> tuple[bool, bool, int, bool, bool, bool, str | None]:
    """What status ``code`` requires: (date of first delinquency, past due 0, past due > 0 mode
    (0 none, 1 always, 2 unless balance 0), balance 0, closed, rating required, implied rating)."""
    return (
        code in DELINQUENT_STATUSES,
        code == "11" or code in DELETE_STATUSES,
        (2 if code in ("93", "97") else 1) if code in PAST_DUE_STATUSES else 0,
        code in PAID_STATUSES or code in DELETE_STATUSES,
        not is_open(code),
        code in RATING_REQUIRED_STATUSES,
        STATUS_IMPLIED_RATING.get(code),
    )


_STATUS_NEEDS: Final = {code: _status_needs(code) for code in ACCOUNT_STATUSES}


def _memo_check(memo: set[str], value: str, ok: bool) -> bool:
    if ok and len(memo) < _MEMO_MAX:
        memo.add(value)
    return ok


def passes_all(
    furnisher_id: str, account_ref: str, kind: str, reported: datetime.date, portfolio_type: str,
    account_type: str, credit_limit: int, original_amount: int, current_balance: int, amount_past_due: int,
    account_status: str, payment_rating: str, history: str, dfd: datetime.date | None, compliance: str,
    supersedes: bytes, opened: datetime.date | None, closed: datetime.date | None, today: datetime.date,
) -> bool:
    """True only if a record with these values (in RecordFields order) breaks no rule.

    Callers pass exact types: ``str``, ``int``, ``bytes``, and ``datetime.date`` or None. False
    does not mean invalid, only "not decided here": run ``validate`` / ``violations``.
    """
    if not (furnisher_id in _FURNISHERS_OK or _memo_check(
            _FURNISHERS_OK, furnisher_id, FURNISHER_RE.fullmatch(furnisher_id) is not None)):
        return False
    n = len(account_ref)
    if not (0 < n <= 64 and account_ref.isascii() and account_ref.isprintable()
            and account_ref[0] != " " and account_ref[-1] != " "):
        return False
    # No 9 digits in a row even with every separator removed: then no run of _LONG_DIGIT_RUN either.
    if _NINE_DIGITS in account_ref.encode("ascii").translate(_DIGITS_AS_ZERO, b" .-"):
        return False
    if kind not in KINDS or portfolio_type not in PORTFOLIO_TYPES:
        return False
    if not (account_type in _ACCOUNT_TYPES_OK or _memo_check(
            _ACCOUNT_TYPES_OK, account_type, ACCOUNT_TYPE_RE.fullmatch(account_type) is not None)):
        return False
    needs = _STATUS_NEEDS.get(account_status)
    if needs is None:
        return False
    if payment_rating and payment_rating not in PAYMENT_RATINGS:
        return False
    if compliance and compliance not in COMPLIANCE_CODES:
        return False
    if not (history in _PROFILES_OK or _memo_check(
            _PROFILES_OK, history, len(history) <= HISTORY_LENGTH and _HISTORY_RE.fullmatch(history) is not None)):
        return False
    n_sup = len(supersedes)
    if n_sup != 0 and n_sup != SUPERSEDES_LEN:
        return False
    if not (0 <= credit_limit <= MAX_AMOUNT and 0 <= original_amount <= MAX_AMOUNT
            and 0 <= current_balance <= MAX_AMOUNT and 0 <= amount_past_due <= MAX_AMOUNT):
        return False
    if reported > today:
        return False
    if dfd is not None and (dfd > today or dfd > reported or (opened is not None and dfd < opened)):
        return False
    if opened is not None and (opened > today or opened > reported):
        return False
    if closed is not None and (closed > today or closed > reported or (opened is not None and closed < opened)):
        return False
    if (kind == KIND_OPENED and opened is None) or (kind == KIND_CLOSED and closed is None):
        return False
    if (kind == KIND_CORRECTION) != (n_sup != 0):
        return False
    needs_dfd, past_due_zero, past_due_positive, balance_zero, closed_status, rating_required, implied = needs
    if needs_dfd and dfd is None:
        return False
    if past_due_zero and amount_past_due != 0:
        return False
    if past_due_positive and amount_past_due == 0 and (past_due_positive == 1 or current_balance != 0):
        return False
    if (balance_zero and current_balance != 0) or amount_past_due > current_balance:
        return False
    if (portfolio_type == "R" or portfolio_type == "C") and credit_limit == 0 and not (
            closed_status or kind == KIND_CLOSED or closed is not None):
        return False
    if (portfolio_type == "I" or portfolio_type == "M") and original_amount == 0:
        return False
    if rating_required and not payment_rating:
        return False
    return not (payment_rating and implied is not None and payment_rating != implied)


def fields_pass(f: RecordFields, today: datetime.date) -> bool:
    """``passes_all`` for a RecordFields of exact types; False (run the rules) for anything else."""
    date, none = datetime.date, type(None)
    if not (type(f.furnisher_id) is str and type(f.account_ref) is str and type(f.kind) is str
            and type(f.portfolio_type) is str and type(f.account_type) is str and type(f.account_status) is str
            and type(f.payment_rating) is str and type(f.payment_history_profile) is str
            and type(f.compliance_condition_code) is str and type(f.supersedes) is bytes
            and type(f.credit_limit) is int and type(f.original_amount) is int
            and type(f.current_balance) is int and type(f.amount_past_due) is int
            and type(today) is date and type(f.date_of_account_information) is date
            and type(f.date_of_first_delinquency) in (date, none) and type(f.date_opened) in (date, none)
            and type(f.date_closed) in (date, none)):
        return False
    return passes_all(
        f.furnisher_id, f.account_ref, f.kind, f.date_of_account_information, f.portfolio_type,
        f.account_type, f.credit_limit, f.original_amount, f.current_balance, f.amount_past_due,
        f.account_status, f.payment_rating, f.payment_history_profile, f.date_of_first_delinquency,
        f.compliance_condition_code, f.supersedes, f.date_opened, f.date_closed, today,
    )
