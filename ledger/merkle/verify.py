"""Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2), pure and storage-free.

This is what a client runs. Every function either returns normally or raises a
:class:`~ledger.merkle.errors.ProofError` subclass whose message names the failed check; none
returns ``False``. Proof lengths are checked exactly against what the (index, size) or
(size1, size2) pair requires, so truncated or padded proofs fail before any hashing.

Conventions for the degenerate consistency cases (RFC 9162 only defines ``0 < size1 < size2``):

* ``size1 == size2``: the proof must be empty and ``root1 == root2``.
* ``size1 == 0``: every tree extends the empty tree, so the proof must be empty; ``root1`` must be
  ``EMPTY_ROOT`` (SHA-256 of the empty string); ``root2`` is not constrained by the proof.
* ``size1 > size2`` (a rewound / forked log) always fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.merkle.errors import ConsistencyProofError, InclusionProofError, ProofError
from ledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, node_hash


def _check_hash(value: bytes, what: str, exc: type[ProofError]) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise exc(f"{what} is not a {HASH_SIZE}-byte hash")


_BYTES = frozenset({bytes})
_HASH_LEN = frozenset({HASH_SIZE})


def _check_proof_hashes(proof: Sequence[bytes], exc: type[ProofError]) -> None:
    # Every proof a client checks passes the first test, in two C-level passes; only a bad one
    # (or one holding bytes subclasses) takes the loop that finds and names the element.
    if set(map(type, proof)) <= _BYTES and set(map(len, proof)) <= _HASH_LEN:
        return
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}", exc)


def _length_message(got: int, want: int) -> str:
    kind = "truncated" if got < want else "too long"
    return f"proof {kind}: expected {want} hashes, got {got}"


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the audit path of leaf ``index`` in a tree of ``size`` leaves.

    Raises :class:`InclusionProofError` unless ``0 <= index < size``.
    """
    if size <= 0 or not 0 <= index < size:
        raise InclusionProofError(f"leaf index {index} is beyond tree size {size}")
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _checked_inner(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> int:
    """Check the audit path's shape (exact length, 32-byte hashes); return its level ``inner``.

    Below level ``inner`` the leaf's ancestor has a sibling on its left or right; from ``inner``
    up the ancestor lies on the tree's right edge and only has left siblings (where its bit is 1).
    """
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise InclusionProofError(_length_message(len(proof), want))
    _check_hash(leaf_hash, "leaf hash", InclusionProofError)
    _check_proof_hashes(proof, InclusionProofError)
    return (index ^ (size - 1)).bit_length()


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Recompute the root implied by an audit path for ``leaf_hash`` at ``index`` in ``size``.

    Raises :class:`InclusionProofError` if ``index >= size`` (or negative), the proof length is
    not exactly the one the position requires, or any hash is not 32 bytes. The caller still has
    to compare the result with a trusted root (or use :func:`verify_inclusion`).
    """
    inner = _checked_inner(leaf_hash, index, size, proof)
    acc = leaf_hash
    for level in range(inner):
        p = proof[level]
        acc = node_hash(p, acc) if (index >> level) & 1 else node_hash(acc, p)
    for p in proof[inner:]:
        acc = node_hash(p, acc)
    return acc


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Returns ``None`` on success; raises :class:`InclusionProofError` otherwise (bad index, wrong
    proof length, malformed hash, or the recomputed root differs from ``root``).
    """
    _check_hash(root, "root", InclusionProofError)
    got = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if got != root:
        raise InclusionProofError(
            f"calculated root {got.hex()} does not match the expected root {root.hex()} "
            f"(leaf {index} of {size})"
        )


def verify_inclusions(
    leaf_hashes: Sequence[bytes], indices: Sequence[int], size: int, proofs: Sequence[Sequence[bytes]], root: bytes
) -> None:
    """:func:`verify_inclusion` for many leaves of one tree; the same verdict for each, first failure raised.

    Raises :class:`InclusionProofError` for the first item (in order) that ``verify_inclusion``
    would refuse, with its position in the message. Faster for leaves that share ancestors: once a
    leaf's path reaches an ancestor that an earlier, verified path computed to the same hash, and
    its remaining proof hashes equal that path's, the rest of the computation is known to give
    ``root``; anything else is computed in full.
    """
    _check_hash(root, "root", InclusionProofError)
    if not len(leaf_hashes) == len(indices) == len(proofs):
        raise InclusionProofError("leaf hashes, indices and proofs differ in number")
    # Each proof is read several times below (checked, indexed, its tail compared). A protobuf
    # repeated field makes a new bytes object on every element access; one list per proof does it once.
    proofs = [p if type(p) is list else list(p) for p in proofs]
    # (level, index) of a computed ancestor -> (its hash, the proof it came from, where its
    # remaining hashes start in that proof)
    seen: dict[tuple[int, int], tuple[bytes, Sequence[bytes], int]] = {}
    for k, (lh, index, proof) in enumerate(zip(leaf_hashes, indices, proofs, strict=True)):
        try:
            _verify_one_shared(lh, index, size, proof, root, seen)
        except InclusionProofError as exc:
            raise InclusionProofError(f"item {k}: {exc}") from None


def _verify_one_shared(
    lh: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes,
    seen: dict[tuple[int, int], tuple[bytes, Sequence[bytes], int]],
) -> None:
    inner = _checked_inner(lh, index, size, proof)
    acc, used, level, path = lh, 0, 0, []
    while used < len(proof):
        if level < inner or (index >> level) & 1:
            p = proof[used]
            acc = node_hash(p, acc) if (index >> level) & 1 else node_hash(acc, p)
            used += 1
        level += 1
        addr = (level, index >> level)
        path.append((addr, acc, used))
        hit = seen.get(addr)
        if hit is not None and hit[0] == acc and proof[used:] == hit[1][hit[2] :]:
            break  # from here on this path is the verified one
    else:
        if acc != root:
            raise InclusionProofError(
                f"calculated root {acc.hex()} does not match the expected root {root.hex()} "
                f"(leaf {index} of {size})"
            )
    for addr, h, u in path:
        seen.setdefault(addr, (h, proof, u))


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in the consistency proof from ``size1`` to ``size2`` leaves.

    0 when ``size1 in (0, size2)``. Raises :class:`ConsistencyProofError` if a size is negative
    or ``size1 > size2``.
    """
    if size1 < 0 or size2 < 0:
        raise ConsistencyProofError(f"negative tree size ({size1}, {size2})")
    if size1 > size2:
        raise ConsistencyProofError(f"tree rewound: new size {size2} is smaller than old size {size1}")
    if size1 in (0, size2):
        return 0
    shift = (size1 & -size1).bit_length() - 1
    fn, sn = (size1 - 1) >> shift, (size2 - 1) >> shift
    inner = (fn ^ sn).bit_length()
    seed = 0 if size1 == 1 << shift else 1
    return seed + inner + (fn >> inner).bit_count()


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree (``size2``, ``root2``) is an append-only extension of (``size1``, ``root1``).

    Returns ``None`` on success; raises :class:`ConsistencyProofError` if ``size1 > size2``, the
    proof length is not exactly the required one (including an empty proof for
    ``0 < size1 < size2``), any hash is malformed, or the proof does not reproduce both roots.
    See the module docstring for the ``size1 == 0`` and ``size1 == size2`` conventions.
    """
    want = consistency_proof_length(size1, size2)
    _check_hash(root1, "old root", ConsistencyProofError)
    _check_hash(root2, "new root", ConsistencyProofError)
    if len(proof) != want:
        if want and not proof:
            raise ConsistencyProofError(f"empty proof for non-trivial consistency {size1} -> {size2}")
        raise ConsistencyProofError(_length_message(len(proof), want))
    _check_proof_hashes(proof, ConsistencyProofError)
    if size1 == 0:
        if root1 != EMPTY_ROOT:
            raise ConsistencyProofError("old tree of size 0 must have the empty-tree root")
        return
    if size1 == size2:
        if root1 != root2:
            raise ConsistencyProofError(f"different roots for the same tree size {size1}")
        return
    # Start from the old tree's rightmost perfect subtree (the "seed", at level `shift`): it is
    # the whole old tree when size1 is a power of two (then root1 itself), else proof[0].
    shift = (size1 & -size1).bit_length() - 1
    fn, sn = (size1 - 1) >> shift, (size2 - 1) >> shift
    inner = (fn ^ sn).bit_length()
    rest = proof
    if size1 == 1 << shift:
        old = new = root1
    else:
        old = new = proof[0]
        rest = proof[1:]
    for level in range(inner):
        p = rest[level]
        if (fn >> level) & 1:  # left sibling: part of both trees
            old, new = node_hash(p, old), node_hash(p, new)
        else:  # right sibling: appended after size1, only in the new tree
            new = node_hash(new, p)
    for p in rest[inner:]:  # on the right edge of both trees: left siblings only
        old, new = node_hash(p, old), node_hash(p, new)
    if old != root1:
        raise ConsistencyProofError(f"proof does not reproduce the old root of size {size1}")
    if new != root2:
        raise ConsistencyProofError(f"proof does not reproduce the new root of size {size2}")
