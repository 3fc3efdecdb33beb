"""Synthetic credit records that pass every ingest rule: accounts opened, then monthly updates.

Deterministic for a given seed, so tests and benchmarks see the same workload every run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from ledger.privacy.pseudonym import borrower_ref
from ledger.v1 import records_pb2

_LATE = ("71", "78", "80")  # 30, 60, 90 days past due
_HIST = {"11": "0", "71": "1", "78": "2", "80": "3"}


@dataclass
class _Account:
    furnisher: str
    ref: bytes
    account_ref: str
    opened: dt.date
    revolving: bool
    limit: int
    balance: int
    status: str = "11"
    dfd: dt.date | None = None
    history: str = ""


def national_id(i: int) -> str:
    """A demo national id (not a real format)."""
    return f"DEMO{i:08d}X"


def _month(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.month - 1 + k, 12)
    return dt.date(d.year + y, m + 1, 1)


def _record(a: _Account, kind: int, day: dt.date, rng: random.Random) -> records_pb2.CreditRecord:
    past_due = 0 if a.status == "11" else max(1, a.balance // 10)
    return records_pb2.CreditRecord(
        furnisher_id=a.furnisher,
        borrower_ref=a.ref,
        account_ref=a.account_ref,
        kind=kind,  # type: ignore[arg-type]
        date_of_account_information=day.isoformat(),
        portfolio_type="R" if a.revolving else "I",
        account_type="18" if a.revolving else "00",
        credit_limit=a.limit if a.revolving else 0,
        original_amount=0 if a.revolving else a.limit,
        current_balance=a.balance,
        amount_past_due=min(past_due, a.balance),
        account_status=a.status,
        payment_history_profile=(a.history + "B" * 24)[:24],
        date_of_first_delinquency=a.dfd.isoformat() if a.dfd else "",
        date_opened=a.opened.isoformat(),
        nonce=rng.randbytes(16),
        currency="EUR",
        jurisdiction="EU",
    )


def _step(a: _Account, rng: random.Random, day: dt.date) -> None:
    """Advance one month: balance drifts, and now and then the account falls behind or cures."""
    a.balance = max(100, a.balance + rng.randint(-20_000, 25_000))
    if a.revolving:
        a.balance = min(a.balance, a.limit)
    if a.status == "11" and rng.random() < 0.04:
        a.status, a.dfd = "71", day
    elif a.status in _LATE:
        nxt = rng.random()
        if nxt < 0.5:
            a.status, a.dfd = "11", None
        elif a.status != "80":
            a.status = _LATE[_LATE.index(a.status) + 1]
    a.history = _HIST[a.status] + a.history


def generate(
    consortium_key: bytes,
    furnishers: list[str],
    borrowers: int,
    months: int = 12,
    *,
    seed: int = 7,
    start: dt.date = dt.date(2024, 1, 1),
) -> Iterator[records_pb2.CreditRecord]:
    """Yield records for ``borrowers`` borrowers: 1-3 accounts each, opened then ``months`` updates.

    Records come in date order per account; accounts are interleaved month by month.
    """
    rng = random.Random(seed)
    accounts: list[_Account] = []
    for b in range(borrowers):
        ref = borrower_ref(consortium_key, national_id(b))
        for k in range(rng.randint(1, 3)):
            revolving = rng.random() < 0.6
            limit = rng.choice((200_000, 500_000, 1_000_000, 2_500_000))
            accounts.append(
                _Account(
                    furnisher=rng.choice(furnishers),
                    ref=ref,
                    account_ref=f"ACC-{b:06d}-{k}",
                    opened=start,
                    revolving=revolving,
                    limit=limit,
                    balance=limit // 4,
                )
            )
    for a in accounts:
        a.history = "0"
        yield _record(a, records_pb2.ACCOUNT_OPENED, start, rng)
    for m in range(1, months + 1):
        day = _month(start, m)
        for a in accounts:
            _step(a, rng, day)
            yield _record(a, records_pb2.MONTHLY_UPDATE, day, rng)
