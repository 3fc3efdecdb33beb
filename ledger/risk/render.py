"""Plain-text rendering of a verified credit report for terminals and logs (no personal data beyond
the pseudonymous reference, shortened)."""

from __future__ import annotations

from ledger.privacy.pseudonym import short_ref
from ledger.v1 import risk_pb2


def _money(minor: int, cur: str = "") -> str:
    return f"{minor / 100:,.2f}{' ' + cur if cur else ''}"


def render_report(r: risk_pb2.Report, checkpoint_size: int | None = None) -> str:
    """A readable multi-line report. Amounts are shown in major units."""
    out = [
        f"CREDIT REPORT  borrower {short_ref(r.borrower_ref)}…  as of {r.as_of_date} (tree size {r.as_of_tree_size})",
        f"  total balance {_money(r.total_balance)}   revolving limit {_money(r.total_limit)}   "
        f"utilisation {r.utilisation_bp / 100:.1f}%",
        f"  worst status (24 months): {r.worst_status_24m or '-'}   open lenders: {r.open_lenders}"
        f"{'   MULTI-LENDER RISK' if r.multi_lender else ''} (threshold {r.multi_lender_threshold})",
        "  TRADELINES",
    ]
    for t in r.tradelines:
        state = "open" if t.open else "closed"
        out.append(
            f"    {t.furnisher_id:<8} {t.account_ref:<14} {state:<6} status {t.account_status:<3} "
            f"({t.status_description[:28]}) balance {_money(t.current_balance, t.currency)} "
            f"past due {_money(t.amount_past_due)} reported {t.reported}"
            f"{f'  [{t.corrections} correction(s)]' if t.corrections else ''}"
        )
        out.append(f"      24m: {''.join(t.payment_grid)}  worst {t.worst_status_24m or '-'}")
    if r.erased_records:
        out.append(f"    ({r.erased_records} record(s) erased)")
    out.append("  DISPUTES" + ("" if r.disputes else ": none"))
    for d in r.disputes:
        out.append(
            f"    {d.dispute_id.hex()[:12]}… on record {d.record_id.hex()[:12]}… by {d.filed_by} "
            f"[{d.compliance_condition_code}] opened {d.opened} deadline {d.deadline}: {d.state.upper()}"
            f"{' OVERDUE' if d.overdue else ''}"
        )
    out.append("  INQUIRIES (24 months)" + ("" if r.inquiries else ": none"))
    for q in r.inquiries:
        out.append(f"    {q.date} {q.member_id:<10} {risk_pb2.Purpose.Name(q.purpose).lower()}")
    return "\n".join(out)
