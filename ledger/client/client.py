"""LedgerClient: submits records and verifies every answer against checkpoints it trusts.

The client pins the node's public key. It keeps the last verified checkpoint and accepts a newer one
only with a valid consistency proof from it, as immudb's clients do. Any proof or signature that does
not verify raises VerificationError; nothing unverified is returned.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import grpc

from ledger.chain import Checkpoint, CheckpointError, verify_checkpoint_signature
from ledger.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusions
from ledger.records.leaf import Leaf, LeafFormatError, decode_leaf
from ledger.records.signing import EntryKind, key_id
from ledger.service.convert import checkpoint_from_pb
from ledger.service.status import RETRY_HINT_KEY
from ledger.v1 import ledger_pb2, ledger_pb2_grpc, records_pb2
from ledger.verify import BoolMask, CpuBackend
from ledger.verify.keyed import KeyedBackend
from ledger.verify.probe import probe


class VerificationError(Exception):
    """An answer from the node failed verification. Never ignore it."""


@dataclass(frozen=True, slots=True)
class VerifiedEntry:
    leaf_index: int
    record_id: bytes
    payload: bytes | None  # None when erased; otherwise its SHA-256 equals record_id
    public_key: bytes
    checkpoint: Checkpoint
    kind: EntryKind = EntryKind.RECORD


@dataclass(frozen=True)
class PendingEntries:
    """Entries begun by ``LedgerClient.begin_entries``: format, key and payload checked, leaf hashes
    computed, signatures being verified. Position ``i`` in each list is the ``i``-th entry begun."""

    indices: list[int]
    public_keys: list[bytes]
    leaves: list[Leaf]
    leaf_hashes: list[bytes]
    payloads: list[bytes | None]
    _verdicts: Callable[[], BoolMask]

    def check_signatures(self) -> None:
        """Wait for the signature verdicts; raises VerificationError naming the first bad leaf."""
        for index, good in zip(self.indices, self._verdicts(), strict=True):
            if not good:
                raise VerificationError(f"leaf {index}: signature does not verify")


# With libsodium, batches of this many signatures or more are verified on helper processes.
CLIENT_HELPER_MIN = 32
# "libsodium" makes clients verify with libsodium even where the keyed verifier builds.
VERIFIER_ENV = "CREDITLEDGER_CLIENT_VERIFIER"
_shared: CpuBackend | KeyedBackend | None = None
_shared_lock = threading.Lock()


def shared_verifier() -> CpuBackend | KeyedBackend:
    """The verifier all clients of this process share, stopped at exit. Both kinds give
    libsodium's verdicts (tests/test_verify_keyed.py).

    The keyed verifier (``KeyedBackend``: a table per bank key, a third of libsodium's time per
    check) where its library builds; else libsodium on helper processes, one per core, started
    on the first large batch (they verify while the calling thread checks proofs, where threads
    calling libsodium per signature would wait for its GIL). Either is first probed against the
    signature rule (ledger.verify.probe); RuleMismatch if it strays from it.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            want = os.environ.get(VERIFIER_ENV, "auto")
            if want not in ("auto", "libsodium"):
                raise ValueError(f"{VERIFIER_ENV}: expected auto or libsodium, got {want!r}")
            chosen: CpuBackend | KeyedBackend = (
                KeyedBackend() if want == "auto" and KeyedBackend.available()
                else CpuBackend(helper_min=CLIENT_HELPER_MIN)
            )
            try:
                probe(chosen.name, chosen.verify_batch)  # RuleMismatch: never verify off the rule
            except Exception:
                chosen.close()
                raise
            _shared = chosen
            atexit.register(_shared.close)
        return _shared


def retry_after(exc: grpc.RpcError) -> float | None:
    """Seconds the node asked us to wait before sending again, or None if the error is not a
    transient refusal (only RESOURCE_EXHAUSTED with a ``retry-after-ms`` trailer is: a full ingest
    queue or a rate limit; an oversized message, say, is RESOURCE_EXHAUSTED without it)."""
    if not isinstance(exc, grpc.Call) or exc.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
        return None
    hint = dict(exc.trailing_metadata() or ()).get(RETRY_HINT_KEY)
    try:
        return max(int(hint), 1) / 1000 if hint is not None else None
    except ValueError:
        return None


class LedgerClient:
    def __init__(
        self, channel: grpc.Channel, node_public_key: bytes, trusted: Checkpoint | None = None, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel = channel
        self.node_public_key = node_public_key
        self.submission = ledger_pb2_grpc.SubmissionStub(channel)
        self.log = ledger_pb2_grpc.LogStub(channel)
        self.query = ledger_pb2_grpc.QueryStub(channel)
        self._trusted = trusted
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    @property
    def trusted(self) -> Checkpoint | None:
        """The newest checkpoint this client has verified."""
        return self._trusted

    # -- submit ---------------------------------------------------------------------------------

    def submit(
        self, records: Sequence[records_pb2.SignedRecord], timeout: float = 60, retry_for: float = 0.0
    ) -> list[ledger_pb2.SubmitResult]:
        """Submit one batch; one SubmitResult per record, in order, once the batch is durable.

        With ``retry_for > 0``, a transient refusal (``retry_after``: the node's queue is full or
        the member's rate limit is spent) is retried after the wait the node asks for, plus up to
        25% jitter, until ``retry_for`` seconds have passed; then the refusal is raised. Retrying
        is safe: a record already accepted is answered with its original receipt. Every other
        error raises at once (grpc.RpcError).
        """
        req = ledger_pb2.SubmitRecordsRequest(records=records)
        give_up = self._clock() + retry_for
        while True:
            try:
                return list(self.submission.SubmitRecords(req, timeout=timeout).results)
            except grpc.RpcError as exc:
                wait = retry_after(exc)
                if wait is None:
                    raise
                wait *= 1 + random.random() / 4  # spread the retries of many clients
                if self._clock() + wait > give_up:
                    raise
                self._sleep(wait)

    def stream(
        self, batches: Iterable[Sequence[records_pb2.SignedRecord]], timeout: float | None = None
    ) -> Iterator[ledger_pb2.StreamSubmitResponse]:
        """Stream batches; yields one response per batch, in order."""
        reqs = (ledger_pb2.StreamSubmitRequest(batch_id=i, records=b) for i, b in enumerate(batches))
        return iter(self.submission.StreamRecords(reqs, timeout=timeout))

    # -- verified reads -------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """Fetch the latest checkpoint, verify it and its consistency with the trusted one."""
        return self.accept_checkpoint(checkpoint_from_pb(self.log.GetCheckpoint(ledger_pb2.GetCheckpointRequest())))

    def accept_checkpoint(
        self, cp: Checkpoint, proof: Sequence[bytes] | None = None, proof_from: int | None = None
    ) -> Checkpoint:
        """Verify ``cp``'s signature and its consistency with the trusted checkpoint; then trust it
        if it is newer. Raises VerificationError (bad signature, fork, split view, rewound log).

        ``proof``: a consistency proof from tree size ``proof_from`` (default: the trusted size
        now) to ``cp`` that came with an answer. It is used only while ``proof_from`` is the
        trusted size (other threads sharing this client may have moved it since the request);
        otherwise the client asks the node for the proof it needs.

        Thread-safe: if the trusted checkpoint moves while ``cp`` is being checked, ``cp`` is
        checked against the new one too, so every checkpoint this client accepts is consistent
        with the one it trusts at the end.
        """
        try:
            verify_checkpoint_signature(cp, self.node_public_key)
        except CheckpointError as exc:
            raise VerificationError(str(exc)) from None
        if proof_from is None:
            proof_from = self._trusted.tree_size if self._trusted is not None else 0
        while True:
            with self._lock:
                old = self._trusted
            given = proof if old is not None and proof_from == old.tree_size else None
            self._check_against(cp, old, given)
            with self._lock:
                if self._trusted is old:
                    if old is None or cp.tree_size > old.tree_size:
                        self._trusted = cp
                    return cp

    def _check_against(self, cp: Checkpoint, old: Checkpoint | None, proof: Sequence[bytes] | None) -> None:
        """Raise VerificationError unless ``cp`` and ``old`` are one log (either may be the older)."""
        if old is None:
            return
        if cp.tree_size < old.tree_size:
            self._check_older(cp, old)
        elif cp.tree_size == old.tree_size:
            if cp.root_hash != old.root_hash:
                raise VerificationError(f"split view: two roots for tree size {cp.tree_size}")
        elif old.tree_size > 0:
            if not proof:
                proof = self.log.GetConsistencyProof(
                    ledger_pb2.GetConsistencyProofRequest(first_size=old.tree_size, second_size=cp.tree_size)
                ).proof
            try:
                verify_consistency(old.tree_size, cp.tree_size, list(proof), old.root_hash, cp.root_hash)
            except ProofError as exc:
                raise VerificationError(f"checkpoint {cp.sequence} is not consistent with trusted: {exc}") from None

    def _check_older(self, cp: Checkpoint, trusted: Checkpoint) -> None:
        resp = self.log.GetConsistencyProof(
            ledger_pb2.GetConsistencyProofRequest(first_size=cp.tree_size, second_size=trusted.tree_size)
        )
        try:
            verify_consistency(cp.tree_size, trusted.tree_size, list(resp.proof), cp.root_hash, trusted.root_hash)
        except ProofError as exc:
            raise VerificationError(f"older checkpoint {cp.sequence} is not a prefix of trusted: {exc}") from None

    def verify_entries(self, items: Sequence[tuple[ledger_pb2.LogEntry, bytes]], cp: Checkpoint) -> list[VerifiedEntry]:
        """Check each (entry, public key) pair's leaf format, key id, signature, payload hash and
        inclusion in ``cp``; the verified entries, in order. Raises VerificationError.

        The signatures are checked as one libsodium batch by the process's shared verifier (helper
        processes from ``CLIENT_HELPER_MIN`` signatures) while this thread checks payload hashes and
        the inclusion proofs (paths shared by several entries are hashed once; every proof is still
        checked whole).
        """
        pending = self.begin_entries(items)
        out = self.prove_entries([(pending, i, e.inclusion_proof) for i, (e, _) in enumerate(items)], cp)
        pending.check_signatures()
        return out

    def begin_entries(self, items: Sequence[tuple[ledger_pb2.LogEntry, bytes]]) -> PendingEntries:
        """Check each entry's leaf format, key id and payload hash (raises VerificationError) and
        start checking their signatures, for entries whose proofs come later.

        Nothing is verified until ``prove_entries`` and ``PendingEntries.check_signatures`` both pass.
        """
        rows = [(e.leaf_index, e.leaf, None if e.erased else e.payload, pk) for e, pk in items]
        ids = {pk: key_id(pk) for pk in {r[3] for r in rows}}  # a report has few signers
        leaves = [self._leaf(index, data, ids[pk]) for index, data, _, pk in rows]
        pks = [r[3] for r in rows]
        verdicts = shared_verifier().start_batch([lf.message() for lf in leaves], [lf.signature for lf in leaves], pks)
        sha = hashlib.sha256
        for (index, _, payload, _), leaf in zip(rows, leaves, strict=True):
            if payload is not None and sha(payload).digest() != leaf.entry_id:
                raise VerificationError(f"leaf {index}: payload does not hash to the record id")
        return PendingEntries([r[0] for r in rows], pks, leaves, [leaf_hash(r[1]) for r in rows],
                              [r[2] for r in rows], verdicts)

    @staticmethod
    def prove_entries(
        entries: Sequence[tuple[PendingEntries, int, Sequence[bytes]]], cp: Checkpoint
    ) -> list[VerifiedEntry]:
        """Check that entry ``i`` of each pending batch, with the inclusion proof given for it, is in
        ``cp``; the entries, in the order given. Raises VerificationError. Signatures are not waited for.
        """
        try:
            verify_inclusions([p.leaf_hashes[i] for p, i, _ in entries], [p.indices[i] for p, i, _ in entries],
                              cp.tree_size, [proof for _, _, proof in entries], cp.root_hash)
        except ProofError as exc:
            raise VerificationError(f"inclusion proof of {exc}") from None
        out = []
        for p, i, _ in entries:
            leaf = p.leaves[i]
            out.append(VerifiedEntry(p.indices[i], leaf.entry_id, p.payloads[i], p.public_keys[i], cp, leaf.kind))
        return out

    @staticmethod
    def _leaf(index: int, data: bytes, want_key_id: bytes) -> Leaf:
        """The decoded leaf; raises unless it is well formed and names the key ``want_key_id``."""
        try:
            leaf = decode_leaf(data)
        except LeafFormatError as exc:
            raise VerificationError(f"leaf {index}: {exc}") from None
        if want_key_id != leaf.key_id:
            raise VerificationError(f"leaf {index}: public key does not match the leaf's key id")
        return leaf

    def verify_entry(
        self, e: ledger_pb2.LogEntry, public_key: bytes, cp: Checkpoint
    ) -> VerifiedEntry:
        """Check leaf format, signature, payload hash and inclusion in ``cp``. Raises VerificationError."""
        (out,) = self.verify_entries([(e, public_key)], cp)
        return out

    def get_record(self, record_id: bytes) -> VerifiedEntry:
        resp = self.log.GetRecord(ledger_pb2.GetRecordRequest(record_id=record_id))
        cp = self.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
        return self.verify_entry(resp.entry, resp.public_key, cp)

    def borrower_history(self, borrower_ref: bytes, limit: int = 0) -> list[VerifiedEntry]:
        """A borrower's entries across all banks, every one verified against one checkpoint."""
        resp = self.query.BorrowerHistory(ledger_pb2.BorrowerHistoryRequest(borrower_ref=borrower_ref, limit=limit))
        cp = self.accept_checkpoint(checkpoint_from_pb(resp.checkpoint))
        return self.verify_entries([(h.entry, h.public_key) for h in resp.entries], cp)
