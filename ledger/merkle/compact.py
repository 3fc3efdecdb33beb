"""The compact range ("frontier") of an append-only RFC 6962 tree.

A tree of ``size`` leaves is summarised by the roots of its right-edge perfect subtrees, one per
set bit of ``size`` (largest first; see :func:`ledger.merkle.nodes.frontier_addresses`). That is
all an appender needs: :meth:`CompactRange.append` adds a block of leaf hashes, returns the new
frontier and every node that became complete — ``(level, index, hash)`` records, leaves included —
so the store can write a whole block in one batch. :meth:`CompactRange.root` folds the frontier
right to left into the RFC 6962 root.

Cost of appending k leaves: exactly one SHA-256 call per new interior node (about k of them),
done level by level in list comprehensions, with no per-leaf Python-level branching.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

from ledger.merkle.errors import MerkleError
from ledger.merkle.hashing import HASH_SIZE, NODE_PREFIX, fold_right
from ledger.merkle.nodes import Address, NodeGetter, NodeRecord, fetch_nodes, frontier_addresses

_sha256 = hashlib.sha256


def _levels_desc(size: int) -> list[int]:
    """The levels of the frontier nodes of a tree of ``size`` leaves, largest first."""
    return [lvl for lvl in range(size.bit_length() - 1, -1, -1) if (size >> lvl) & 1]


@dataclass(frozen=True, slots=True)
class CompactRange:
    """Immutable frontier of a tree: ``size`` and the hashes of ``frontier_addresses(size)``.

    Construction validates the shape: ``size >= 0``, exactly ``popcount(size)`` hashes, each 32
    bytes; otherwise :class:`~ledger.merkle.errors.MerkleError` is raised. The hashes themselves
    cannot be checked here — load them from the store or from a previous :meth:`append`.
    """

    size: int
    hashes: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if self.size < 0:
            raise MerkleError(f"negative tree size {self.size}")
        want = self.size.bit_count()
        if len(self.hashes) != want:
            raise MerkleError(f"a tree of size {self.size} has {want} frontier nodes, got {len(self.hashes)}")
        if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in self.hashes):
            raise MerkleError("frontier hashes must be 32-byte bytes")

    @classmethod
    def empty(cls) -> CompactRange:
        """The frontier of the empty tree."""
        return cls(0, ())

    @classmethod
    def from_nodes(cls, size: int, get_nodes: NodeGetter) -> CompactRange:
        """Load the frontier of a stored tree of ``size`` leaves with one ``get_nodes`` call.

        Raises :class:`~ledger.merkle.errors.NodeFetchError` if a node is missing.
        """
        addrs = frontier_addresses(size)
        got = fetch_nodes(addrs, get_nodes)
        return cls(size, tuple(got[a] for a in addrs))

    def addresses(self) -> list[Address]:
        """The stored-node addresses of this frontier, in the order of :attr:`hashes`."""
        return frontier_addresses(self.size)

    def root(self) -> bytes:
        """The RFC 6962 root hash of the tree of :attr:`size` leaves (``EMPTY_ROOT`` if empty)."""
        return fold_right(self.hashes)

    def append(self, leaf_hashes: Sequence[bytes]) -> tuple[CompactRange, list[NodeRecord]]:
        """Append leaf hashes; return ``(new_frontier, new_nodes)``. ``self`` is unchanged.

        ``new_nodes`` lists every node that became complete, as ``(level, index, hash)``:
        first the leaves themselves (level 0, indices ``size .. size+k-1``), then level 1, 2, ...
        each in increasing index order. Each node appears once over the life of the tree.
        Raises :class:`~ledger.merkle.errors.MerkleError` if a leaf hash is not 32 bytes.
        """
        row = list(leaf_hashes)
        if not row:
            return self, []
        if set(map(len, row)) != {HASH_SIZE} or not all(type(h) is bytes for h in row):
            raise MerkleError("leaf hashes must be 32-byte bytes (hash leaves with leaf_hash first)")
        old_size = self.size
        new_size = old_size + len(row)
        old = dict(zip(_levels_desc(old_size), self.hashes, strict=True))
        new_frontier: dict[int, bytes] = {}
        nodes: list[NodeRecord] = list(zip(repeat(0), range(old_size, new_size), row, strict=False))
        prefix = NODE_PREFIX
        sha = _sha256
        level, start = 0, old_size
        while True:
            # row holds the new nodes (level, start ..), the last one is (level, (new_size>>level)-1)
            if (new_size >> level) & 1:
                new_frontier[level] = row[-1]
            if start & 1:  # the first new node is a right child: its left sibling is a frontier node
                row.insert(0, old[level])
                start -= 1
            if len(row) < 2:
                break
            pairs = iter(row)
            row = [sha(prefix + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
            start >>= 1
            level += 1
            nodes.extend(zip(repeat(level), range(start, start + len(row)), row, strict=False))
        levels = _levels_desc(new_size)
        for lvl in levels:
            if lvl > level:  # untouched by this block: the old frontier node still stands
                new_frontier[lvl] = old[lvl]
        hashes = tuple(new_frontier[lvl] for lvl in levels)
        return CompactRange(new_size, hashes), nodes
