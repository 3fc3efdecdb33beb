"""Reads with proofs: log access (records, checkpoints, proofs) and borrower history."""

from ledger.query.log import LogReader, ProvenEntry

__all__ = ["LogReader", "ProvenEntry"]
