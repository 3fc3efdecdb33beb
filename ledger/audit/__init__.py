"""Offline audit of a ledger store: every leaf, signature, Merkle node and checkpoint.

* :func:`~ledger.audit.verify.audit_store` — the full re-verification (``creditledger verify``).
* :func:`~ledger.audit.keys.keys_at` — THE place that decides which key was valid for a leaf.
* :mod:`~ledger.audit.export` — checkpoint export and consistency checks from an export alone.
"""

from ledger.audit.keys import keys_at
from ledger.audit.verify import AuditReport, Problem, audit_store, check_structure

__all__ = ["AuditReport", "Problem", "audit_store", "check_structure", "keys_at"]
