"""Conversions between core values and ledger.v1 messages. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence, Set

from ledger.chain import Checkpoint
from ledger.ingest import Receipt, Result
from ledger.ingest.prepare import Submitted
from ledger.merkle import HASH_SIZE
from ledger.query import ProvenEntry
from ledger.v1 import ledger_pb2, records_pb2, risk_pb2


def checkpoint_pb(cp: Checkpoint) -> ledger_pb2.Checkpoint:
    return ledger_pb2.Checkpoint(
        tree_size=cp.tree_size,
        root_hash=cp.root_hash,
        timestamp_ms=cp.timestamp_ms,
        previous_hash=cp.previous_hash,
        signature=cp.signature,
        node_key_id=cp.node_key_id,
        sequence=cp.sequence,
        log_id=cp.log_id,
    )


def checkpoint_from_pb(m: ledger_pb2.Checkpoint) -> Checkpoint:
    return Checkpoint(
        m.sequence, m.tree_size, m.timestamp_ms, m.root_hash, m.previous_hash, m.node_key_id, m.log_id, m.signature
    )


def submitted(records: Sequence[records_pb2.SignedRecord]) -> list[Submitted]:
    return [Submitted(r.payload, r.signature, r.key_id) for r in records]


def submitted_one(r: records_pb2.SignedRecord) -> Submitted:
    return Submitted(r.payload, r.signature, r.key_id)


def receipt_pb(r: Receipt) -> ledger_pb2.Receipt:
    """One receipt, field by field (batches of them take ``results_pb``)."""
    return ledger_pb2.Receipt(record_id=r.record_id, leaf_index=r.leaf_index, checkpoint=checkpoint_pb(r.checkpoint),
                              duplicate=r.duplicate)


def _varint(v: int) -> bytes:
    out = bytearray()
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


_SMALL_VARINTS = [_varint(i) for i in range(1 << 14)]


def _uvarint(v: int) -> bytes:
    return _SMALL_VARINTS[v] if v < 16384 else _varint(v)


def _field_tag(field: int) -> bytes:
    """The tag byte of a length-delimited field numbered 1 to 15."""
    if not 1 <= field <= 15:
        raise ValueError(f"field {field}: only 1-15 have a one-byte tag")
    return bytes([field << 3 | 2])


def _delimited(field: int, body: bytes) -> bytes:
    return _field_tag(field) + _uvarint(len(body)) + body


_PROOF_FIELD = 5  # LogEntry.inclusion_proof
_HASH_TAG = _field_tag(_PROOF_FIELD) + _uvarint(HASH_SIZE)  # the tag and length of one proof element


def results_pb(results: Sequence[Result]) -> list[ledger_pb2.SubmitResult]:
    """One SubmitResult per result; checkpoints shared by a block are converted once.

    Hot path (one call per acknowledged batch): receipts are written straight to wire bytes (the
    checkpoint serialized once per block) and parsed back in one C call, which is much cheaper than
    building a message per receipt; the messages are the same as built field by field.
    """
    cps: dict[int, bytes] = {}  # checkpoint sequence -> encoded Receipt.checkpoint field
    parts: list[bytes] = []
    v = _uvarint
    for r in results:
        if isinstance(r, Receipt):
            head = cps.get(r.checkpoint.sequence)
            if head is None:
                cb = checkpoint_pb(r.checkpoint).SerializeToString()
                head = cps[r.checkpoint.sequence] = b"\x1a" + v(len(cb)) + cb
            rid = r.record_id
            body = (b"\x0a" + v(len(rid)) + rid + (b"\x10" + v(r.leaf_index) if r.leaf_index else b"") + head
                    + (b"\x20\x01" if r.duplicate else b""))
            one = b"\x0a" + v(len(body)) + body  # SubmitResult.receipt
        else:
            one = ledger_pb2.SubmitResult(
                refusal=ledger_pb2.Refusal(position=r.position, record_id=r.record_id, code=r.code, reason=r.reason)
            ).SerializeToString()
        parts.append(b"\x0a" + v(len(one)) + one)  # SubmitRecordsResponse.results
    return list(ledger_pb2.SubmitRecordsResponse.FromString(b"".join(parts)).results)


def _proof_field(proof: Sequence[bytes]) -> bytes:
    """The encoded ``inclusion_proof`` elements (LogEntry field 5) of a proof: one join when every
    hash is HASH_SIZE bytes (every stored Merkle node is), an element at a time otherwise."""
    if not proof:
        return b""
    if set(map(len, proof)) == {HASH_SIZE}:
        return _HASH_TAG + _HASH_TAG.join(proof)
    return b"".join([_delimited(_PROOF_FIELD, h) for h in proof])


def history_entries_wire(entries: Sequence[ProvenEntry], brief: Set[int] = frozenset(), field: int = 1) -> bytes:
    """The wire bytes of ``entries`` as HistoryEntry elements of the repeated field ``field`` (1-15)
    of any message: the entries ``history_entries_pb`` gives, for a caller that puts them straight
    into a larger message."""
    v = _uvarint
    tag = _field_tag(field)
    parts: list[bytes] = []
    for e in entries:
        index = b"\x08" + v(e.leaf_index) if e.leaf_index else b""
        proof = _proof_field(e.proof)
        if e.leaf_index in brief:
            body, pk = index + proof, b""
        else:
            body = b"".join([
                index,
                b"\x12" + v(len(e.leaf)) + e.leaf if e.leaf else b"",
                b"\x1a" + v(len(e.payload)) + e.payload if e.payload else b"",
                b"" if e.payload is not None else b"\x20\x01",
                proof,
            ])
            pk = b"\x12" + v(len(e.public_key)) + e.public_key if e.public_key else b""
        one = b"\x0a" + v(len(body)) + body + pk  # HistoryEntry.entry, HistoryEntry.public_key
        parts.append(tag + v(len(one)) + one)
    return b"".join(parts)


def history_entries_pb(entries: Sequence[ProvenEntry], brief: Set[int] = frozenset()) -> list[ledger_pb2.HistoryEntry]:
    """``HistoryEntry(entry=log_entry_pb(e), public_key=e.public_key)`` for each entry; for an entry
    whose leaf index is in ``brief``, only its leaf index and inclusion proof.

    Hot path of every history answer: the entries are written straight to wire bytes and parsed in
    one C call (equal messages, far fewer Python objects than field-by-field).
    """
    return list(ledger_pb2.BorrowerHistoryResponse.FromString(history_entries_wire(entries, brief)).entries)


def early_chunk_pb(entries: Sequence[ProvenEntry]) -> risk_pb2.CreditReportChunk:
    """``CreditReportChunk(early_entries=history_entries_pb(entries))``, parsed from wire bytes in
    one call (no message is built twice)."""
    chunk: risk_pb2.CreditReportChunk = risk_pb2.CreditReportChunk.FromString(history_entries_wire(entries, field=1))
    return chunk


def report_answer_wire(
    cp: Checkpoint, entries: Sequence[ProvenEntry], report: risk_pb2.Report, inquiry: Receipt,
    consistency: Sequence[bytes] = (), consistency_from: int = 0, brief: Set[int] = frozenset(),
) -> bytes:
    """The wire bytes of ``CreditReportResponse(checkpoint=checkpoint_pb(cp), entries=
    history_entries_pb(entries, brief), report=report, inquiry_receipt=receipt_pb(inquiry),
    consistency=consistency, consistency_from=consistency_from)``."""
    parts = [
        _delimited(1, checkpoint_pb(cp).SerializeToString()),
        history_entries_wire(entries, brief, field=2),
        _delimited(3, report.SerializeToString()),
        _delimited(4, receipt_pb(inquiry).SerializeToString()),
        *[_delimited(5, h) for h in consistency],
        b"\x30" + _uvarint(consistency_from) if consistency_from else b"",
    ]
    return b"".join(parts)


def answer_chunk_pb(answer_wire: bytes) -> risk_pb2.CreditReportChunk:
    """``CreditReportChunk(answer=...)`` for an answer's wire bytes (``report_answer_wire``)."""
    chunk: risk_pb2.CreditReportChunk = risk_pb2.CreditReportChunk.FromString(_delimited(2, answer_wire))
    return chunk


def log_entry_pb(e: ProvenEntry) -> ledger_pb2.LogEntry:
    return ledger_pb2.LogEntry(
        leaf_index=e.leaf_index,
        leaf=e.leaf,
        payload=e.payload or b"",
        erased=e.payload is None,
        inclusion_proof=e.proof,
    )
