"""A VerifyBackend over the CPU build of the GPU kernels (name ``kernel-cpu``), for tests and bench."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.gpu import cpu_build
from ledger.verify.base import BoolMask


class KernelCpuBackend:
    """Runs the CUDA kernel sources compiled for the host CPU."""

    name = "kernel-cpu"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def verify_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> BoolMask:
        return cpu_build.ed25519_verify_batch(messages, signatures, public_keys, self.workers)

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        return cpu_build.sha256_batch(payloads, self.workers)

    def close(self) -> None:
        pass
