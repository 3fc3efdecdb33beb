"""RFC 6962 §2.1 hashing, byte for byte.

* leaf hash: ``SHA-256(0x00 || leaf)``
* interior node hash: ``SHA-256(0x01 || left || right)``
* the root of the empty tree: ``SHA-256(b"")``

The distinct one-byte prefixes give domain separation, so a leaf can never be presented as an
interior node (the second-preimage attack on plain Merkle trees).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

HASH_SIZE: Final = 32
LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Return the 32-byte RFC 6962 leaf hash ``SHA-256(0x00 || data)`` of a leaf of any length."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the 32-byte RFC 6962 interior hash ``SHA-256(0x01 || left || right)``.

    ``left`` and ``right`` are the 32-byte hashes of the two children; lengths are not checked
    here (this is the hot path), the verifiers check them at their entry points.
    """
    return _sha256(NODE_PREFIX + left + right).digest()


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree roots, ordered left to right, into the root of their union.

    The RFC 6962 hash of a range whose perfect-subtree decomposition is ``h1, h2, ..., hk``
    (descending sizes) is ``node(h1, node(h2, ... node(h(k-1), hk)))``: fold right to left.
    An empty input gives :data:`EMPTY_ROOT`.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = _sha256(NODE_PREFIX + h + acc).digest()
    return acc
