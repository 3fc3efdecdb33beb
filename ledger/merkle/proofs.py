"""Inclusion and consistency proof generation from stored perfect-subtree nodes.

Generation is split in two so the store can batch its reads:

1. *Planning* (pure, no I/O): :func:`inclusion_plan` / :func:`consistency_plan` return a
   :data:`Plan` — one :data:`PlanStep` per proof hash. A step is a tuple of stored-node
   addresses: a single address is a stored node used as is; several addresses are the perfect
   subtrees of a ragged right edge, whose hashes are folded right to left with ``node_hash`` into
   one ephemeral hash. A plan has O(log n) steps and O(log n) addresses in total (at most one
   step is ragged).
2. *Resolving*: :func:`resolve_plans` fetches the union of all addresses of one or many plans with
   ONE ``get_nodes`` call and returns the proof hashes. :func:`inclusion_proof`,
   :func:`consistency_proof` and :func:`inclusion_proofs` (many leaves, one multi-get) wrap both.

Proofs are exactly RFC 6962 §2.1.1 PATH and §2.1.2 PROOF (RFC 9162 §2.1.3/§2.1.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeAlias

import numpy as np

from ledger.merkle.errors import TreeRangeError
from ledger.merkle.hashing import fold_right
from ledger.merkle.nodes import Address, NodeGetter, fetch_node_list, fetch_nodes, subtree_addresses

PlanStep: TypeAlias = tuple[Address, ...]
"""One proof hash: a single stored node, or stored nodes to fold right to left."""

Plan: TypeAlias = tuple[PlanStep, ...]
"""The proof hashes of one proof, in proof order."""


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(lo: int, size: int) -> Address:
    """Address of the perfect subtree ``[lo, lo + size)`` (``size`` a power of two dividing lo)."""
    level = size.bit_length() - 1
    return (level, lo >> level)


def inclusion_plan(index: int, size: int) -> Plan:
    """Plan the audit path PATH(index, D[size]).

    Raises :class:`TreeRangeError` unless ``0 <= index < size``. A tree of one leaf has an empty
    path.
    """
    if not 0 <= index < size:
        raise TreeRangeError(f"leaf index {index} outside tree of size {size}")
    # Bottom-up on the equivalent "promote the lone right node" view of the RFC 6962 tree: at each
    # level the sibling is node index ^ 1 when it exists; it is stored when its subtree is
    # complete, else it is the right edge [start, size), folded from stored perfect subtrees (at
    # most once per path). A node without a sibling is carried up unchanged.
    steps: list[PlanStep] = []
    last = size - 1
    level = 0
    while last >> level:
        sib = (index >> level) ^ 1
        if sib <= last >> level:
            start = sib << level
            if start + (1 << level) <= size:
                steps.append(((level, sib),))
            else:
                steps.append(_right_edge(start, size))
        level += 1
    return tuple(steps)


@lru_cache(maxsize=64)
def _right_edge(start: int, size: int) -> PlanStep:
    # Every path that passes the ragged right edge at this level shares this step. The tree size
    # changes with every block, so only the few latest sizes are worth keeping: a large cache here
    # filled with dead sizes for minutes and showed as slow RSS growth in the soak.
    return tuple(subtree_addresses(start, size))


def consistency_plan(size1: int, size2: int) -> Plan:
    """Plan the consistency proof PROOF(size1, D[size2]).

    Raises :class:`TreeRangeError` if ``size1 > size2`` or a size is negative. The plan is empty
    when ``size1 == size2`` (identical trees) or ``size1 == 0`` (every tree extends the empty
    tree; see :func:`ledger.merkle.verify.verify_consistency`).
    """
    if size1 < 0 or size2 < 0:
        raise TreeRangeError(f"negative tree size ({size1}, {size2})")
    if size1 > size2:
        raise TreeRangeError(f"no consistency proof from size {size1} to smaller size {size2}")
    if size1 in (0, size2):
        return ()
    steps: list[PlanStep] = []
    lo, hi, whole = 0, size2, True  # whole: SUBPROOF's b flag (still on the old tree's left edge)
    while size1 != hi:
        k = _split(hi - lo)
        if size1 <= lo + k:  # old tree ends in the left part; right part is new, maybe ragged
            steps.append(tuple(subtree_addresses(lo + k, hi)))
            hi = lo + k
        else:  # old tree covers the whole left part
            steps.append((_perfect(lo, k),))
            lo += k
            whole = False
    if not whole:  # [lo, hi) is a perfect subtree that ends exactly at size1
        steps.append((_perfect(lo, hi - lo),))
    steps.reverse()
    return tuple(steps)


def plan_addresses(plans: Iterable[Plan]) -> list[Address]:
    """The sorted, deduplicated union of the stored-node addresses used by ``plans``."""
    return sorted({addr for plan in plans for step in plan for addr in step})


def resolve_plans(plans: Sequence[Plan], get_nodes: NodeGetter) -> list[list[bytes]]:
    """Turn plans into proofs, fetching the union of their nodes with ONE ``get_nodes`` call.

    Returns one list of 32-byte hashes per plan, in order. ``get_nodes`` is not called when no
    node is needed. Raises :class:`~ledger.merkle.errors.NodeFetchError` if the store misses a
    node.
    """
    # Plans of nearby leaves share most steps (and every ragged step): resolve each distinct step once.
    steps = {step for plan in plans for step in plan}
    got = fetch_nodes([addr for step in steps for addr in step], get_nodes)
    value = {step: got[step[0]] if len(step) == 1 else fold_right([got[a] for a in step]) for step in steps}
    return [[value[step] for step in plan] for plan in plans]


def inclusion_proof(index: int, size: int, get_nodes: NodeGetter) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree of ``size`` leaves (one ``get_nodes`` call).

    Raises :class:`TreeRangeError` unless ``0 <= index < size``; ``NodeFetchError`` on a store miss.
    """
    return resolve_plans([inclusion_plan(index, size)], get_nodes)[0]


def inclusion_proofs(indices: Sequence[int], size: int, get_nodes: NodeGetter) -> list[list[bytes]]:
    """Audit paths for many leaves at one tree size, with ONE deduplicated ``get_nodes`` call.

    Returns one proof per entry of ``indices``, in order (duplicates allowed); the call asks for
    the sorted union of the stored nodes their plans use (``plan_addresses``). Raises
    :class:`TreeRangeError` if any index is outside ``[0, size)``.
    """
    for index in indices:
        if not 0 <= index < size:
            raise TreeRangeError(f"leaf index {index} outside tree of size {size}")
    if size >= _CODE_LIMIT:  # beyond the packed addresses below (2**48 leaves)
        return resolve_plans(inclusion_plans(indices, size), get_nodes)
    return _inclusion_proofs_packed(indices, size, get_nodes)


_CODE_SHIFT = 48  # an address packed as level << 48 | index: sorts as the (level, index) tuple
_CODE_LIMIT = 1 << _CODE_SHIFT


def _code(addr: Address) -> int:
    return (addr[0] << _CODE_SHIFT) | addr[1]


def _inclusion_proofs_packed(indices: Sequence[int], size: int, get_nodes: NodeGetter) -> list[list[bytes]]:
    """``inclusion_proofs`` for ``size < 2**48``, planned for all leaves at once with numpy.

    The same steps as ``inclusion_plans`` (a report's ~50-100 leaves x ~20 levels), as array
    operations: at each level a leaf's sibling ``(index >> level) ^ 1`` exists if it is at most the
    level's last node; it is a stored node unless it is that last node and the level's right edge
    is ragged, in which case it is the level's folded edge (shared by every leaf that meets it).
    """
    height = (size - 1).bit_length()
    if not indices or height == 0:
        return [[] for _ in indices]
    levels = np.arange(height, dtype=np.int64)
    lasts = (size - 1) >> levels
    sibs = (np.asarray(indices, dtype=np.int64)[:, None] >> levels) ^ 1
    present = sibs <= lasts
    ragged_levels = np.flatnonzero((((lasts + 1) << levels) > size) & (sibs == lasts).any(axis=0)).tolist()
    edges = [_right_edge(int(lasts[lv]) << lv, size) for lv in ragged_levels]
    codes = (levels << _CODE_SHIFT) | sibs
    stored = present.copy()
    for lv in ragged_levels:
        stored[:, lv] &= sibs[:, lv] != lasts[lv]
    edge_codes = np.array([_code(a) for step in edges for a in step], dtype=np.int64)
    want = np.unique(np.concatenate([codes[stored], edge_codes]))
    got = fetch_node_list([(c >> _CODE_SHIFT, c & (_CODE_LIMIT - 1)) for c in want.tolist()], get_nodes)
    at = np.searchsorted(want, codes)
    values = got + [fold_right([got[int(np.searchsorted(want, _code(a)))] for a in step]) for step in edges]
    for k, lv in enumerate(ragged_levels):
        at[~stored[:, lv] & present[:, lv], lv] = len(got) + k
    flat = [values[i] for i in at[present].tolist()]
    out, start = [], 0
    for n in present.sum(axis=1).tolist():
        out.append(flat[start : start + n])
        start += n
    return out


def inclusion_plans(indices: Sequence[int], size: int) -> list[Plan]:
    """``[inclusion_plan(i, size) for i in indices]``, sharing the per-level work of one tree size.

    Raises :class:`TreeRangeError` if any index is outside ``[0, size)``.
    """
    last = size - 1
    height = last.bit_length() if size > 0 else 0
    # Per level: the last node index L, and the step standing for L as a sibling (stored when its
    # subtree is complete, else the folded right edge). A sibling below L is always complete.
    lasts = [last >> level for level in range(height)]
    edges = [
        ((level, n),) if ((n + 1) << level) <= size else _right_edge(n << level, size) for level, n in enumerate(lasts)
    ]
    levels = list(zip(range(height), lasts, edges, strict=True))
    plans: list[Plan] = []
    for index in indices:
        if not 0 <= index < size:
            raise TreeRangeError(f"leaf index {index} outside tree of size {size}")
        steps: list[PlanStep] = []
        for level, n, edge in levels:
            sib = (index >> level) ^ 1
            if sib < n:
                steps.append(((level, sib),))
            elif sib == n:
                steps.append(edge)
        plans.append(tuple(steps))
    return plans


def consistency_proof(size1: int, size2: int, get_nodes: NodeGetter) -> list[bytes]:
    """The consistency proof from the tree of ``size1`` leaves to that of ``size2`` leaves.

    Empty when ``size1 in (0, size2)``. Raises :class:`TreeRangeError` if ``size1 > size2``;
    ``NodeFetchError`` on a store miss.
    """
    return resolve_plans([consistency_plan(size1, size2)], get_nodes)[0]


def root_plan(size: int) -> PlanStep:
    """The stored nodes whose right-to-left fold is the root of the tree of ``size`` leaves."""
    if size < 0:
        raise TreeRangeError(f"negative tree size {size}")
    return tuple(subtree_addresses(0, size))


def root_at(size: int, get_nodes: NodeGetter) -> bytes:
    """The RFC 6962 root of the stored tree's first ``size`` leaves (one ``get_nodes`` call).

    ``EMPTY_ROOT`` for ``size == 0``; ``NodeFetchError`` on a store miss.
    """
    step = root_plan(size)
    got = fetch_nodes(step, get_nodes)
    return fold_right([got[a] for a in step])
