"""GpuBackend's device-failure path: a failing device switches to the CPU fallback with a
logging.error line, and every record still gets libsodium's verdict. Runs without a GPU (the
device call is replaced by one that raises)."""

from __future__ import annotations

import logging

import nacl.signing
import numpy as np
import pytest

from ledger.gpu.cupy_backend import GpuBackend
from ledger.verify.cpu import CpuBackend


def test_device_failure_falls_back(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    b = GpuBackend(fallback=CpuBackend(2))
    calls = []

    def boom(*a: object) -> object:
        calls.append(1)
        raise RuntimeError("cudaErrorLaunchFailure (simulated)")

    monkeypatch.setattr(b, "_verify_gpu", boom)
    monkeypatch.setattr(b, "_hash_gpu", boom)
    key = nacl.signing.SigningKey(bytes(32))
    msgs = [bytes([i]) * 47 for i in range(50)]
    sigs = [key.sign(m).signature for m in msgs]
    sigs[7] = sigs[8]
    with caplog.at_level(logging.ERROR):
        out = b.verify_batch(msgs, sigs, [bytes(key.verify_key)] * 50)
    assert out.tolist() == [i != 7 for i in range(50)]
    assert any("falling back" in r.message or "fallback" in r.message for r in caplog.records)
    assert all(r.levelno == logging.ERROR for r in caplog.records if "fallback" in r.message)
    # stays on the fallback afterwards (no second device attempt)
    assert b.verify_batch(msgs[:2], sigs[:2], [bytes(key.verify_key)] * 2).tolist() == [True, True]
    assert b.hash_batch([b"abc"])[0].hex().startswith("ba7816bf")
    assert len(calls) == 1
    packed = b.verify_packed(
        np.frombuffer(b"".join(msgs), dtype=np.uint8).reshape(50, 47),
        np.frombuffer(b"".join(sigs), dtype=np.uint8).reshape(50, 64),
        np.frombuffer(bytes(key.verify_key) * 50, dtype=np.uint8).reshape(50, 32),
    )
    assert packed.tolist() == [i != 7 for i in range(50)]
    assert b.device_memory_bytes() == 0
    b.close()
    b.close()
