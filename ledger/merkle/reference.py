"""The naive RFC 6962 §2.1 definitions, transcribed literally. For tests only.

These functions take the raw leaf data ``D[n]`` (not leaf hashes) and recompute every subtree
from scratch, exactly as the RFC text states them; they are slow (O(n) per call or worse) and
exist as the independent reference that the efficient code in this package is checked against.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash, node_hash


def split_point(n: int) -> int:
    """Return k, the largest power of two strictly smaller than n (n >= 2)."""
    if n < 2:
        raise ValueError(f"split point needs n >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def mth(d: Sequence[bytes]) -> bytes:
    """MTH(D[n]): the Merkle Tree Hash of the list of leaf data ``d``."""
    n = len(d)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(d[0])
    k = split_point(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path for leaf index m (0 <= m < n); raises ValueError otherwise."""
    n = len(d)
    if not 0 <= m < n:
        raise ValueError(f"leaf index {m} outside tree of size {n}")
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m <= n; raises ValueError otherwise."""
    if not 0 < m <= len(d):
        raise ValueError(f"consistency proof needs 0 < m <= n, got m={m}, n={len(d)}")
    return subproof(m, d, True)


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) as defined in RFC 6962 §2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split_point(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def perfect_nodes(d: Sequence[bytes]) -> dict[tuple[int, int], bytes]:
    """Every stored node of the tree over ``d``: ``{(level, index): MTH(d[index*2**level : ...])}``.

    Computed independently with :func:`mth` for each complete perfect subtree; a stand-in for
    the node store in tests.
    """
    out: dict[tuple[int, int], bytes] = {}
    level = 0
    while (1 << level) <= len(d):
        width = 1 << level
        for index in range(len(d) // width):
            out[(level, index)] = mth(d[index * width : (index + 1) * width])
        level += 1
    return out
