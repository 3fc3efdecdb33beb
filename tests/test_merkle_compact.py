"""The frontier appender: roots and emitted nodes against the naive reference."""

from __future__ import annotations

import random
import time

import pytest

from ledger.merkle import CompactRange, MerkleError, frontier_addresses, leaf_hash
from ledger.merkle.reference import mth, perfect_nodes

DATA = [b"entry-%d" % i for i in range(600)]
HASHES = [leaf_hash(x) for x in DATA]
REF_NODES = perfect_nodes(DATA)


def _random_blocks(rng: random.Random, total: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(min(rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 31, 64, 100]), total - sum(sizes)))
    return sizes


@pytest.mark.parametrize("seed", range(12))
def test_random_block_splits_match_reference(seed: int) -> None:
    rng = random.Random(seed)
    total = rng.randrange(1, len(DATA) + 1)
    cr = CompactRange.empty()
    emitted: dict[tuple[int, int], bytes] = {}
    for block in _random_blocks(rng, total):
        before = cr.size
        cr, records = cr.append(HASHES[before : before + block])
        assert cr.size == before + block
        for level, index, h in records:
            assert (level, index) not in emitted, "a node was emitted twice"
            assert (index + 1) << level <= cr.size, "an incomplete node was emitted"
            emitted[(level, index)] = h
        # every node complete at this size has been emitted, and nothing else
        assert len(emitted) == sum(cr.size >> lvl for lvl in range(cr.size.bit_length()))
        assert cr.root() == mth(DATA[: cr.size])
        assert cr.addresses() == frontier_addresses(cr.size)
        assert list(cr.hashes) == [emitted[a] for a in cr.addresses()]
    assert emitted == {a: h for a, h in REF_NODES.items() if (a[1] + 1) << a[0] <= total}


def test_records_order_is_level_then_index() -> None:
    cr, _ = CompactRange.empty().append(HASHES[:5])
    _, records = cr.append(HASHES[5:12])
    keys = [(lvl, idx) for lvl, idx, _ in records]
    assert keys == sorted(keys)
    assert keys[:7] == [(0, i) for i in range(5, 12)]
    assert keys[7:] == [(1, 2), (1, 3), (1, 4), (1, 5), (2, 1), (2, 2), (3, 0)]


def test_append_nothing_is_identity() -> None:
    cr, _ = CompactRange.empty().append(HASHES[:7])
    same, records = cr.append([])
    assert same == cr and records == []


def test_appending_is_pure() -> None:
    cr, _ = CompactRange.empty().append(HASHES[:3])
    a, _ = cr.append(HASHES[3:4])
    b, _ = cr.append(HASHES[3:10])
    assert cr.size == 3 and a.size == 4 and b.size == 10
    assert cr.root() == mth(DATA[:3])


def test_invalid_frontiers_and_leaves_rejected() -> None:
    with pytest.raises(MerkleError):
        CompactRange(3, (b"\x00" * 32,))  # size 3 needs two frontier hashes
    with pytest.raises(MerkleError):
        CompactRange(-1, ())
    with pytest.raises(MerkleError):
        CompactRange(1, (b"short",))
    with pytest.raises(MerkleError):
        CompactRange.empty().append([b"not a hash"])
    with pytest.raises(MerkleError):
        CompactRange.empty().append([HASHES[0], bytearray(32)])  # type: ignore[list-item]


def test_block_of_ten_thousand_is_one_hash_per_node() -> None:
    hashes = [leaf_hash(b"%d" % i) for i in range(10_000)]
    cr, _ = CompactRange.empty().append(hashes[:3])
    start = time.perf_counter()
    new, records = cr.append(hashes[3:])
    elapsed = time.perf_counter() - start
    interior = [r for r in records if r[0] > 0]
    # exactly the interior nodes that became complete; each costs one SHA-256 call
    assert len(interior) == sum((10_000 >> lvl) - (3 >> lvl) for lvl in range(1, 14))
    assert new.root() == CompactRange.empty().append(hashes)[0].root()
    assert elapsed < 1.0  # ~10 ms in practice; generous bound for slow CI
