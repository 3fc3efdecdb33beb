"""Decoding and structural checks of the risk-side entries. Pure; InvalidArgument names the field."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from ledger.errors import InvalidArgument
from ledger.records.codes import COMPLIANCE_CODES
from ledger.v1 import risk_pb2

M = TypeVar("M", bound=Message)
FRESHNESS_MS = 5 * 60 * 1000  # a signed inquiry/dispute must be this fresh: bounds replays


def decode(payload: bytes, cls: type[M], where: str) -> M:
    if not payload:
        raise InvalidArgument(f"{where}: empty")
    msg: M = cls()
    try:
        msg.ParseFromString(payload)
    except DecodeError:
        raise InvalidArgument(f"{where}: not a ledger.v1.{cls.__name__}") from None
    return msg


def _ref(ref: bytes, where: str) -> None:
    if len(ref) != 32:
        raise InvalidArgument(f"{where}.borrower_ref: must be 32 bytes, got {len(ref)}")


def _nonce(nonce: bytes, where: str) -> None:
    if len(nonce) != 16:
        raise InvalidArgument(f"{where}.nonce: must be 16 random bytes, got {len(nonce)}")


def _fresh(ms: int, now_ms: int, field: str) -> None:
    if abs(now_ms - ms) > FRESHNESS_MS:
        raise InvalidArgument(f"{field}: {ms} is more than {FRESHNESS_MS // 1000}s from the node's clock")


def check_inquiry(q: risk_pb2.Inquiry, now_ms: int, where: str = "inquiry") -> None:
    if not q.member_id:
        raise InvalidArgument(f"{where}.member_id: required")
    _ref(q.borrower_ref, where)
    if q.purpose not in risk_pb2.Purpose.values() or q.purpose == risk_pb2.PURPOSE_UNSPECIFIED:
        raise InvalidArgument(f"{where}.purpose: required (one of {', '.join(risk_pb2.Purpose.keys()[1:])})")
    _nonce(q.nonce, where)
    _fresh(q.requested_at_ms, now_ms, f"{where}.requested_at_ms")


def check_dispute(d: risk_pb2.Dispute, now_ms: int, where: str = "dispute") -> None:
    if not d.filed_by:
        raise InvalidArgument(f"{where}.filed_by: required")
    _ref(d.borrower_ref, where)
    if len(d.record_id) != 32:
        raise InvalidArgument(f"{where}.record_id: must be 32 bytes")
    code = d.compliance_condition_code or "XB"
    if code not in COMPLIANCE_CODES:
        raise InvalidArgument(f"{where}.compliance_condition_code: unknown code {code!r}")
    _nonce(d.nonce, where)
    _fresh(d.filed_at_ms, now_ms, f"{where}.filed_at_ms")


def check_resolution(r: risk_pb2.DisputeResolution, now_ms: int, where: str = "resolution") -> None:
    if len(r.dispute_id) != 32:
        raise InvalidArgument(f"{where}.dispute_id: must be 32 bytes")
    _ref(r.borrower_ref, where)
    if r.outcome == risk_pb2.DISPUTE_OUTCOME_UNSPECIFIED or r.outcome not in risk_pb2.DisputeOutcome.values():
        raise InvalidArgument(f"{where}.outcome: CONFIRMED or CORRECTED required")
    if (r.outcome == risk_pb2.CORRECTED) != (len(r.correction_record_id) == 32):
        raise InvalidArgument(f"{where}.correction_record_id: required (32 bytes) exactly when outcome is CORRECTED")
    _nonce(r.nonce, where)
    _fresh(r.resolved_at_ms, now_ms, f"{where}.resolved_at_ms")


def check_erasure(e: risk_pb2.Erasure, now_ms: int, where: str = "erasure") -> None:
    if not e.requested_by:
        raise InvalidArgument(f"{where}.requested_by: required")
    _ref(e.borrower_ref, where)
    if not e.legal_basis.strip():
        raise InvalidArgument(f"{where}.legal_basis: required (e.g. 'GDPR Art. 17')")
    _nonce(e.nonce, where)
    _fresh(e.erased_at_ms, now_ms, f"{where}.erased_at_ms")
