"""Addresses of stored perfect-subtree nodes, and the batch fetch contract.

A stored node is addressed ``(level, index)``: the root of the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``. Level 0 holds the leaf hashes. A node exists
(and is written, once, by :meth:`ledger.merkle.compact.CompactRange.append`) as soon as the tree
size reaches ``(index + 1) * 2**level``; it never changes afterwards.

The store supplies a ``get_nodes(addresses) -> hashes`` callable (one multi-get). It must return
one entry per address, in order; ``None`` (or anything that is not a 32-byte ``bytes``) marks a
missing node and makes the caller raise :class:`~ledger.merkle.errors.NodeFetchError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias, cast

from ledger.merkle.errors import NodeFetchError, TreeRangeError
from ledger.merkle.hashing import HASH_SIZE

Address: TypeAlias = tuple[int, int]
"""``(level, index)`` of a stored perfect-subtree root."""

NodeRecord: TypeAlias = tuple[int, int, bytes]
"""``(level, index, hash)``: one node to write to the store."""

NodeGetter: TypeAlias = Callable[[Sequence[Address]], Sequence[bytes | None]]
"""Batch fetch: ``get_nodes(addresses)`` returns the hashes of those nodes in the same order."""


def node_span(level: int, index: int) -> tuple[int, int]:
    """Return the half-open leaf range ``[start, end)`` covered by node ``(level, index)``."""
    if level < 0 or index < 0:
        raise TreeRangeError(f"invalid node address ({level}, {index})")
    return index << level, (index + 1) << level


def subtree_addresses(start: int, end: int) -> list[Address]:
    """Decompose the leaf range ``[start, end)`` into maximal perfect subtrees, left to right.

    For ``start == 0`` (a whole tree) or ``start`` aligned to a power of two >= ``end - start``
    (every right-hand piece of the RFC 6962 split), the sizes are strictly decreasing and
    folding the hashes right to left (:func:`ledger.merkle.hashing.fold_right`) yields the
    RFC 6962 MTH of the range. Raises :class:`TreeRangeError` unless ``0 <= start <= end``.
    """
    if not 0 <= start <= end:
        raise TreeRangeError(f"invalid leaf range [{start}, {end})")
    out: list[Address] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        out.append((level, start >> level))
        start += 1 << level
    return out


def frontier_addresses(size: int) -> list[Address]:
    """Addresses of the right-edge perfect subtrees of a tree of ``size`` leaves, largest first.

    One per set bit of ``size``; folding their hashes right to left gives the tree's root.
    """
    if size < 0:
        raise TreeRangeError(f"negative tree size {size}")
    return subtree_addresses(0, size)


def fetch_nodes(addresses: Iterable[Address], get_nodes: NodeGetter) -> dict[Address, bytes]:
    """Fetch the distinct ``addresses`` with ONE call to ``get_nodes`` (sorted, deduplicated).

    Returns a dict address -> hash. Raises :class:`NodeFetchError` if the store answers with the
    wrong number of entries or any entry is missing / not a 32-byte ``bytes``.
    """
    wanted = sorted(set(addresses))
    return dict(zip(wanted, fetch_node_list(wanted, get_nodes), strict=True))


def fetch_node_list(wanted: Sequence[Address], get_nodes: NodeGetter) -> list[bytes]:
    """The hashes of ``wanted`` (asked as given) with ONE call to ``get_nodes``, none when empty.

    Raises :class:`NodeFetchError` as :func:`fetch_nodes`.
    """
    if not wanted:
        return []
    got = list(get_nodes(wanted))
    if len(got) != len(wanted):
        raise NodeFetchError(f"asked the store for {len(wanted)} nodes, got {len(got)}")
    for addr, h in zip(wanted, got, strict=True):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise NodeFetchError(f"node {addr} is missing or malformed in the store")
    return cast("list[bytes]", got)  # checked above
