"""The Merkle package's error hierarchy.

All errors derive from :class:`MerkleError` (itself a ``ValueError``: every failure here is a bad
input value, never an I/O problem), so callers can catch the whole family in one clause::

    MerkleError
    ├── TreeRangeError          a request names an index or size the tree cannot have
    ├── NodeFetchError          the node store returned too few, too many or malformed hashes
    └── ProofError              a proof failed verification
        ├── InclusionProofError
        └── ConsistencyProofError
"""

from __future__ import annotations


class MerkleError(ValueError):
    """Base class of every error raised by ``ledger.merkle``."""


class TreeRangeError(MerkleError):
    """A proof or append request is out of range (e.g. leaf index >= tree size, size1 > size2)."""


class NodeFetchError(MerkleError):
    """The ``get_nodes`` callable answered with a missing, malformed or miscounted node hash."""


class ProofError(MerkleError):
    """A proof did not verify; the message says which check failed."""


class InclusionProofError(ProofError):
    """An inclusion (audit path) proof did not verify."""


class ConsistencyProofError(ProofError):
    """A consistency proof between two tree heads did not verify."""
