"""RFC 6962 Merkle tree math for the one ledger log: hashing, appending, proofs, verification.

* :mod:`.hashing` — leaf / node hashes, ``EMPTY_ROOT``.
* :mod:`.nodes` — ``(level, index)`` addresses of stored perfect-subtree nodes, batch fetch.
* :mod:`.compact` — :class:`CompactRange`, the frontier appender (emits nodes to store).
* :mod:`.proofs` — proof plans over stored nodes and their one-multi-get resolution.
* :mod:`.verify` — client-side verification, raising :class:`ProofError` subclasses.
* :mod:`.reference` — the literal RFC definitions, for tests only (not re-exported).
"""

from ledger.merkle.compact import CompactRange
from ledger.merkle.errors import (
    ConsistencyProofError,
    InclusionProofError,
    MerkleError,
    NodeFetchError,
    ProofError,
    TreeRangeError,
)
from ledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, fold_right, leaf_hash, node_hash
from ledger.merkle.nodes import (
    Address,
    NodeGetter,
    NodeRecord,
    fetch_nodes,
    frontier_addresses,
    node_span,
    subtree_addresses,
)
from ledger.merkle.proofs import (
    Plan,
    PlanStep,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_plans,
    inclusion_proof,
    inclusion_proofs,
    plan_addresses,
    resolve_plans,
    root_at,
    root_plan,
)
from ledger.merkle.verify import (
    consistency_proof_length,
    inclusion_proof_length,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
    verify_inclusions,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Address",
    "CompactRange",
    "ConsistencyProofError",
    "InclusionProofError",
    "MerkleError",
    "NodeFetchError",
    "NodeGetter",
    "NodeRecord",
    "Plan",
    "PlanStep",
    "ProofError",
    "TreeRangeError",
    "consistency_plan",
    "consistency_proof",
    "consistency_proof_length",
    "fetch_nodes",
    "fold_right",
    "frontier_addresses",
    "inclusion_plan",
    "inclusion_plans",
    "inclusion_proof",
    "inclusion_proof_length",
    "inclusion_proofs",
    "leaf_hash",
    "node_hash",
    "node_span",
    "plan_addresses",
    "resolve_plans",
    "root_at",
    "root_from_inclusion_proof",
    "root_plan",
    "subtree_addresses",
    "verify_consistency",
    "verify_inclusion",
    "verify_inclusions",
]
