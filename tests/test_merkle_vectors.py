"""Known-answer tests: the RFC 6962 test tree of google/certificate-transparency (also Trillian)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from ledger.merkle import (
    EMPTY_ROOT,
    Address,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from ledger.merkle.reference import mth, path, perfect_nodes, proof

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) from the same CT test file.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (size1, size2, consistency proof) from the same CT test file.
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

NODES = perfect_nodes(LEAVES)


def get_nodes(addresses: Sequence[Address]) -> list[bytes | None]:
    return [NODES.get(a) for a in addresses]


def test_hash_primitives_are_rfc6962() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"\x11" * 32, b"\x22" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert mth([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_known_roots(size: int) -> None:
    want = bytes.fromhex(ROOTS[size - 1])
    assert mth(LEAVES[:size]) == want
    frontier, _ = CompactRange.empty().append([leaf_hash(x) for x in LEAVES[:size]])
    assert frontier.root() == want
    assert root_at(size, get_nodes) == want


def test_incremental_roots_one_leaf_at_a_time() -> None:
    cr = CompactRange.empty()
    assert cr.root() == EMPTY_ROOT
    for size, leaf in enumerate(LEAVES, start=1):
        cr, _ = cr.append([leaf_hash(leaf)])
        assert cr.root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "want"), INCLUSION)
def test_known_inclusion_proofs(index: int, size: int, want: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in want]
    assert path(index, LEAVES[:size]) == expected
    got = inclusion_proof(index, size, get_nodes)
    assert got == expected
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, got, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("size1", "size2", "want"), CONSISTENCY)
def test_known_consistency_proofs(size1: int, size2: int, want: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in want]
    assert proof(size1, LEAVES[:size2]) == expected
    got = consistency_proof(size1, size2, get_nodes)
    assert got == expected
    verify_consistency(size1, size2, got, bytes.fromhex(ROOTS[size1 - 1]), bytes.fromhex(ROOTS[size2 - 1]))
