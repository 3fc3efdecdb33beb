"""verify_inclusions (many leaves, shared ancestors) gives verify_inclusion's verdict for every item."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    Address,
    CompactRange,
    InclusionProofError,
    ProofError,
    inclusion_proofs,
    leaf_hash,
    root_at,
    verify_inclusion,
    verify_inclusions,
)
from ledger.v1 import ledger_pb2

MAX = 3000
LEAF_HASHES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX)]
_, _RECORDS = CompactRange.empty().append(LEAF_HASHES)
NODES = {(lvl, idx): h for lvl, idx, h in _RECORDS}


def get_nodes(addresses: Sequence[Address]) -> list[bytes | None]:
    return [NODES.get(a) for a in addresses]


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def _first_single_failure(hs: list[bytes], idx: list[int], size: int, proofs: list[list[bytes]], root: bytes) -> int:
    for k, (h, i, p) in enumerate(zip(hs, idx, proofs, strict=True)):
        try:
            verify_inclusion(h, i, size, p, root)
        except ProofError:
            return k
    return -1


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(1, MAX),
    st.lists(st.integers(0, MAX - 1), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 40), st.sampled_from(["proof", "leaf", "index"])),
             max_size=2),
)
def test_same_verdict_as_one_by_one(size: int, raw: list[int], tampers: list[tuple[int, int, str]]) -> None:
    idx = [*sorted({i % size for i in raw}), raw[0] % size]  # clustered, plus a repeat at the end
    root = root_at(size, get_nodes)
    proofs = [list(p) for p in inclusion_proofs(idx, size, get_nodes)]
    hs = [LEAF_HASHES[i] for i in idx]
    for item, pos, what in tampers:
        k = item % len(idx)
        if what == "proof" and proofs[k]:
            j = pos % len(proofs[k])
            proofs[k][j] = flip(proofs[k][j])
        elif what == "leaf":
            hs[k] = flip(hs[k])
        elif what == "index" and size > 1:
            idx[k] = (idx[k] + 1 + pos) % size
    first = _first_single_failure(hs, idx, size, proofs, root)
    if first < 0:
        verify_inclusions(hs, idx, size, proofs, root)
    else:
        with pytest.raises(InclusionProofError, match=rf"^item {first}: "):
            verify_inclusions(hs, idx, size, proofs, root)


SIZE = 1000
IDX = [500, 501, 502, 503, 999]
ROOT = root_at(SIZE, get_nodes)


def _good() -> tuple[list[bytes], list[list[bytes]]]:
    return [LEAF_HASHES[i] for i in IDX], [list(p) for p in inclusion_proofs(IDX, SIZE, get_nodes)]


def test_baseline_verifies() -> None:
    hs, proofs = _good()
    verify_inclusions(hs, IDX, SIZE, proofs, ROOT)


def test_tampered_upper_hash_of_a_later_proof_is_caught_though_its_path_is_shared() -> None:
    # Leaf 501 shares every ancestor above level 1 with leaf 500: its top proof hash is not needed
    # to reach the root, but a proof that does not verify on its own must still be refused.
    hs, proofs = _good()
    proofs[1][-1] = flip(proofs[1][-1])
    with pytest.raises(InclusionProofError, match=r"^item 1: "):
        verify_inclusions(hs, IDX, SIZE, proofs, ROOT)


def test_second_preimage_leaf_swapped_for_its_sibling_is_caught() -> None:
    hs, proofs = _good()
    hs[2] = hs[3]
    with pytest.raises(InclusionProofError, match=r"^item 2: "):
        verify_inclusions(hs, IDX, SIZE, proofs, ROOT)


def test_truncated_proof_is_caught_before_hashing() -> None:
    hs, proofs = _good()
    proofs[3] = proofs[3][:-1]
    with pytest.raises(InclusionProofError, match=r"^item 3: proof truncated"):
        verify_inclusions(hs, IDX, SIZE, proofs, ROOT)


def test_wrong_root_fails_the_first_item() -> None:
    hs, proofs = _good()
    with pytest.raises(InclusionProofError, match=r"^item 0: calculated root"):
        verify_inclusions(hs, IDX, SIZE, proofs, flip(ROOT))


def test_mismatched_lengths_and_empty_batch() -> None:
    hs, proofs = _good()
    with pytest.raises(InclusionProofError, match="differ in number"):
        verify_inclusions(hs[:-1], IDX, SIZE, proofs, ROOT)
    verify_inclusions([], [], SIZE, [], ROOT)


def test_proofs_as_tuples_or_protobuf_fields_get_the_same_verdicts() -> None:
    # A client passes each entry's proof as the answer's repeated protobuf field; the verdicts must
    # not depend on the sequence type, for a good batch and for a bad element.
    hs, proofs = _good()
    as_fields = [ledger_pb2.LogEntry(inclusion_proof=p).inclusion_proof for p in proofs]
    verify_inclusions(hs, IDX, SIZE, as_fields, ROOT)
    verify_inclusions(hs, IDX, SIZE, [tuple(p) for p in proofs], ROOT)
    proofs[2][0] = proofs[2][0][:31]
    bad = [ledger_pb2.LogEntry(inclusion_proof=p).inclusion_proof for p in proofs]
    for given_as in (proofs, bad, [tuple(p) for p in proofs]):
        with pytest.raises(InclusionProofError, match=r"^item 2: proof element 0 is not a 32-byte hash"):
            verify_inclusions(hs, IDX, SIZE, given_as, ROOT)
