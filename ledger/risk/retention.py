"""Retention: redact adverse records past their retention period, keeping their leaves (hashes).

Policies are per jurisdiction (the record's ``jurisdiction`` field):

* ``first_delinquency``: expires ``years`` after the date of first delinquency plus ``plus_days``
  (FCRA: 7 years + 180 days);
* ``adverse_end``: expires ``years`` after the adverse event ends, taken as the record's report date
  (the last date the account was reported in that adverse state; Chinese rules: 5 years).

The job is idempotent: redacted payloads are gone and are skipped next time. Each run that redacts
something appends a node-signed RETENTION entry listing the record ids, in the same synced batch as
the redactions; the Merkle log is untouched, so proofs, signatures and the audit stay green.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.ingest import Receipt
from ledger.ingest.prepare import signed_entry
from ledger.members import NODE_MEMBER
from ledger.node import Node
from ledger.records.codes import is_delinquent
from ledger.records.leaf import decode_leaf
from ledger.records.signing import EntryKind, entry_id, signing_message
from ledger.v1 import records_pb2, risk_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    years: int
    anchor: str  # "first_delinquency" or "adverse_end"
    plus_days: int = 0

    def expires(self, rec: records_pb2.CreditRecord) -> dt.date | None:
        """When an adverse record's payload must go; None for a record that is not adverse."""
        adverse = is_delinquent(rec.account_status) or bool(rec.date_of_first_delinquency)
        if not adverse:
            return None
        if self.anchor == "first_delinquency" and rec.date_of_first_delinquency:
            start = dt.date.fromisoformat(rec.date_of_first_delinquency)
        else:
            start = dt.date.fromisoformat(rec.date_of_account_information)
        try:
            end = start.replace(year=start.year + self.years)
        except ValueError:  # 29 February
            end = start.replace(year=start.year + self.years, day=28)
        return end + dt.timedelta(days=self.plus_days)


DEFAULT_POLICIES: Mapping[str, RetentionPolicy] = {
    "US": RetentionPolicy(7, "first_delinquency", 180),
    "CN": RetentionPolicy(5, "adverse_end"),
    "EU": RetentionPolicy(5, "adverse_end"),
}


_CHUNK = 4096  # records whose payloads are opened in one batch


def due_for_redaction(node: Node, policies: Mapping[str, RetentionPolicy], today: dt.date) -> list[tuple[int, bytes]]:
    """(leaf index, record id) of every still-readable adverse record past its retention date."""
    due: list[tuple[int, bytes]] = []
    chunk: list[tuple[int, bytes, bytes, bytes]] = []  # (leaf index, entry id, borrower ref, blob)
    for e in node.store.iter_entries(0):
        if not e.payload:
            continue
        leaf = decode_leaf(e.leaf)
        if leaf.kind == EntryKind.RECORD:
            chunk.append((e.leaf_index, leaf.entry_id, e.borrower_ref, e.payload))
        if len(chunk) >= _CHUNK:
            due += _due_in(node, chunk, policies, today)
            chunk = []
    return due + _due_in(node, chunk, policies, today)


def _due_in(node: Node, chunk: list[tuple[int, bytes, bytes, bytes]], policies: Mapping[str, RetentionPolicy],
            today: dt.date) -> list[tuple[int, bytes]]:
    payloads = node.vault.open_many([(ref, eid, blob) for _, eid, ref, blob in chunk])
    due = []
    for (index, eid, _, _), payload in zip(chunk, payloads, strict=True):
        if payload is None:
            continue
        rec = records_pb2.CreditRecord.FromString(payload)
        policy = policies.get(rec.jurisdiction)
        end = policy.expires(rec) if policy else None
        if end is not None and end <= today:
            due.append((index, eid))
    return due


def run_retention(node: Node, policies: Mapping[str, RetentionPolicy] = DEFAULT_POLICIES) -> Receipt | None:
    """Redact what is due and log it; returns the RETENTION entry's receipt, or None if nothing was due."""
    today = node.today()
    due = due_for_redaction(node, policies, today)
    if not due:
        log.info("retention: nothing due as of %s", today)
        return None
    run = risk_pb2.RetentionRun(
        run_at_ms=int(node.settings.clock() * 1000), as_of_date=today.isoformat(),
        redacted_record_ids=[rid for _, rid in due],
    )
    payload = run.SerializeToString(deterministic=True)
    sig = node.signer.sign_entry(signing_message(EntryKind.RETENTION, entry_id(payload)))
    p = signed_entry(EntryKind.RETENTION, payload, sig, node.signer.key_id, node.signer.public_key, NODE_MEMBER,
                     day=today, sealed=False, redact=tuple(i for i, _ in due))
    (res,) = node.pipeline.submit([p], [], 1).result()
    assert isinstance(res, Receipt), res
    node.metrics.retention_redacted.inc(len(due))
    log.info("retention: redacted %d adverse payloads as of %s (entry leaf %d)", len(due), today, res.leaf_index)
    return res
