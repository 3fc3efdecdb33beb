"""The efficient code against the literal RFC 6962 definitions (ledger.merkle.reference)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from ledger.merkle import (
    EMPTY_ROOT,
    Address,
    CompactRange,
    NodeFetchError,
    TreeRangeError,
    consistency_plan,
    consistency_proof,
    consistency_proof_length,
    frontier_addresses,
    inclusion_plan,
    inclusion_plans,
    inclusion_proof,
    inclusion_proof_length,
    inclusion_proofs,
    leaf_hash,
    node_span,
    plan_addresses,
    root_at,
    root_from_inclusion_proof,
    subtree_addresses,
    verify_consistency,
    verify_inclusion,
)
from ledger.merkle.reference import mth, path, proof

MAX_DENSE = 130
DATA = [b"leaf-%d" % i for i in range(4097)]


class Store:
    """A dict-backed node store that counts multi-gets."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        _, records = CompactRange.empty().append([leaf_hash(x) for x in leaves])
        self.nodes = {(lvl, idx): h for lvl, idx, h in records}
        self.calls: list[list[Address]] = []

    def get(self, addresses: Sequence[Address]) -> list[bytes | None]:
        self.calls.append(list(addresses))
        return [self.nodes.get(a) for a in addresses]


DENSE = Store(DATA[:MAX_DENSE])


def _max_ragged_steps(plan: tuple[tuple[Address, ...], ...]) -> int:
    return sum(1 for step in plan if len(step) > 1)


@pytest.mark.parametrize("size", range(MAX_DENSE + 1))
def test_root_matches_reference(size: int) -> None:
    want = mth(DATA[:size])
    assert root_at(size, DENSE.get) == want
    assert CompactRange.from_nodes(size, DENSE.get).root() == want


@pytest.mark.parametrize("size", range(1, MAX_DENSE + 1))
def test_every_inclusion_proof_matches_reference(size: int) -> None:
    d = DATA[:size]
    root = mth(d)
    for index in range(size):
        want = path(index, d)
        plan = inclusion_plan(index, size)
        assert len(plan) == len(want) == inclusion_proof_length(index, size)
        assert _max_ragged_steps(plan) <= 1
        got = inclusion_proof(index, size, DENSE.get)
        assert got == want, (index, size)
        assert root_from_inclusion_proof(leaf_hash(d[index]), index, size, got) == root
        verify_inclusion(leaf_hash(d[index]), index, size, got, root)


@pytest.mark.parametrize("size2", range(1, MAX_DENSE + 1))
def test_every_consistency_proof_matches_reference(size2: int) -> None:
    d = DATA[:size2]
    root2 = mth(d)
    for size1 in range(size2 + 1):
        want = proof(size1, d) if size1 else []
        plan = consistency_plan(size1, size2)
        assert len(plan) == len(want) == consistency_proof_length(size1, size2)
        assert _max_ragged_steps(plan) <= 1
        got = consistency_proof(size1, size2, DENSE.get)
        assert got == want, (size1, size2)
        verify_consistency(size1, size2, got, mth(d[:size1]), root2)


@pytest.mark.parametrize("size", [1000, 1023, 1024, 1025, 2048, 4095, 4097])
def test_big_sizes_sampled(size: int) -> None:
    rng = random.Random(size)
    d = DATA[:size]
    store = Store(d)
    root = mth(d)
    assert root_at(size, store.get) == root
    indices = sorted({0, size - 1, size // 2, *(rng.randrange(size) for _ in range(12))})
    for index in indices:
        got = inclusion_proof(index, size, store.get)
        assert got == path(index, d)
        verify_inclusion(leaf_hash(d[index]), index, size, got, root)
    for size1 in sorted({1, size - 1, size // 2, *(rng.randrange(1, size) for _ in range(8))}):
        got = consistency_proof(size1, size, store.get)
        assert got == proof(size1, d)
        verify_consistency(size1, size, got, mth(d[:size1]), root)


def test_batch_inclusion_proofs_use_one_deduplicated_multiget() -> None:
    size = 4097
    store = Store(DATA[:size])
    rng = random.Random(7)
    indices = [rng.randrange(size) for _ in range(50)] + [3, 3]
    proofs = inclusion_proofs(indices, size, store.get)
    assert len(store.calls) == 1
    asked = store.calls[0]
    assert len(asked) == len(set(asked))
    assert asked == plan_addresses(inclusion_plan(i, size) for i in indices)
    assert len(asked) < sum(len(p) for p in proofs)  # sharing happened
    root = root_at(size, store.get)
    for index, got in zip(indices, proofs, strict=True):
        assert got == inclusion_proof(index, size, store.get)
        verify_inclusion(leaf_hash(DATA[index]), index, size, got, root)


def test_plans_are_logarithmic() -> None:
    size = (1 << 40) + (1 << 20) + 12345
    for index in (0, 1, size // 3, size - 2, size - 1):
        plan = inclusion_plan(index, size)
        assert len(plan_addresses([plan])) <= 2 * size.bit_length()
        for step in plan:
            for level, idx in step:
                _start, end = node_span(level, idx)
                assert end <= size  # only complete (stored) nodes are read
    plan = consistency_plan(size // 2 + 1, size)
    assert len(plan_addresses([plan])) <= 2 * size.bit_length()


def test_address_helpers() -> None:
    assert frontier_addresses(0) == []
    assert frontier_addresses(13) == [(3, 0), (2, 2), (0, 12)]
    assert subtree_addresses(12, 16) == [(2, 3)]
    assert subtree_addresses(3, 9) == [(0, 3), (2, 1), (0, 8)]
    assert node_span(2, 3) == (12, 16)
    with pytest.raises(TreeRangeError):
        subtree_addresses(5, 4)
    with pytest.raises(TreeRangeError):
        node_span(-1, 0)


def test_generation_rejects_bad_ranges() -> None:
    with pytest.raises(TreeRangeError):
        inclusion_plan(5, 5)
    with pytest.raises(TreeRangeError):
        inclusion_plan(-1, 5)
    with pytest.raises(TreeRangeError):
        inclusion_plan(0, 0)
    with pytest.raises(TreeRangeError):
        consistency_plan(6, 5)
    with pytest.raises(TreeRangeError):
        consistency_plan(-1, 5)
    assert consistency_plan(0, 5) == ()
    assert consistency_plan(5, 5) == ()


def test_missing_or_malformed_nodes_raise_node_fetch_error() -> None:
    with pytest.raises(NodeFetchError, match="missing"):
        inclusion_proof(0, 8, lambda addrs: [None] * len(addrs))
    with pytest.raises(NodeFetchError, match="asked the store"):
        inclusion_proof(0, 8, lambda addrs: [])
    with pytest.raises(NodeFetchError):
        root_at(3, lambda addrs: [b"short"] * len(addrs))
    with pytest.raises(NodeFetchError):
        CompactRange.from_nodes(200, DENSE.get)  # beyond what the store holds


def test_empty_tree() -> None:
    calls: list[object] = []

    def get(addrs: Sequence[Address]) -> list[bytes | None]:
        calls.append(addrs)
        return []

    assert root_at(0, get) == EMPTY_ROOT
    assert consistency_proof(0, 0, get) == []
    assert calls == []  # nothing to read, so no multi-get


def test_inclusion_plans_equal_one_by_one() -> None:
    """The batched planner shares per-level work across leaves; it must plan exactly the same paths."""
    for size in range(1, 130):
        assert inclusion_plans(range(size), size) == [inclusion_plan(i, size) for i in range(size)]
    rnd = random.Random(11)
    for size in (1 << 20, (1 << 20) + 1, 1_000_457, (1 << 31) - 3):
        idx = [rnd.randrange(size) for _ in range(200)] + [0, size - 1]
        assert inclusion_plans(idx, size) == [inclusion_plan(i, size) for i in idx]
    assert inclusion_plans([], 0) == []
    for bad, size in ((5, 5), (-1, 5), (0, 0)):
        with pytest.raises(TreeRangeError):
            inclusion_plans([0, bad] if size else [bad], size)
