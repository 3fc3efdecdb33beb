"""Metro 2-style code sets for credit records, the plain record view, and report helpers.

Pure module: no I/O, no protobuf. ``RecordFields`` is the plain view the validator in
:mod:`ledger.records.rules` works on; the protobuf layer maps its message onto it.

Decisions that Metro 2 leaves to the furnisher (or that this ledger narrows) are written next to the
code they govern, and repeated in ``docs``-style comments so the rule module can cite them.

Error hierarchy (all are ``ValueError``)::

    RecordInvalid            a record or a code is not acceptable
      UnknownCode            a code is not in its code set (helpers below)
      RuleViolation          a validation rule failed (defined here, raised by rules.py)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

# --------------------------------------------------------------------------------------------- errors


class RecordInvalid(ValueError):
    """Base class: a credit record (or one of its codes) is not acceptable."""


class UnknownCode(RecordInvalid):
    """``code`` is not a member of the code set named ``code_set``."""

    def __init__(self, code_set: str, code: str) -> None:
        self.code_set = code_set
        self.code = code
        super().__init__(f"{code_set}: unknown code {code!r}")


class RuleViolation(RecordInvalid):
    """A validation rule failed.

    ``rule`` is the stable rule name (e.g. ``"DFD_REQUIRED_WHEN_DELINQUENT"``), ``field`` the
    ``RecordFields`` attribute at fault, ``message`` the reason. ``str()`` gives
    ``"<field>: <message> [<rule>]"``. Two violations are equal when rule, field and message are.
    """

    def __init__(self, rule: str, field: str, message: str) -> None:
        self.rule = rule
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message} [{rule}]")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleViolation):
            return NotImplemented
        return (self.rule, self.field, self.message) == (other.rule, other.field, other.message)

    def __hash__(self) -> int:
        return hash((self.rule, self.field, self.message))

    def __repr__(self) -> str:
        return f"RuleViolation({self.rule!r}, {self.field!r}, {self.message!r})"


# ---------------------------------------------------------------------------------------- formats

MAX_AMOUNT: Final = 2**63 - 1  # int64 minor units
SUPERSEDES_LEN: Final = 32
FURNISHER_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


# ------------------------------------------------------------------------------------------ the view


@dataclass(frozen=True, slots=True)
class RecordFields:
    """Plain, immutable view of one credit record, as the validator sees it.

    Amounts are integer minor units (cents). ``payment_rating`` and ``compliance_condition_code``
    are ``""`` when not reported; ``supersedes`` is ``b""`` or the 32-byte id of the record a
    CORRECTION replaces. ``payment_history_profile`` is most recent month first.
    """

    furnisher_id: str
    account_ref: str
    kind: str
    date_of_account_information: datetime.date
    portfolio_type: str
    account_type: str
    credit_limit: int
    original_amount: int
    current_balance: int
    amount_past_due: int
    account_status: str
    payment_rating: str
    payment_history_profile: str
    date_of_first_delinquency: datetime.date | None
    compliance_condition_code: str
    supersedes: bytes
    date_opened: datetime.date | None
    date_closed: datetime.date | None


# ------------------------------------------------------------------------------------------ code sets

KIND_OPENED: Final = "ACCOUNT_OPENED"
KIND_UPDATE: Final = "MONTHLY_UPDATE"
KIND_CLOSED: Final = "ACCOUNT_CLOSED"
KIND_CORRECTION: Final = "CORRECTION"
KINDS: Final = frozenset({KIND_OPENED, KIND_UPDATE, KIND_CLOSED, KIND_CORRECTION})


def _frozen(d: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(d)


PORTFOLIO_TYPES: Final = _frozen(
    {
        "C": "line of credit",
        "I": "installment",
        "M": "mortgage",
        "O": "open account (balance due in full each period)",
        "R": "revolving",
    }
)

# Account type: the rule is the FORMAT (two characters from 0-9, A-Z); any well-formed code is
# accepted. This table only names the codes we know, for reports. It is not exhaustive.
ACCOUNT_TYPE_RE: Final = re.compile(r"[0-9A-Z]{2}")
ACCOUNT_TYPES: Final = _frozen(
    {
        "00": "auto loan",
        "01": "unsecured loan",
        "02": "secured loan",
        "03": "partially secured loan",
        "04": "home improvement",
        "06": "installment sales contract",
        "07": "charge account",
        "08": "real estate, specific type unknown",
        "0G": "flexible spending credit card",
        "10": "business loan, personally guaranteed",
        "11": "recreational merchandise",
        "12": "education loan",
        "13": "lease",
        "15": "check credit / line of credit",
        "17": "manufactured housing",
        "18": "credit card",
        "19": "FHA real estate mortgage",
        "20": "note loan",
        "25": "VA real estate mortgage",
        "26": "conventional real estate mortgage",
        "29": "rental agreement",
        "3A": "auto lease",
        "47": "credit line secured",
        "48": "collection agency / attorney",
        "5B": "second mortgage",
        "6D": "home equity loan",
        "89": "home equity line of credit",
        "8A": "business credit card",
        "90": "medical debt",
        "91": "debt consolidation",
    }
)

# Account status. Only these codes are accepted by this ledger (a subset of Metro 2).
ACCOUNT_STATUSES: Final = _frozen(
    {
        "11": "current",
        "13": "paid or closed, zero balance",
        "71": "30-59 days past due",
        "78": "60-89 days past due",
        "80": "90-119 days past due",
        "82": "120-149 days past due",
        "83": "150-179 days past due",
        "84": "180 or more days past due",
        "93": "assigned to collections",
        "97": "charged off",
        "64": "paid in full after charge-off",
        "DA": "delete entire account (not fraud)",
        "DF": "delete entire account due to fraud",
    }
)

# Worst-status order. Decisions:
# * 11 and 13 are both "best" (severity 0).
# * 64 (paid after charge-off) ranks as a PAST charge-off: worse than every delinquency bucket
#   (71..84), better than the open derogatories still owed, 93 (collections) and 97 (charged off).
# * DA / DF are deletion instructions, not performance: severity -1, below everything, so any real
#   status wins. Callers should normally drop deleted accounts before ranking.
# Ties (11 vs 13, DA vs DF) are broken by the larger code string, so the result never depends on
# input order.
STATUS_SEVERITY: Final[Mapping[str, int]] = MappingProxyType(
    {"DA": -1, "DF": -1, "11": 0, "13": 0, "71": 1, "78": 2, "80": 3, "82": 4, "83": 5, "84": 6,
     "64": 7, "93": 8, "97": 9}
)

# Statuses that mean the consumer is (or was, for 64) delinquent: a date of first delinquency is due.
DELINQUENT_STATUSES: Final = frozenset({"71", "78", "80", "82", "83", "84", "93", "97", "64"})
# Statuses with money past due right now (amount_past_due > 0; for 93/97 only while a balance is owed).
PAST_DUE_STATUSES: Final = frozenset({"71", "78", "80", "82", "83", "84", "93", "97"})
# Paid statuses: balance must be 0.
PAID_STATUSES: Final = frozenset({"13", "64"})
# Deletion instructions: carry no financial figures (balance and past due 0, no payment rating).
DELETE_STATUSES: Final = frozenset({"DA", "DF"})
# Statuses after which the account is no longer open. 93 stays open: the debt is still being
# collected by the furnisher; it closes when charged off (97) or paid (13/64).
CLOSED_STATUSES: Final = frozenset({"13", "64", "97", "DA", "DF"})

PAYMENT_RATINGS: Final = _frozen(
    {
        "0": "current",
        "1": "30-59 days past due",
        "2": "60-89 days past due",
        "3": "90-119 days past due",
        "4": "120-149 days past due",
        "5": "150-179 days past due",
        "6": "180 or more days past due",
        "G": "collection",
        "L": "charge-off",
    }
)
# Payment rating is required for these statuses (the rating at closure is reported).
RATING_REQUIRED_STATUSES: Final = frozenset({"13", "64"})
# For every other status the rating is optional, but when present it must be the one the status
# implies. "" means the status takes no rating at all (deletions). 64 must be rated L: the account
# was charged off before it was paid.
STATUS_IMPLIED_RATING: Final[Mapping[str, str]] = MappingProxyType(
    {"11": "0", "71": "1", "78": "2", "80": "3", "82": "4", "83": "5", "84": "6", "93": "G",
     "97": "L", "64": "L", "DA": "", "DF": ""}
)

HISTORY_LENGTH: Final = 24
HISTORY_NO_DATA: Final = "B"
PAYMENT_HISTORY_CODES: Final = _frozen(
    {
        "0": "current (0-29 days past due)",
        "1": "30-59 days past due",
        "2": "60-89 days past due",
        "3": "90-119 days past due",
        "4": "120-149 days past due",
        "5": "150-179 days past due",
        "6": "180 or more days past due",
        "B": "no payment history available before this month",
        "D": "no payment history reported this month",
        "E": "zero balance and current",
        "G": "collection",
        "H": "foreclosure completed",
        "J": "voluntary surrender",
        "K": "repossession",
        "L": "charge-off",
    }
)

# Compliance condition codes (Metro 2). XA, XB, XC, XD, XH and XR are the standard meanings we are
# confident of; the entries marked "[unverified]" are recalled from the Credit Reporting Resource
# Guide and should be checked against it before they are shown to consumers. There is no XI.
COMPLIANCE_CODES: Final = _frozen(
    {
        "XA": "account closed at consumer's request",
        "XB": "account information disputed by consumer under the FCRA",
        "XC": "completed investigation of FCRA dispute - consumer disagrees",
        "XD": "account closed at consumer's request - in dispute under the FCRA",
        "XE": "account closed at consumer's request - dispute investigation completed, "
        "consumer disagrees [unverified]",
        "XF": "account in dispute under the Fair Credit Billing Act [unverified]",
        "XG": "FCBA dispute resolved - consumer disagrees [unverified]",
        "XH": "account previously in dispute - investigation completed",
        "XJ": "account closed at consumer's request - in dispute under the FCBA [unverified]",
        "XR": "removes the most recently reported compliance condition code",
    }
)


# -------------------------------------------------------------------------------------------- helpers


def describe_status(code: str) -> str:
    """Description of account status ``code``; raises UnknownCode if it is not in the set."""
    try:
        return ACCOUNT_STATUSES[code]
    except KeyError:
        raise UnknownCode("account_status", code) from None


def status_severity(code: str) -> int:
    """Severity rank of account status ``code`` (higher is worse; see STATUS_SEVERITY).

    Raises UnknownCode for a code outside ACCOUNT_STATUSES.
    """
    try:
        return STATUS_SEVERITY[code]
    except KeyError:
        raise UnknownCode("account_status", code) from None


def worst_status(codes: Iterable[str]) -> str:
    """The most severe status among ``codes``; ties go to the larger code (order-independent).

    Raises ValueError if ``codes`` is empty, UnknownCode if any code is unknown.
    """
    ranked = [(status_severity(c), c) for c in codes]
    if not ranked:
        raise ValueError("worst_status: no status codes given")
    return max(ranked)[1]


def is_delinquent(code: str) -> bool:
    """True if status ``code`` records a delinquency (71-84, 93, 97, and 64 which had one).

    Raises UnknownCode for an unknown code.
    """
    status_severity(code)
    return code in DELINQUENT_STATUSES


def is_open(status: str, kind: str | None = None) -> bool:
    """True if an account with ``status`` (reported in a record of ``kind``) is still open.

    Open unless the status is 13, 64, 97, DA or DF, or the record kind is ACCOUNT_CLOSED.
    Raises UnknownCode for an unknown status.
    """
    status_severity(status)
    return status not in CLOSED_STATUSES and kind != KIND_CLOSED


def history_grid(profile: str) -> list[str]:
    """The 24 monthly codes of a payment history profile, most recent first.

    A profile shorter than 24 is padded with "B" (no history before). Raises RecordInvalid if
    ``profile`` is longer than 24 characters, UnknownCode for a character outside the code set.
    """
    if len(profile) > HISTORY_LENGTH:
        raise RecordInvalid(
            f"payment_history_profile: {len(profile)} characters, at most {HISTORY_LENGTH} allowed"
        )
    for ch in profile:
        if ch not in PAYMENT_HISTORY_CODES:
            raise UnknownCode("payment_history_profile", ch)
    return list(profile) + [HISTORY_NO_DATA] * (HISTORY_LENGTH - len(profile))
