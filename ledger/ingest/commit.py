"""The commit stage: turn a verified block into one durable WriteBatch and the receipts for it."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ledger.chain import Checkpoint, NodeSigner
from ledger.errors import LedgerError
from ledger.ingest.prepare import Prepared
from ledger.ingest.results import Receipt, Refusal, Result
from ledger.merkle import CompactRange
from ledger.metrics import Metrics
from ledger.privacy.vault import Vault
from ledger.store import BlockWrite, EntryWrite, RocksStore

log = logging.getLogger(__name__)
Clock = Callable[[], float]


class BlockGate(Protocol):
    """A check run by the committer on each new entry, in leaf order, with the leaf index it would get.

    ``admit`` raising a LedgerError refuses that entry alone (with the error's code). ``end`` is
    called once per ``begin``: ``committed`` True only after the block's synced write succeeded, so a
    gate can stage state for the block and publish it atomically before the next block starts.
    """

    def begin(self, base: int) -> None: ...

    def admit(self, p: Prepared, leaf_index: int) -> None: ...

    def end(self, committed: bool) -> None: ...


class BlockCommitter:
    """Numbers, hashes, seals and durably commits blocks. Used by one thread at a time.

    ``commit`` returns only after the block's synced WriteBatch is written; its receipts name the
    checkpoint of that block. Entries whose signature failed are refused individually.
    """

    def __init__(
        self,
        store: RocksStore,
        signer: NodeSigner,
        vault: Vault,
        metrics: Metrics,
        clock: Clock = time.time,
    ) -> None:
        self.store = store
        self.signer = signer
        self.vault = vault
        self.metrics = metrics
        self.clock = clock
        head = store.latest_checkpoint()
        size = head.tree_size if head else 0
        self.tree = CompactRange.from_nodes(size, store.get_nodes) if size else CompactRange.empty()
        self.head: Checkpoint | None = head
        # Hooks run inside commit, before the write, to add domain rows (e.g. indexes) to a block.
        self.block_hooks: list[Callable[[list[EntryWrite], BlockWrite], None]] = []
        # Gates see every new entry with its leaf index before it is numbered (e.g. key validity).
        self.gates: list[BlockGate] = []

    @property
    def tree_size(self) -> int:
        return self.tree.size

    def commit(self, items: Sequence[Prepared], verdicts: Sequence[bool]) -> list[Result]:
        """Commit the valid, new entries of a block; return one Result per item, in order."""
        for g in self.gates:
            g.begin(self.tree.size)
        committed = False
        try:
            out = self._commit(items, verdicts)
            committed = True
            return out
        finally:
            for g in self.gates:
                g.end(committed)

    def _admit(self, p: Prepared, leaf_index: int) -> Refusal | None:
        try:
            for g in self.gates:
                g.admit(p, leaf_index)
        except LedgerError as exc:
            return Refusal(p.position, p.entry_id, exc.code, str(exc))
        return None

    def _commit(self, items: Sequence[Prepared], verdicts: Sequence[bool]) -> list[Result]:
        t0 = time.perf_counter()
        results: list[Result | None] = [None] * len(items)
        known = self.store.find_ids([p.entry_id for p in items])
        covering = self.store.checkpoints_covering([i for i in known if i is not None])
        fresh: list[tuple[int, Prepared]] = []
        in_block: dict[bytes, int] = {}
        dup_of: list[tuple[int, int]] = []
        for k, (p, ok, idx) in enumerate(zip(items, verdicts, known, strict=True)):
            if not ok:
                results[k] = Refusal(p.position, p.entry_id, "INVALID_ARGUMENT",
                                     f"records[{p.position}].signature: does not verify under the named key")
            elif idx is not None:
                results[k] = Receipt(p.entry_id, idx, covering[idx], duplicate=True)  # a stored leaf has one
            elif p.entry_id in in_block:
                dup_of.append((k, in_block[p.entry_id]))
            elif self.gates and (refusal := self._admit(p, self.tree.size + len(fresh))) is not None:
                results[k] = refusal
            else:
                in_block[p.entry_id] = self.tree.size + len(fresh)
                fresh.append((k, p))
        if fresh:
            cp = self._write(fresh)
            for k, p in fresh:
                results[k] = Receipt(p.entry_id, in_block[p.entry_id], cp)
            for k, idx in dup_of:
                results[k] = Receipt(items[k].entry_id, idx, cp, duplicate=True)
            self.metrics.observe_commit(len(fresh), time.perf_counter() - t0, self.tree.size)
        out = [r for r in results if r is not None]
        assert len(out) == len(items)
        self.metrics.count_results(out, [p.member_id for p in items])
        return out

    def _write(self, fresh: list[tuple[int, Prepared]]) -> Checkpoint:
        base = self.tree.size
        sha = hashlib.sha256
        leaves = [p.leaf for _, p in fresh]
        tree, nodes = self.tree.append([sha(b"\x00" + leaf).digest() for leaf in leaves])
        blobs, wrapped = self.vault.seal_many(
            [(p.borrower_ref if p.sealed else b"", p.entry_id, p.payload) for _, p in fresh]
        )
        for _, p in fresh:
            if p.key_rows:
                wrapped.update(p.key_rows)
        entries = [
            EntryWrite(base + i, p.leaf, blob, p.entry_id, p.borrower_ref, p.day)
            for i, ((_, p), blob) in enumerate(zip(fresh, blobs, strict=True))
        ]
        cp = self.signer.sign_next(self.head, tree.size, tree.root(), int(self.clock() * 1000))
        block = BlockWrite(entries, nodes, cp, wrapped)
        for _, p in fresh:
            if p.meta_rows:
                block.extra.update(p.meta_rows)
            block.redact.extend(p.redact)
        for hook in self.block_hooks:
            hook(entries, block)
        try:
            written = self.store.commit_block(block)  # synced; raises and changes nothing on failure
        except Exception:
            self.metrics.commit_failures.inc()
            raise
        self.metrics.commits.inc()
        self.metrics.commit_bytes.inc(written or 0)
        self.tree, self.head = tree, cp
        self.vault.committed(wrapped)
        return cp
