"""Log reads. Every answer is against one signed checkpoint and carries the proofs to check it.

Proofs come from stored perfect-subtree nodes with one batched multi-get per answer; nothing is
rehashed from the leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.chain import Checkpoint
from ledger.errors import FailedPrecondition, InvalidArgument, NotFound
from ledger.members import MemberRegistry
from ledger.merkle import consistency_proof, inclusion_proofs, leaf_hash
from ledger.privacy.vault import Vault
from ledger.records.leaf import decode_leaf
from ledger.store import RocksStore


@dataclass(frozen=True, slots=True)
class ProvenEntry:
    leaf_index: int
    leaf: bytes
    payload: bytes | None  # None: erased or redacted
    proof: list[bytes]
    public_key: bytes


class LogReader:
    """Read side of a node. Thread-safe; never blocks the ingest pipeline."""

    def __init__(self, store: RocksStore, vault: Vault, registry: MemberRegistry) -> None:
        self.store = store
        self.vault = vault
        self.registry = registry

    def checkpoint(self, tree_size: int = 0) -> Checkpoint:
        """The latest checkpoint (tree_size 0) or the one issued at exactly ``tree_size``.

        Raises FailedPrecondition for an empty log, NotFound when no checkpoint has that size.
        """
        head = self.store.latest_checkpoint()
        if head is None:
            raise FailedPrecondition("log is empty: no checkpoint yet")
        if tree_size == 0 or tree_size == head.tree_size:
            return head
        if tree_size > head.tree_size:
            raise NotFound(f"tree_size: {tree_size} is beyond the head ({head.tree_size})")
        cp = self.store.checkpoint_at(tree_size)
        if cp is None:
            raise NotFound(f"tree_size: no checkpoint was issued at size {tree_size}")
        return cp

    def entries(self, indices: Sequence[int], cp: Checkpoint) -> list[ProvenEntry]:
        """Entries with inclusion proofs against ``cp``, payloads opened where still readable."""
        return self.prove(self.load(indices), cp)

    def load(self, indices: Sequence[int]) -> list[ProvenEntry]:
        """Entries with payloads opened, not yet proven (empty proofs). One multi-get, one batch open."""
        entries = self.store.get_entries(indices)
        leaves = [decode_leaf(e.leaf) for e in entries]
        payloads = self.vault.open_many(
            [(e.borrower_ref, leaf.entry_id, e.payload) for e, leaf in zip(entries, leaves, strict=True)]
        )
        keys = self.registry.keys
        out = []
        for e, leaf, payload in zip(entries, leaves, payloads, strict=True):
            key = keys.get(leaf.key_id)
            out.append(ProvenEntry(e.leaf_index, e.leaf, payload, [], key.public_key if key else b""))
        return out

    def prove(self, loaded: Sequence[ProvenEntry], cp: Checkpoint) -> list[ProvenEntry]:
        """The same entries with inclusion proofs against ``cp`` (one batched node read)."""
        proofs = inclusion_proofs([e.leaf_index for e in loaded], cp.tree_size, self.store.get_nodes)
        return [
            ProvenEntry(e.leaf_index, e.leaf, e.payload, p, e.public_key) for e, p in zip(loaded, proofs, strict=True)
        ]

    def record(self, record_id: bytes, tree_size: int = 0) -> ProvenEntry:
        """One entry by id with its inclusion proof. Raises InvalidArgument/NotFound."""
        if len(record_id) != 32:
            raise InvalidArgument(f"record_id: must be 32 bytes, got {len(record_id)}")
        (idx,) = self.store.find_ids([record_id])
        cp = self.checkpoint(tree_size)
        if idx is None or idx >= cp.tree_size:
            raise NotFound(f"record_id: {record_id.hex()} is not in the log at size {cp.tree_size}")
        return self.entries([idx], cp)[0]

    def inclusion(self, leaf_index: int, tree_size: int = 0) -> tuple[bytes, list[bytes], Checkpoint]:
        """(leaf hash, proof, checkpoint) for a leaf. Raises InvalidArgument for a bad index."""
        cp = self.checkpoint(tree_size)
        if leaf_index >= cp.tree_size:
            raise InvalidArgument(f"leaf_index: {leaf_index} is not below tree size {cp.tree_size}")
        (e,) = self.store.get_entries([leaf_index])
        proof = inclusion_proofs([leaf_index], cp.tree_size, self.store.get_nodes)[0]
        return leaf_hash(e.leaf), proof, cp

    def consistency(self, first_size: int, second_size: int = 0) -> tuple[list[bytes], Checkpoint, Checkpoint]:
        """Proof that the checkpoint at ``first_size`` is a prefix of the one at ``second_size``."""
        second = self.checkpoint(second_size)
        if first_size == 0:
            raise InvalidArgument("first_size: must be a checkpoint's tree size, not 0")
        if first_size > second.tree_size:
            raise InvalidArgument(f"first_size: {first_size} is beyond second_size {second.tree_size}")
        first = self.checkpoint(first_size)
        return consistency_proof(first_size, second.tree_size, self.store.get_nodes), first, second

    def consistency_to(self, known_size: int, tree_size: int) -> list[bytes]:
        """Consistency proof from any earlier checkpoint size to ``tree_size`` (both checkpointed
        by the caller's knowledge; an unknown ``known_size`` simply yields a proof that will not verify)."""
        return consistency_proof(known_size, tree_size, self.store.get_nodes)

    def borrower_history(self, borrower_ref: bytes, limit: int = 0) -> tuple[list[ProvenEntry], Checkpoint]:
        """A borrower's entries in (date, leaf) order, all proven against the latest checkpoint."""
        if len(borrower_ref) != 32:
            raise InvalidArgument(f"borrower_ref: must be 32 bytes, got {len(borrower_ref)}")
        cp = self.checkpoint(0)
        idx = [i for i in self.store.borrower_indices(borrower_ref, limit) if i < cp.tree_size]
        return self.entries(idx, cp), cp
