"""Property tests: random sizes and indices, generate -> verify round trips (deterministic seeds)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    Address,
    CompactRange,
    ProofError,
    consistency_proof,
    inclusion_proof,
    inclusion_proofs,
    leaf_hash,
    root_at,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from ledger.merkle.reference import mth, path, proof

MAX = 10_000
DATA = [i.to_bytes(4, "big") for i in range(MAX)]
LEAF_HASHES = [leaf_hash(x) for x in DATA]
# Stored nodes never change once written, so one store of MAX leaves serves every smaller size.
_, _RECORDS = CompactRange.empty().append(LEAF_HASHES)
NODES = {(lvl, idx): h for lvl, idx, h in _RECORDS}


def get_nodes(addresses: Sequence[Address]) -> list[bytes | None]:
    return [NODES.get(a) for a in addresses]


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(0, MAX))
    return draw(st.integers(0, size2)), size2


@SETTINGS
@given(size_and_index(), st.data())
def test_inclusion_roundtrip(pos: tuple[int, int], data: st.DataObject) -> None:
    size, index = pos
    root = root_at(size, get_nodes)
    got = inclusion_proof(index, size, get_nodes)
    assert root_from_inclusion_proof(LEAF_HASHES[index], index, size, got) == root
    verify_inclusion(LEAF_HASHES[index], index, size, got, root)
    other = data.draw(st.integers(0, MAX - 1).filter(lambda j: j != index), label="other leaf")
    with pytest.raises(ProofError):
        verify_inclusion(LEAF_HASHES[other], index, size, got, root)
    if got:
        i = data.draw(st.integers(0, len(got) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = list(got)
        bad[i] = (int.from_bytes(bad[i], "big") ^ (1 << bit)).to_bytes(32, "big")
        with pytest.raises(ProofError):
            verify_inclusion(LEAF_HASHES[index], index, size, bad, root)


@SETTINGS
@given(two_sizes())
def test_consistency_roundtrip(sizes: tuple[int, int]) -> None:
    size1, size2 = sizes
    root1, root2 = root_at(size1, get_nodes), root_at(size2, get_nodes)
    got = consistency_proof(size1, size2, get_nodes)
    verify_consistency(size1, size2, got, root1, root2)
    if 0 < size1 < size2:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, got, root_at(size1 - 1, get_nodes), root2)
        with pytest.raises(ProofError):
            verify_consistency(size2, size1, got, root2, root1)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 300), st.data())
def test_small_trees_match_reference(size: int, data: st.DataObject) -> None:
    d = DATA[:size]
    assert root_at(size, get_nodes) == mth(d)
    index = data.draw(st.integers(0, size - 1), label="index")
    assert inclusion_proof(index, size, get_nodes) == path(index, d)
    size1 = data.draw(st.integers(1, size), label="size1")
    assert consistency_proof(size1, size, get_nodes) == proof(size1, d)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 700), min_size=1, max_size=8))
def test_block_appends_match_stored_nodes(blocks: list[int]) -> None:
    cr = CompactRange.empty()
    for block in blocks:
        start = cr.size
        if start + block > MAX:
            break
        cr, records = cr.append(LEAF_HASHES[start : start + block])
        assert all(NODES[(lvl, idx)] == h for lvl, idx, h in records)
        assert cr.root() == root_at(cr.size, get_nodes)


@SETTINGS
@given(st.integers(1, MAX), st.lists(st.integers(0, MAX - 1), min_size=1, max_size=50))
def test_batch_equals_single(size: int, raw: list[int]) -> None:
    indices = [i % size for i in raw]
    calls: list[int] = []

    def counting(addresses: Sequence[Address]) -> list[bytes | None]:
        calls.append(len(addresses))
        return get_nodes(addresses)

    batch = inclusion_proofs(indices, size, counting)
    assert len(calls) == (1 if size > 1 else 0)  # a one-leaf tree has only empty proofs
    assert batch == [inclusion_proof(i, size, get_nodes) for i in indices]
