"""The verification backend contract shared by the CPU (libsodium) and GPU (CuPy) paths."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Protocol

import numpy as np
import numpy.typing as npt

BoolMask = npt.NDArray[np.bool_]


class VerifyBackend(Protocol):
    """Batch Ed25519 verification under the project's signature rule (ledger.records.signing).

    Every implementation must return the same verdict as libsodium's
    ``crypto_sign_verify_detached`` for every input; parity tests enforce it.
    """

    name: str

    def verify_batch(
        self,
        messages: Sequence[bytes],
        signatures: Sequence[bytes],
        public_keys: Sequence[bytes],
    ) -> BoolMask:
        """Return a bool mask, True where signature i over message i by key i is valid.

        The three sequences have equal length. A signature or key of the wrong length is False,
        never an exception. Messages may be of any length (records use 47 bytes).
        """
        ...

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        """Return SHA-256 of each payload (the entry ids), in order."""
        ...

    def close(self) -> None:
        """Release threads or device memory. Idempotent."""
        ...


def sha256_each(payloads: Sequence[bytes]) -> list[bytes]:
    """SHA-256 of each payload, in order: ``hash_batch`` for the CPU backends."""
    sha = hashlib.sha256
    return [sha(p).digest() for p in payloads]


def waiter(futures: Sequence[Future[None]], out: BoolMask) -> Callable[[], BoolMask]:
    """A ``start_batch`` result: waits for ``futures`` (re-raising the first error), then returns ``out``."""

    def wait() -> BoolMask:
        for f in futures:
            f.result()
        return out

    return wait
