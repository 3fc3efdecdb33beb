"""Per-entry checks that need no batch: decoding, domain rules, signer lookup, entry id.

Runs in the submitting RPC's thread, so refusals come back before anything is queued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.errors import InvalidArgument, LedgerError, PermissionDenied
from ledger.ingest.results import Refusal
from ledger.members import KeyRecord, MemberRegistry
from ledger.records.leaf import encode_leaf
from ledger.records.payload import EPOCH, ParsedRecord, parse_record
from ledger.records.signing import KEY_ID_LEN, SIGNATURE_LEN, EntryKind, entry_id, signing_message

RecordCheck = Callable[[ParsedRecord, dt.date], None]


@dataclass(slots=True)
class Prepared:
    """An entry that passed every check except its signature."""

    position: int
    entry_id: bytes
    message: bytes
    signature: bytes
    public_key: bytes
    leaf: bytes
    payload: bytes
    borrower_ref: bytes
    day: int
    member_id: str
    supersedes: bytes = b""
    kind: EntryKind = EntryKind.RECORD
    sealed: bool = True  # seal the payload under the borrower's key (False: store it plain)
    key_rows: dict[bytes, bytes] | None = None  # rows for the keys column family (e.g. a shred)
    meta_rows: dict[bytes, bytes] | None = None  # domain index rows (empty value: delete), same batch
    redact: tuple[int, ...] = ()  # leaves whose payloads this entry redacts (retention)


def signed_entry(
    kind: EntryKind,
    payload: bytes,
    signature: bytes,
    key_id: bytes,
    public_key: bytes,
    member_id: str,
    *,
    position: int = 0,
    borrower_ref: bytes = b"",
    day: dt.date | None = None,
    sealed: bool = True,
    key_rows: dict[bytes, bytes] | None = None,
    meta_rows: dict[bytes, bytes] | None = None,
    redact: tuple[int, ...] = (),
) -> Prepared:
    """A non-record entry (membership, inquiry, dispute, erasure, retention) ready for the pipeline.

    Derives the entry id, the signed message and the leaf; the keyword options are Prepared's.
    Credit records take the hot path in ``prepare_records`` instead.
    """
    eid = entry_id(payload)
    return Prepared(
        position=position,
        entry_id=eid,
        message=signing_message(kind, eid),
        signature=signature,
        public_key=public_key,
        leaf=encode_leaf(kind, eid, key_id, signature),
        payload=payload,
        borrower_ref=borrower_ref,
        day=(day - EPOCH).days if day is not None else 0,
        member_id=member_id,
        kind=kind,
        sealed=sealed,
        key_rows=key_rows,
        meta_rows=meta_rows,
        redact=redact,
    )


@dataclass(frozen=True, slots=True)
class Submitted:
    """One signed record as it arrived."""

    payload: bytes
    signature: bytes
    key_id: bytes


def prepare_records(
    items: Sequence[Submitted],
    *,
    registry: MemberRegistry,
    tree_size: int,
    today: dt.date,
    member: str | None = None,
    check: RecordCheck | None = None,
) -> tuple[list[Prepared], list[Refusal]]:
    """Check each record; return those ready for signature verification, and refusals.

    ``member`` is the authenticated caller (None: any member may submit, the pre-mTLS mode). A
    record whose furnisher_id is not its signer's member, or whose signer is not the caller, is
    refused with PERMISSION_DENIED.
    """
    ready: list[Prepared] = []
    refused: list[Refusal] = []
    sha = hashlib.sha256
    signers: dict[bytes, KeyRecord] = {}  # the tree size is fixed for the call: one lookup per key
    for pos, it in enumerate(items):
        rid = sha(it.payload).digest() if it.payload else b""
        try:
            ready.append(_prepare_one(pos, rid, it, registry, signers, tree_size, today, member, check))
        except LedgerError as exc:
            # Messages name the field relative to the record; the position is added only here,
            # so the valid majority builds no strings.
            refused.append(Refusal(pos, rid, exc.code, f"records[{pos}].{exc}"))
    return ready, refused


_RECORD_TAG = signing_message(EntryKind.RECORD, bytes(32))[:-32]
_LEAF_HEAD = encode_leaf(EntryKind.RECORD, bytes(32), bytes(KEY_ID_LEN), bytes(SIGNATURE_LEN))[:2]


def _prepare_one(
    pos: int,
    rid: bytes,
    it: Submitted,
    registry: MemberRegistry,
    signers: dict[bytes, KeyRecord],
    tree_size: int,
    today: dt.date,
    member: str | None,
    check: RecordCheck | None,
) -> Prepared:
    parsed = parse_record(it.payload)
    if len(it.key_id) != KEY_ID_LEN:
        raise InvalidArgument(f"key_id: must be {KEY_ID_LEN} bytes, got {len(it.key_id)}")
    if len(it.signature) != SIGNATURE_LEN:
        raise InvalidArgument(f"signature: must be {SIGNATURE_LEN} bytes, got {len(it.signature)}")
    key = signers.get(it.key_id)
    if key is None:
        key = signers[it.key_id] = registry.signer(it.key_id, tree_size)
    rec = parsed.record
    if rec.furnisher_id != key.member_id:
        raise PermissionDenied(
            f"payload.furnisher_id: {rec.furnisher_id!r} is not the signer's member {key.member_id!r}"
        )
    if member is not None and key.member_id != member:
        raise PermissionDenied(f"key_id: key belongs to {key.member_id!r}, caller is {member!r}")
    if check is not None:
        check(parsed, today)
    return Prepared(
        position=pos,
        entry_id=rid,
        message=_RECORD_TAG + rid,
        signature=it.signature,
        public_key=key.public_key,
        leaf=_LEAF_HEAD + rid + it.key_id + it.signature,
        payload=it.payload,
        borrower_ref=rec.borrower_ref,
        day=parsed.day,
        member_id=key.member_id,
        supersedes=rec.supersedes,
    )
