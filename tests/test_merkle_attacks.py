"""Negative vectors, one per attack: every tampered proof must raise a specific ProofError."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import pytest

from ledger.merkle import (
    EMPTY_ROOT,
    Address,
    CompactRange,
    ConsistencyProofError,
    InclusionProofError,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

DATA = [b"record-%d" % i for i in range(16)]
_, _RECORDS = CompactRange.empty().append([leaf_hash(x) for x in DATA])
NODES = {(lvl, idx): h for lvl, idx, h in _RECORDS}


def get_nodes(addresses: Sequence[Address]) -> list[bytes | None]:
    return [NODES.get(a) for a in addresses]


def root(size: int) -> bytes:
    return root_at(size, get_nodes)


def flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


SIZE, INDEX = 11, 5  # a ragged tree; leaf 5 has a full-length path
LEAF = leaf_hash(DATA[INDEX])
PROOF = inclusion_proof(INDEX, SIZE, get_nodes)
ROOT = root(SIZE)
OLD, NEW = 6, 11
CPROOF = consistency_proof(OLD, NEW, get_nodes)


def test_untampered_baselines_verify() -> None:
    verify_inclusion(LEAF, INDEX, SIZE, PROOF, ROOT)
    verify_consistency(OLD, NEW, CPROOF, root(OLD), root(NEW))
    assert len(PROOF) == 4 and len(CPROOF) >= 3


def _with(proof: Sequence[bytes], i: int, value: bytes) -> list[bytes]:
    out = list(proof)
    out[i] = value
    return out


def _second_preimage() -> None:
    # Interior node (1, 2) = node_hash(L4, L5) sits at index 0 of the "level-1 view" of the tree.
    # Its audit path in that view does fold to the real root of the 8-leaf prefix ...
    root8 = root(8)
    l4, l5 = NODES[(0, 4)], NODES[(0, 5)]
    node_path = [NODES[(1, 3)], NODES[(2, 0)]]
    assert root_from_inclusion_proof(node_hash(l4, l5), 2, 4, node_path) == root8
    # ... so a client must never accept a hash as a leaf: it hashes the leaf data itself, with the
    # 0x00 prefix, and the concatenated children then no longer reproduce the root.
    verify_inclusion(leaf_hash(l4 + l5), 2, 4, node_path, root8)


INCLUSION_ATTACKS: dict[str, Callable[[], None]] = {
    **{
        f"flipped bit in proof hash #{i}": partial(
            verify_inclusion, LEAF, INDEX, SIZE, _with(PROOF, i, flip(PROOF[i])), ROOT
        )
        for i in range(len(PROOF))
    },
    "proof truncated": lambda: verify_inclusion(LEAF, INDEX, SIZE, PROOF[:-1], ROOT),
    "proof truncated to empty": lambda: verify_inclusion(LEAF, INDEX, SIZE, [], ROOT),
    "proof extended with extra hash": lambda: verify_inclusion(LEAF, INDEX, SIZE, [*PROOF, ROOT], ROOT),
    "wrong leaf index": lambda: verify_inclusion(LEAF, INDEX - 1, SIZE, PROOF, ROOT),
    "wrong leaf": lambda: verify_inclusion(leaf_hash(DATA[INDEX - 1]), INDEX, SIZE, PROOF, ROOT),
    "index beyond tree size": lambda: verify_inclusion(LEAF, SIZE, SIZE, PROOF, ROOT),
    "negative index": lambda: verify_inclusion(LEAF, -1, SIZE, PROOF, ROOT),
    "empty tree has no leaves": lambda: verify_inclusion(LEAF, 0, 0, [], EMPTY_ROOT),
    "leaf hash used as node (second-preimage: interior node presented as leaf)": _second_preimage,
    "raw leaf data instead of leaf hash": lambda: verify_inclusion(
        DATA[INDEX].ljust(32, b"\x00"), INDEX, SIZE, PROOF, ROOT
    ),
    "swapped sibling order": lambda: verify_inclusion(
        LEAF, INDEX, SIZE, [PROOF[1], PROOF[0], *PROOF[2:]], ROOT
    ),
    "root of different size": lambda: verify_inclusion(LEAF, INDEX, SIZE, PROOF, root(SIZE - 1)),
    "short (31-byte) proof hash": lambda: verify_inclusion(
        LEAF, INDEX, SIZE, [*PROOF[:-1], PROOF[-1][:31]], ROOT
    ),
    "short root": lambda: verify_inclusion(LEAF, INDEX, SIZE, PROOF, ROOT[:31]),
}


@pytest.mark.parametrize("attack", list(INCLUSION_ATTACKS), ids=list(INCLUSION_ATTACKS))
def test_inclusion_attack_is_rejected(attack: str) -> None:
    with pytest.raises(InclusionProofError):
        INCLUSION_ATTACKS[attack]()


# The client trusts (11, root11); the log now serves a head of size 9 — never acceptable,
# whatever proof accompanies it.
REWOUND_PROOFS = {
    "genuine 9->11 proof": consistency_proof(9, 11, get_nodes),
    "empty": [],
    "6->11 proof": CPROOF,
}


CONSISTENCY_ATTACKS: dict[str, Callable[[], None]] = {
    "consistency proof for size1>size2": lambda: verify_consistency(NEW, OLD, CPROOF, root(NEW), root(OLD)),
    **{
        f"proof for rewound tree (size2<size1), {name}": partial(
            verify_consistency, 11, 9, p, root(11), root(9)
        )
        for name, p in REWOUND_PROOFS.items()
    },
    "consistency proof with tampered old root": lambda: verify_consistency(
        OLD, NEW, CPROOF, flip(root(OLD)), root(NEW)
    ),
    "consistency proof with tampered new root": lambda: verify_consistency(
        OLD, NEW, CPROOF, root(OLD), flip(root(NEW))
    ),
    "empty proof for non-trivial consistency": lambda: verify_consistency(OLD, NEW, [], root(OLD), root(NEW)),
    **{
        f"flipped bit in consistency proof hash #{i}": partial(
            verify_consistency, OLD, NEW, _with(CPROOF, i, flip(CPROOF[i], 7)), root(OLD), root(NEW)
        )
        for i in range(len(CPROOF))
    },
    "consistency proof truncated": lambda: verify_consistency(OLD, NEW, CPROOF[:-1], root(OLD), root(NEW)),
    "consistency proof extended with extra hash": lambda: verify_consistency(
        OLD, NEW, [*CPROOF, CPROOF[0]], root(OLD), root(NEW)
    ),
    "consistency swapped sibling order": lambda: verify_consistency(
        OLD, NEW, [CPROOF[1], CPROOF[0], *CPROOF[2:]], root(OLD), root(NEW)
    ),
    "consistency root of different size": lambda: verify_consistency(
        OLD, NEW, CPROOF, root(OLD), root(NEW - 1)
    ),
    "consistency proof for other size1": lambda: verify_consistency(
        OLD + 1, NEW, CPROOF, root(OLD + 1), root(NEW)
    ),
    "same size, different roots": lambda: verify_consistency(NEW, NEW, [], root(NEW), flip(root(NEW))),
    "same size with non-empty proof": lambda: verify_consistency(NEW, NEW, CPROOF, root(NEW), root(NEW)),
    "from empty tree with non-empty proof": lambda: verify_consistency(0, NEW, CPROOF, EMPTY_ROOT, root(NEW)),
    "from empty tree with non-empty old root": lambda: verify_consistency(0, NEW, [], root(1), root(NEW)),
    "negative size": lambda: verify_consistency(-1, NEW, [], EMPTY_ROOT, root(NEW)),
    "short old root": lambda: verify_consistency(OLD, NEW, CPROOF, root(OLD)[:31], root(NEW)),
}


@pytest.mark.parametrize("attack", list(CONSISTENCY_ATTACKS), ids=list(CONSISTENCY_ATTACKS))
def test_consistency_attack_is_rejected(attack: str) -> None:
    with pytest.raises(ConsistencyProofError):
        CONSISTENCY_ATTACKS[attack]()


def test_errors_name_the_failed_check() -> None:
    with pytest.raises(InclusionProofError, match="truncated"):
        verify_inclusion(LEAF, INDEX, SIZE, PROOF[:-1], ROOT)
    with pytest.raises(InclusionProofError, match="too long"):
        verify_inclusion(LEAF, INDEX, SIZE, [*PROOF, ROOT], ROOT)
    with pytest.raises(InclusionProofError, match="beyond tree size"):
        verify_inclusion(LEAF, SIZE, SIZE, PROOF, ROOT)
    with pytest.raises(InclusionProofError, match="does not match"):
        verify_inclusion(LEAF, INDEX, SIZE, PROOF, root(SIZE - 1))
    with pytest.raises(ConsistencyProofError, match="empty proof"):
        verify_consistency(OLD, NEW, [], root(OLD), root(NEW))
    with pytest.raises(ConsistencyProofError, match="old root"):
        verify_consistency(OLD, NEW, CPROOF, flip(root(OLD)), root(NEW))
    assert issubclass(InclusionProofError, ProofError) and issubclass(ConsistencyProofError, ProofError)


def test_trivial_consistency_cases_verify() -> None:
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    verify_consistency(0, NEW, [], EMPTY_ROOT, root(NEW))
    verify_consistency(NEW, NEW, [], root(NEW), root(NEW))
