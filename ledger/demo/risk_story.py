"""The demo's risk chapter: a correction, a dispute and its answer, and verified credit reports
whose inquiry trail shows every lookup."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from ledger.client import LedgerClient, RecordSigner
from ledger.client.risk import RiskClient
from ledger.demo.synth import national_id
from ledger.privacy.pseudonym import borrower_ref
from ledger.risk.render import render_report
from ledger.v1 import records_pb2, risk_pb2


def _rid(rec: records_pb2.CreditRecord) -> bytes:
    return hashlib.sha256(rec.SerializeToString(deterministic=True)).digest()


def risk_story(
    client: LedgerClient,
    ckey: bytes,
    signers: dict[str, RecordSigner],
    records: list[records_pb2.CreditRecord],
    say: Callable[[str], None],
) -> risk_pb2.Report:
    """Run the chapter on borrower 0; returns the final verified report. Raises on any failure."""
    ref = borrower_ref(ckey, national_id(0))
    mine = sorted((r for r in records if r.borrower_ref == ref), key=lambda r: r.date_of_account_information)
    latest: dict[tuple[str, str], records_pb2.CreditRecord] = {}
    for r in mine:
        latest[(r.furnisher_id, r.account_ref)] = r
    (fa, acc_a), wrong = next(iter(latest.items()))
    fixed = records_pb2.CreditRecord()
    fixed.CopyFrom(wrong)
    fixed.kind = records_pb2.CORRECTION
    fixed.supersedes = _rid(wrong)
    fixed.current_balance = max(0, wrong.current_balance - 5_000)
    fixed.amount_past_due = min(fixed.amount_past_due, fixed.current_balance)
    fixed.nonce = os.urandom(16)
    (res,) = client.submit([signers[fa].sign_record(fixed)])
    if not res.HasField("receipt"):
        raise RuntimeError(f"correction refused: {res.refusal.reason}")
    say(f"{fa} corrected {acc_a}: balance {wrong.current_balance / 100:,.2f} -> {fixed.current_balance / 100:,.2f}")
    disputed = list(latest.values())[-1]
    filer = RiskClient(client, signers["bank-c"], "bank-c")
    dispute = filer.file_dispute(ref, _rid(disputed), "borrower says the balance was paid", "XB")
    say(f"bank-c filed a dispute (XB) on {disputed.furnisher_id}'s record of {disputed.account_ref}")
    first = RiskClient(client, signers["bank-b"], "bank-b").credit_report(
        ref, risk_pb2.GUARANTOR_CHECK, "consent/bank-b/2026/0042")
    say(f"bank-b pulled a verified report (guarantor check); disputes: {[d.state for d in first.report.disputes]}")
    owner = RiskClient(client, signers[disputed.furnisher_id], disputed.furnisher_id)
    owner.resolve_dispute(ref, dispute.record_id, risk_pb2.CONFIRMED, note="balance verified with statements")
    say(f"{disputed.furnisher_id} confirmed the disputed record")
    final = RiskClient(client, signers["bank-a"], "bank-a").credit_report(
        ref, risk_pb2.NEW_CREDIT_APPLICATION, "consent/bank-a/2026/0917")
    say(f"bank-a's verified report ({len(final.entries)} entries proven against one checkpoint):")
    for line in render_report(final.report).splitlines():
        say("  " + line)
    r = final.report
    if len(r.inquiries) < 2 or not any(t.corrections for t in r.tradelines) or not r.disputes:
        raise RuntimeError("report lacks the inquiry trail, the correction or the dispute")
    return r
