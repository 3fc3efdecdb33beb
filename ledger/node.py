"""A ledger node: the store, the pipeline and the query side, wired together; no network.

``Node.open`` refuses to start on a broken store and says where (StoreIntegrityError).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ledger.chain import Checkpoint, CheckpointError, NodeSigner, verify_checkpoint_signature, verify_link
from ledger.errors import LedgerError
from ledger.ingest import Pipeline, PipelineConfig, Refusal, Result
from ledger.ingest.commit import BlockCommitter
from ledger.ingest.membership import prepare_membership
from ledger.ingest.prepare import RecordCheck, Submitted, prepare_records
from ledger.members import MemberRegistry, register_node_key
from ledger.members.log import MembershipLog, genesis_matches
from ledger.merkle import MerkleError, leaf_hash, root_at
from ledger.metrics import Metrics
from ledger.privacy.crypto import MasterKey
from ledger.privacy.vault import Vault
from ledger.query import LogReader
from ledger.risk.corrections import CorrectionGate, check_corrections
from ledger.store import RocksStore, StoreError
from ledger.verify import VerifyBackend, make_backend

log = logging.getLogger(__name__)


class StoreIntegrityError(LedgerError):
    """The store does not match its own checkpoints; the node must not serve it."""

    code = "DATA_LOSS"


@dataclass
class NodeSettings:
    data_dir: Path
    node_seed: bytes
    master_key: MasterKey
    registry: MemberRegistry
    log_id: str = "creditledger"
    verify_backend: str = "auto"
    verify_workers: int | None = None
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    record_check: RecordCheck | None = None
    clock: Callable[[], float] = time.time
    # Signed MembershipChanges that must be the first entries of the log (committed into an empty
    # store on open; checked against the log's first leaves otherwise). See ledger.members.log.
    genesis: list[Submitted] = field(default_factory=list)


class Node:
    """One ledger node. Thread-safe: RPC threads call ``submit`` and the query methods."""

    def __init__(self, settings: NodeSettings, store: RocksStore, backend: VerifyBackend) -> None:
        self.settings = settings
        self.store = store
        self.registry = settings.registry
        self.signer = NodeSigner(settings.node_seed, settings.log_id)
        self.metrics = Metrics()
        self.metrics.set_backend(backend.name)
        self.metrics.attach_store(store, settings.data_dir)
        self.backend = backend
        self.vault = Vault(settings.master_key, store)
        self.committer = BlockCommitter(store, self.signer, self.vault, self.metrics, settings.clock)
        # When the log holds MEMBERSHIP entries they alone define the registry (replayed here).
        self.membership = MembershipLog(self.registry, store)
        self.membership.load()
        register_node_key(self.registry, self.signer.public_key)  # node-signed entries verify like any leaf
        self.committer.gates.append(self.membership)
        self.committer.gates.append(CorrectionGate(self.store))
        self.committer.block_hooks.append(self.membership.block_rows)
        self.pipeline = Pipeline(self.committer, backend, self.metrics, settings.pipeline)
        self.reader = LogReader(store, self.vault, self.registry)
        head = store.latest_checkpoint()
        self.metrics.tree_size.set(head.tree_size if head else 0)
        if head:
            self.metrics.checkpoint_ts.set(head.timestamp_ms / 1000)
        try:
            self._genesis(settings.genesis)
        except Exception:
            self.close()
            raise

    @classmethod
    def open(cls, settings: NodeSettings) -> Node:
        """Open the store, check it against its checkpoints, start the pipeline.

        Raises StoreIntegrityError naming the broken checkpoint, node or leaf; StoreError if the
        store cannot be opened (e.g. another node holds it).
        """
        store = RocksStore(settings.data_dir)
        head = store.latest_checkpoint()
        size = head.tree_size if head else 0
        # At 3 a.m. an operator watching a restart should see why it takes a while: the full
        # scan reads every leaf and node (~6 s per million leaves on 2 cores).
        log.info("checking the store: tree size %d (%s)", size,
                 "every leaf and node" if size <= FULL_SCAN_MAX_LEAVES else "the last block's leaves")
        t0 = time.monotonic()
        try:
            check_store(store, NodeSigner(settings.node_seed, settings.log_id).public_key)
        except Exception:
            store.close()
            raise
        log.info("store checked in %.1f s: tree size %d", time.monotonic() - t0, size)
        backend = make_backend(settings.verify_backend, workers=settings.verify_workers)
        warm_up = getattr(backend, "warm_up", None)
        if warm_up is not None:  # start verify helpers now, not under the first large block
            warm_up()
        return cls(settings, store, backend)

    def _genesis(self, genesis: Sequence[Submitted]) -> None:
        if not genesis:
            return
        if self.committer.tree_size == 0:
            for r in self.submit_membership(genesis):
                if isinstance(r, Refusal):
                    raise StoreIntegrityError(f"genesis entry {r.position} refused: {r.code}: {r.reason}")
            log.info("genesis membership committed: %d entries", len(genesis))
        elif not genesis_matches(self.store, [hashlib.sha256(g.payload).digest() for g in genesis]):
            raise StoreIntegrityError("the log does not start with the configured genesis membership entries")

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.settings.clock(), dt.UTC).date()

    def submit(self, items: Sequence[Submitted], member: str | None = None) -> list[Result]:
        """Check, verify and durably commit; one Result per item once its block is synced.

        Raises ResourceExhausted when overloaded (checked before any item is examined, so a full
        queue refuses even malformed items this way) and Unavailable when shutting down; then
        nothing of the call was queued.
        """
        return self.submit_async(items, member).result()

    def submit_async(self, items: Sequence[Submitted], member: str | None = None) -> Future[list[Result]]:
        """As ``submit``, but returns at once with a future of the results."""
        self.check_room(len(items), member)
        self.metrics.received.labels(member or "-").inc(len(items))
        ready, refused = prepare_records(
            items,
            registry=self.registry,
            tree_size=self.committer.tree_size,
            today=self.today(),
            member=member,
            check=self.settings.record_check,
        )
        if any(p.supersedes for p in ready):
            ready, more = check_corrections(ready, self.store, self.vault, self.registry)
            refused.extend(more)
        return self.pipeline.submit(ready, refused, len(items))

    def check_room(self, n: int, member: str | None = None) -> None:
        """Raise ResourceExhausted (Unavailable when shutting down) now if a submission of ``n``
        records would find the ingest queue full; a refused one still counts as received.

        Load shedding: under a retry storm, decoding and checking batches that the full queue then
        refuses would take the CPU the queued blocks need (bench/overload.py). ``submit`` checks
        again; callers may check earlier, before they convert a request.
        """
        try:
            self.pipeline.check_room(n)
        except LedgerError:  # ResourceExhausted or Unavailable: received, and refused whole
            self.metrics.received.labels(member or "-").inc(n)
            raise

    def submit_membership(self, items: Sequence[Submitted], member: str | None = None) -> list[Result]:
        """Check, verify and durably commit signed MembershipChanges (see ledger.members.changes).

        The registry reflects a change once its block is committed. Raises as ``submit``.
        """
        ready, refused = prepare_membership(
            items, registry=self.registry, tree_size=self.committer.tree_size, member=member
        )
        return self.pipeline.submit(ready, refused, len(items)).result()

    def latest_checkpoint(self) -> Checkpoint | None:
        return self.committer.head

    def close(self) -> None:
        """Finish and commit the blocks in flight, then release the store."""
        self.pipeline.close()
        self.backend.close()
        self.store.close()


def check_store(store: RocksStore, node_public_key: bytes) -> None:
    """Check the head checkpoint against the stored tree and its predecessor.

    Raises StoreIntegrityError naming what is broken.
    """
    head = store.latest_checkpoint()
    if head is None:
        if next(store.iter_entries(0), None) is not None:
            raise StoreIntegrityError("store has leaves but no checkpoint")
        return
    try:
        verify_checkpoint_signature(head, node_public_key)
        cps = store.last_checkpoints(CHAIN_TAIL + 1)  # the head, the tail checked below, the one before it
        prev = next((c for c in reversed(cps) if c.sequence == head.sequence - 1), None) if head.sequence else None
        if head.sequence and prev is None:
            raise StoreIntegrityError(f"checkpoint {head.sequence - 1} (before the head) is missing")
        verify_link(prev, head)
    except CheckpointError as exc:
        raise StoreIntegrityError(f"head checkpoint: {exc}") from None
    n = head.tree_size
    try:
        root = root_at(n, store.get_nodes)
        last = store.get_entries([n - 1])[0] if n else None
        tail = store.get_nodes([(0, n - 1)])[0] if n else None
    except (StoreError, MerkleError, LedgerError, ValueError) as exc:
        raise StoreIntegrityError(f"tree at size {n}: {exc}") from None
    if root != head.root_hash:
        raise StoreIntegrityError(f"tree at size {n}: root does not match head checkpoint {head.sequence}")
    if last is not None and leaf_hash(last.leaf) != tail:
        raise StoreIntegrityError(f"leaf {n - 1}: stored leaf does not match its Merkle node")
    if next(store.iter_entries(n), None) is not None:
        raise StoreIntegrityError(f"leaf {n}: entries beyond the head checkpoint's tree size")
    _check_tail_and_tree(store, node_public_key, cps, head)


CHAIN_TAIL = 64  # checkpoints whose signatures and links are re-checked at every start
FULL_SCAN_MAX_LEAVES = 4_000_000  # up to this tree size every leaf and stored node is checked at start


def _check_tail_and_tree(store: RocksStore, node_public_key: bytes, cps: list[Checkpoint], head: Checkpoint) -> None:
    """The deeper start-up checks (the full check, with signatures and payloads, is `creditledger verify`).

    * the last CHAIN_TAIL checkpoints: signature and link, and each one's root consistent with the
      head through the stored nodes (RFC 6962 consistency proof);
    * up to FULL_SCAN_MAX_LEAVES leaves: every leaf against its level-0 node, and every stored node
      recomputed from the leaves (ledger.audit.check_structure), so a flipped, swapped or missing
      leaf or node anywhere is found; beyond that size, the leaves of the head's last block only.
    """
    from ledger.audit import check_structure
    from ledger.merkle import consistency_proof, verify_consistency

    tail = cps[-CHAIN_TAIL:]
    first = next((c for c in cps if c.sequence == tail[0].sequence - 1), None) if tail[0].sequence else None
    prev = first
    for cp in tail:
        try:
            verify_checkpoint_signature(cp, node_public_key)
            if prev is not None or cp.sequence == 0:
                verify_link(prev, cp)
            if 0 < cp.tree_size < head.tree_size:
                proof = consistency_proof(cp.tree_size, head.tree_size, store.get_nodes)
                verify_consistency(cp.tree_size, head.tree_size, proof, cp.root_hash, head.root_hash)
        except (CheckpointError, MerkleError, StoreError) as exc:
            raise StoreIntegrityError(f"checkpoint {cp.sequence}: {exc}") from None
        prev = cp
    n = head.tree_size
    start = 0 if n <= FULL_SCAN_MAX_LEAVES else (cps[-2].tree_size if len(cps) > 1 else 0)
    if start == 0:
        problems = check_structure(store, n, max_problems=1)
        if problems:
            raise StoreIntegrityError(str(problems[0]))
        return
    leaves = store.get_entries(list(range(start, n)))
    nodes = store.get_nodes([(0, i) for i in range(start, n)])
    for e, h in zip(leaves, nodes, strict=True):
        if leaf_hash(e.leaf) != h:
            raise StoreIntegrityError(f"leaf {e.leaf_index}: stored leaf does not match its Merkle node")
