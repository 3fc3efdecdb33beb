"""Metro 2-style code sets and cross-field rules (ledger.records.codes / ledger.records.rules)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from ledger.records import codes
from ledger.records.codes import RecordFields, RecordInvalid, RuleViolation, UnknownCode
from ledger.records.rules import RULE_NAMES, validate, violations

TODAY = dt.date(2024, 6, 15)
DAI = dt.date(2024, 5, 31)
SUP = bytes(range(32))


def base(**changes: Any) -> RecordFields:
    """A valid open, current credit card record; ``changes`` override fields."""
    f = RecordFields(
        furnisher_id="bank-a",
        account_ref="CC-7f3a91",
        kind="MONTHLY_UPDATE",
        date_of_account_information=DAI,
        portfolio_type="R",
        account_type="18",
        credit_limit=500_000,
        original_amount=0,
        current_balance=120_000,
        amount_past_due=0,
        account_status="11",
        payment_rating="",
        payment_history_profile="000000000000BBBBBBBBBBBB",
        date_of_first_delinquency=None,
        compliance_condition_code="",
        supersedes=b"",
        date_opened=dt.date(2023, 6, 1),
        date_closed=None,
    )
    return dataclasses.replace(f, **changes)


# Valid records for every status (the shape that status needs).
DELINQ = {"date_of_first_delinquency": dt.date(2024, 1, 5)}
VALID_BY_STATUS: dict[str, dict[str, Any]] = {
    "11": {},
    "13": {"current_balance": 0, "payment_rating": "0", "kind": "ACCOUNT_CLOSED",
           "date_closed": dt.date(2024, 5, 20)},
    "71": {"amount_past_due": 5_000, "payment_rating": "1", **DELINQ},
    "78": {"amount_past_due": 10_000, **DELINQ},
    "80": {"amount_past_due": 15_000, "payment_rating": "3", **DELINQ},
    "82": {"amount_past_due": 20_000, **DELINQ},
    "83": {"amount_past_due": 25_000, **DELINQ},
    "84": {"amount_past_due": 30_000, "payment_rating": "6", **DELINQ},
    "93": {"amount_past_due": 120_000, "payment_rating": "G", **DELINQ},
    "97": {"amount_past_due": 120_000, "payment_rating": "L", **DELINQ},
    "64": {"current_balance": 0, "payment_rating": "L", **DELINQ},
    "DA": {"current_balance": 0},
    "DF": {"current_balance": 0},
}


def broken(rule: str, f: RecordFields) -> None:
    """``f`` breaks exactly ``rule``: validate raises it and violations lists only it."""
    with pytest.raises(RuleViolation) as ei:
        validate(f, today=TODAY)
    assert ei.value.rule == rule, str(ei.value)
    assert [v.rule for v in violations(f, today=TODAY)] == [rule]
    assert str(ei.value).endswith(f"[{rule}]")
    assert str(ei.value).startswith(f"{ei.value.field}: ")


def test_base_record_is_valid() -> None:
    validate(base(), today=TODAY)
    assert violations(base(), today=TODAY) == []


@pytest.mark.parametrize("status", sorted(VALID_BY_STATUS))
def test_valid_record_for_every_status(status: str) -> None:
    f = base(account_status=status, **VALID_BY_STATUS[status])
    assert violations(f, today=TODAY) == []


def test_every_status_has_a_valid_example() -> None:
    assert set(VALID_BY_STATUS) == set(codes.ACCOUNT_STATUSES)


def test_every_kind_valid() -> None:
    validate(base(kind="ACCOUNT_OPENED"), today=TODAY)
    validate(base(kind="ACCOUNT_CLOSED", date_closed=DAI), today=TODAY)
    validate(base(kind="CORRECTION", supersedes=SUP), today=TODAY)


# ------------------------------------------------------------------------------------ code sets


def test_code_set_account_status() -> None:
    assert set(codes.ACCOUNT_STATUSES) == {"11", "13", "71", "78", "80", "82", "83", "84", "93", "97", "64",
                                           "DA", "DF"}
    assert set(codes.STATUS_SEVERITY) == set(codes.ACCOUNT_STATUSES)
    broken("STATUS_CODE", base(account_status="99"))


def test_code_set_payment_rating() -> None:
    assert set(codes.PAYMENT_RATINGS) == set("0123456GL")
    broken("PAYMENT_RATING_CODE", base(payment_rating="9"))


def test_code_set_history_profile() -> None:
    assert set(codes.PAYMENT_HISTORY_CODES) == set("0123456BDEGHJKL")
    broken("HISTORY_PROFILE_CHARSET", base(payment_history_profile="00X0"))


def test_code_set_compliance() -> None:
    assert set(codes.COMPLIANCE_CODES) == {"XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XJ", "XR"}
    for c in codes.COMPLIANCE_CODES:
        validate(base(compliance_condition_code=c), today=TODAY)
    broken("COMPLIANCE_CODE", base(compliance_condition_code="XI"))


def test_code_set_portfolio_type() -> None:
    assert set(codes.PORTFOLIO_TYPES) == set("CIMOR")
    broken("PORTFOLIO_TYPE_CODE", base(portfolio_type="X"))


def test_code_set_account_type() -> None:
    for known in ("00", "01", "07", "12", "18", "26"):
        assert known in codes.ACCOUNT_TYPES
    validate(base(account_type="9Z"), today=TODAY)  # well-formed but unlisted: accepted
    for bad in ("1", "018", "ab", "1-"):
        broken("ACCOUNT_TYPE_FORMAT", base(account_type=bad))


def test_code_set_kind() -> None:
    broken("KIND_CODE", base(kind="ACCOUNT_FROZEN"))


# --------------------------------------------------------------------------------------- rules

RULE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("FURNISHER_ID_FORMAT", {"furnisher_id": ""}),
    ("FURNISHER_ID_FORMAT", {"furnisher_id": "-bank"}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": ""}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": " padded"}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": "x" * 65}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": "acct\u00e9"}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": "4111111111111111"}),
    ("ACCOUNT_REF_FORMAT", {"account_ref": "id 123-45-6789"}),
    ("HISTORY_PROFILE_LENGTH", {"payment_history_profile": "0" * 25}),
    ("HISTORY_PROFILE_B_TAIL", {"payment_history_profile": "00B0"}),
    ("SUPERSEDES_LENGTH", {"supersedes": b"short"}),
    ("AMOUNTS_NON_NEGATIVE", {"credit_limit": -1}),
    ("AMOUNTS_NON_NEGATIVE", {"original_amount": True}),
    ("AMOUNTS_NON_NEGATIVE", {"current_balance": 2**63}),
    ("DATE_NOT_IN_FUTURE", {"date_of_account_information": TODAY + dt.timedelta(days=1),
                            "date_opened": None}),
    ("DFD_NOT_AFTER_REPORT_DATE", {"account_status": "71", "amount_past_due": 1,
                                   "date_of_first_delinquency": DAI + dt.timedelta(days=1)}),
    ("OPENED_NOT_AFTER_REPORT_DATE", {"date_opened": DAI + dt.timedelta(days=1)}),
    ("CLOSED_NOT_AFTER_REPORT_DATE", {"date_closed": DAI + dt.timedelta(days=1)}),
    ("CLOSED_NOT_BEFORE_OPENED", {"date_closed": dt.date(2023, 1, 1)}),
    ("DFD_NOT_BEFORE_OPENED", {"account_status": "71", "amount_past_due": 1,
                               "date_of_first_delinquency": dt.date(2023, 1, 1)}),
    ("OPENED_NEEDS_DATE_OPENED", {"kind": "ACCOUNT_OPENED", "date_opened": None}),
    ("CLOSED_NEEDS_DATE_CLOSED", {"kind": "ACCOUNT_CLOSED"}),
    ("CORRECTION_NEEDS_SUPERSEDES", {"kind": "CORRECTION"}),
    ("CORRECTION_NEEDS_SUPERSEDES", {"supersedes": SUP}),
    ("DFD_REQUIRED_WHEN_DELINQUENT", {"account_status": "78", "amount_past_due": 1}),
    ("DFD_REQUIRED_WHEN_DELINQUENT", {"account_status": "64", "current_balance": 0, "payment_rating": "L"}),
    ("PAST_DUE_ZERO_WHEN_CURRENT", {"amount_past_due": 1}),
    ("PAST_DUE_POSITIVE_WHEN_DELINQUENT", {"account_status": "80", **DELINQ}),
    ("PAST_DUE_POSITIVE_WHEN_DELINQUENT", {"account_status": "97", **DELINQ}),
    ("BALANCE_ZERO_WHEN_PAID", {"account_status": "13", "payment_rating": "0"}),
    ("BALANCE_ZERO_WHEN_PAID", {"account_status": "64", "payment_rating": "L", **DELINQ}),
    ("BALANCE_ZERO_WHEN_DELETED", {"account_status": "DA"}),
    ("BALANCE_ZERO_WHEN_DELETED", {"account_status": "DF"}),
    ("PAST_DUE_NOT_ABOVE_BALANCE", {"account_status": "71", "amount_past_due": 120_001, **DELINQ}),
    ("LIMIT_REQUIRED_FOR_REVOLVING", {"credit_limit": 0}),
    ("LIMIT_REQUIRED_FOR_REVOLVING", {"credit_limit": 0, "portfolio_type": "C", "account_type": "15"}),
    ("ORIGINAL_AMOUNT_REQUIRED_FOR_LOANS", {"portfolio_type": "I", "account_type": "00", "credit_limit": 0}),
    ("PAYMENT_RATING_REQUIRED", {"account_status": "13", "current_balance": 0}),
    ("PAYMENT_RATING_CONSISTENT", {"payment_rating": "2"}),
    ("PAYMENT_RATING_CONSISTENT", {"account_status": "64", "current_balance": 0, "payment_rating": "0",
                                   **DELINQ}),
    ("PAYMENT_RATING_CONSISTENT", {"account_status": "DA", "current_balance": 0, "payment_rating": "0"}),
]


@pytest.mark.parametrize(
    ("rule", "changes"), RULE_CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(RULE_CASES)]
)
def test_rule_broken_alone(rule: str, changes: dict[str, Any]) -> None:
    broken(rule, base(**changes))


def test_every_rule_has_a_case() -> None:
    covered = {r for r, _ in RULE_CASES} | {"STATUS_CODE", "PAYMENT_RATING_CODE", "COMPLIANCE_CODE",
                                            "HISTORY_PROFILE_CHARSET", "PORTFOLIO_TYPE_CODE",
                                            "ACCOUNT_TYPE_FORMAT", "KIND_CODE"}
    assert covered == set(RULE_NAMES)
    assert len(RULE_NAMES) == len(set(RULE_NAMES))


def test_message_names_field_and_reason() -> None:
    f = base(account_status="78", amount_past_due=1)
    with pytest.raises(RuleViolation) as ei:
        validate(f, today=TODAY)
    assert str(ei.value) == ("date_of_first_delinquency: required when account_status is 78 "
                             "(60-89 days past due) [DFD_REQUIRED_WHEN_DELINQUENT]")
    assert ei.value.field == "date_of_first_delinquency"
    assert isinstance(ei.value, RecordInvalid) and isinstance(ei.value, ValueError)


def test_first_violation_is_deterministic_and_all_are_listed() -> None:
    f = base(furnisher_id="", account_status="11", amount_past_due=1, credit_limit=0)
    got = violations(f, today=TODAY)
    assert [v.rule for v in got] == ["FURNISHER_ID_FORMAT", "PAST_DUE_ZERO_WHEN_CURRENT",
                                     "LIMIT_REQUIRED_FOR_REVOLVING"]
    with pytest.raises(RuleViolation) as ei:
        validate(f, today=TODAY)
    assert ei.value == got[0]


def test_today_is_injected() -> None:
    f = base(date_of_account_information=TODAY)
    validate(f, today=TODAY)
    with pytest.raises(RuleViolation, match="DATE_NOT_IN_FUTURE"):
        validate(f, today=TODAY - dt.timedelta(days=1))


def test_malformed_input_reported_once() -> None:
    f = base(account_status="XX", payment_rating="Q", amount_past_due=5)
    assert [v.rule for v in violations(f, today=TODAY)] == ["STATUS_CODE", "PAYMENT_RATING_CODE"]
    f = base(amount_past_due=-5)
    assert [v.rule for v in violations(f, today=TODAY)] == ["AMOUNTS_NON_NEGATIVE"]


def test_closed_revolving_needs_no_limit() -> None:
    validate(base(credit_limit=0, kind="ACCOUNT_CLOSED", date_closed=DAI), today=TODAY)
    validate(base(credit_limit=0, date_closed=DAI), today=TODAY)
    validate(base(credit_limit=0, account_status="97", amount_past_due=120_000, **DELINQ), today=TODAY)


def test_charged_off_zero_balance_needs_no_past_due() -> None:
    validate(base(account_status="97", current_balance=0, **DELINQ), today=TODAY)


# ------------------------------------------------------------------------------------ helpers


def test_status_severity_order() -> None:
    order = ["11", "71", "78", "80", "82", "83", "84", "64", "93", "97"]
    sev = [codes.status_severity(c) for c in order]
    assert sev == sorted(sev) and len(set(sev)) == len(sev)
    assert codes.status_severity("13") == codes.status_severity("11")
    assert codes.status_severity("DA") < codes.status_severity("11")
    with pytest.raises(UnknownCode):
        codes.status_severity("99")


def test_worst_status() -> None:
    assert codes.worst_status(["11", "78", "71"]) == "78"
    assert codes.worst_status(["97", "93", "64"]) == "97"
    assert codes.worst_status(["64", "84"]) == "64"
    assert codes.worst_status(["11", "13"]) == codes.worst_status(["13", "11"]) == "13"
    assert codes.worst_status(["DA", "11"]) == "11"
    with pytest.raises(ValueError):
        codes.worst_status([])
    with pytest.raises(UnknownCode):
        codes.worst_status(["11", "zz"])


def test_is_delinquent() -> None:
    assert {c for c in codes.ACCOUNT_STATUSES if codes.is_delinquent(c)} == {
        "71", "78", "80", "82", "83", "84", "93", "97", "64"}


def test_is_open() -> None:
    assert {c for c in codes.ACCOUNT_STATUSES if codes.is_open(c)} == {
        "11", "71", "78", "80", "82", "83", "84", "93"}
    assert not codes.is_open("11", "ACCOUNT_CLOSED")
    assert codes.is_open("11", "MONTHLY_UPDATE")


def test_history_grid() -> None:
    g = codes.history_grid("0012")
    assert len(g) == 24 and g[:4] == ["0", "0", "1", "2"] and set(g[4:]) == {"B"}
    assert codes.history_grid("") == ["B"] * 24
    assert codes.history_grid("E" * 24) == ["E"] * 24
    with pytest.raises(UnknownCode):
        codes.history_grid("0Z")
    with pytest.raises(RecordInvalid):
        codes.history_grid("0" * 25)


def test_record_fields_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        base().kind = "CORRECTION"  # type: ignore[misc]
