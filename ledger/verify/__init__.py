"""Batch signature verification: backend contract, the libsodium CPU backend, backend selection."""

from ledger.verify.base import BoolMask, VerifyBackend
from ledger.verify.cpu import CpuBackend, verify_one
from ledger.verify.select import BACKENDS, make_backend

__all__ = ["BACKENDS", "BoolMask", "CpuBackend", "VerifyBackend", "make_backend", "verify_one"]
