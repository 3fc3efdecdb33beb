"""Interbank Credit Ledger: a permissioned, verifiable ledger of credit records.

Importing this package never imports cupy; the GPU path is chosen at run time.
"""

__version__ = "0.1.0"
