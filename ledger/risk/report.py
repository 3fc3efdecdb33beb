"""The credit report as a pure function of a borrower's log entries.

The node computes it to answer; ``ledger.client`` recomputes it from the entries it has verified and
refuses a report that differs. So every fact shown is backed by entries proven against one checkpoint.

Rules (documented in docs/RISK.md):
* Corrections: a CORRECTION record names the record it supersedes; superseded records drop out.
* A tradeline is (furnisher, account); its state is its latest effective record (date, then leaf).
* Worst status looks at effective records dated within the 24 months before the as-of date.
* Utilisation is balance over limit of open revolving (R, C) tradelines, in basis points.
* A lender counts toward multi-lender risk when it has an open tradeline; the flag is raised when the
  count is above the threshold.
* A dispute is open until the furnisher confirms it or a correction supersedes the disputed record;
  it is overdue when still open after ``dispute_days``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.records.codes import describe_status, history_grid, is_open, worst_status
from ledger.records.payload import KIND_NAMES
from ledger.records.signing import EntryKind
from ledger.v1 import records_pb2, risk_pb2

HORIZON_DAYS = 730  # "last 24 months"
_REVOLVING = ("R", "C")


@dataclass(frozen=True, slots=True)
class Fact:
    """One verified log entry of the borrower: payload None when erased or redacted."""

    leaf_index: int
    kind: EntryKind
    entry_id: bytes
    payload: bytes | None


def ms_date(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


@dataclass
class _Parsed:
    records: list[tuple[int, bytes, records_pb2.CreditRecord]]
    inquiries: list[risk_pb2.Inquiry]
    disputes: list[tuple[int, bytes, risk_pb2.Dispute]]
    resolutions: list[risk_pb2.DisputeResolution]
    erased: int


def _parse(facts: Sequence[Fact], as_of: dt.date) -> _Parsed:
    out = _Parsed([], [], [], [], 0)
    for f in facts:
        if f.payload is None:
            out.erased += f.kind == EntryKind.RECORD
            continue
        if f.kind == EntryKind.RECORD:
            r = records_pb2.CreditRecord.FromString(f.payload)
            if dt.date.fromisoformat(r.date_of_account_information) <= as_of:
                out.records.append((f.leaf_index, f.entry_id, r))
        elif f.kind == EntryKind.INQUIRY:
            q = risk_pb2.Inquiry.FromString(f.payload)
            if ms_date(q.requested_at_ms) <= as_of:
                out.inquiries.append(q)
        elif f.kind == EntryKind.DISPUTE:
            d = risk_pb2.Dispute.FromString(f.payload)
            if ms_date(d.filed_at_ms) <= as_of:
                out.disputes.append((f.leaf_index, f.entry_id, d))
        elif f.kind == EntryKind.DISPUTE_RESOLUTION:
            res = risk_pb2.DisputeResolution.FromString(f.payload)
            if ms_date(res.resolved_at_ms) <= as_of:
                out.resolutions.append(res)
    return out


def _tradeline(group: list[tuple[int, bytes, records_pb2.CreditRecord]], total: int, corr: int,
               as_of: dt.date) -> risk_pb2.Tradeline:
    _, rid, r = max(group, key=lambda x: (x[2].date_of_account_information, x[0]))
    since = (as_of - dt.timedelta(days=HORIZON_DAYS)).isoformat()
    recent = [x[2].account_status for x in group if x[2].date_of_account_information >= since]
    return risk_pb2.Tradeline(
        furnisher_id=r.furnisher_id,
        account_ref=r.account_ref,
        record_id=rid,
        reported=r.date_of_account_information,
        account_status=r.account_status,
        status_description=describe_status(r.account_status),
        current_balance=r.current_balance,
        credit_limit=r.credit_limit,
        amount_past_due=r.amount_past_due,
        open=is_open(r.account_status, KIND_NAMES[r.kind]) and not r.date_closed,
        payment_grid=history_grid(r.payment_history_profile),
        worst_status_24m=worst_status(recent) if recent else "",
        versions=total,
        corrections=corr,
        currency=r.currency,
    )


def _disputes(p: _Parsed, superseded_by: dict[bytes, int], as_of: dt.date, days: int) -> list[risk_pb2.DisputeView]:
    resolved = {r.dispute_id: r for r in p.resolutions}
    out = []
    for leaf, did, d in sorted(p.disputes, key=lambda x: x[0]):
        opened = ms_date(d.filed_at_ms)
        deadline = opened + dt.timedelta(days=days)
        res = resolved.get(did)
        if res is not None:
            state = "confirmed" if res.outcome == risk_pb2.CONFIRMED else "corrected"
        elif superseded_by.get(d.record_id, -1) > leaf:
            state = "corrected"
        else:
            state = "open"
        out.append(risk_pb2.DisputeView(
            dispute_id=did, record_id=d.record_id, filed_by=d.filed_by, opened=opened.isoformat(),
            deadline=deadline.isoformat(), state=state, overdue=state == "open" and as_of > deadline,
            compliance_condition_code=d.compliance_condition_code or "XB",
        ))
    return out


def build_report(
    borrower_ref: bytes,
    facts: Sequence[Fact],
    *,
    as_of: dt.date,
    as_of_tree_size: int,
    multi_lender_threshold: int,
    dispute_days: int,
) -> risk_pb2.Report:
    """The report of ``borrower_ref`` from its entries (leaf order) as of a date and tree size."""
    p = _parse([f for f in facts if f.leaf_index < as_of_tree_size], as_of)
    superseded_by: dict[bytes, int] = {}
    for leaf, _rid, r in p.records:
        if r.kind == records_pb2.CORRECTION and r.supersedes:
            superseded_by[r.supersedes] = max(leaf, superseded_by.get(r.supersedes, -1))
    groups: dict[tuple[str, str], list[tuple[int, bytes, records_pb2.CreditRecord]]] = defaultdict(list)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for leaf, rid, r in p.records:
        key = (r.furnisher_id, r.account_ref)
        counts[key][0] += 1
        counts[key][1] += r.kind == records_pb2.CORRECTION
        if rid not in superseded_by:
            groups[key].append((leaf, rid, r))
    lines = [_tradeline(groups[k], counts[k][0], counts[k][1], as_of) for k in sorted(groups)]
    rev = [t for t in lines if t.open and _portfolio(groups, t) in _REVOLVING]
    limit = sum(t.credit_limit for t in rev)
    lenders = len({t.furnisher_id for t in lines if t.open})
    worst = [t.worst_status_24m for t in lines if t.worst_status_24m]
    since = as_of - dt.timedelta(days=HORIZON_DAYS)
    return risk_pb2.Report(
        borrower_ref=borrower_ref,
        as_of_date=as_of.isoformat(),
        as_of_tree_size=as_of_tree_size,
        tradelines=lines,
        total_balance=sum(t.current_balance for t in lines),
        total_limit=limit,
        utilisation_bp=(sum(t.current_balance for t in rev) * 10_000 // limit) if limit else 0,
        worst_status_24m=worst_status(worst) if worst else "",
        open_lenders=lenders,
        multi_lender=lenders > multi_lender_threshold,
        multi_lender_threshold=multi_lender_threshold,
        disputes=_disputes(p, superseded_by, as_of, dispute_days),
        inquiries=[
            risk_pb2.InquiryView(member_id=q.member_id, purpose=q.purpose, date=ms_date(q.requested_at_ms).isoformat())
            for q in p.inquiries
            if ms_date(q.requested_at_ms) >= since
        ],
        erased_records=p.erased,
        dispute_days=dispute_days,
    )


def _portfolio(groups: dict[tuple[str, str], list[tuple[int, bytes, records_pb2.CreditRecord]]],
               t: risk_pb2.Tradeline) -> str:
    return groups[(t.furnisher_id, t.account_ref)][0][2].portfolio_type
