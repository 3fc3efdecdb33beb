"""GPU parity: the same vectors as tests/test_kernels_cpu.py, through GpuBackend (CuPy/NVRTC),
compared with libsodium and hashlib with zero disagreements. Skipped without a CUDA device.

Coverage: all Wycheproof vectors; RFC 8032 TEST 1, 2, 3, 1024, SHA(abc); the crafted edge cases
of kernels_vectors.edge_cases(); 100,000 random valid signatures over 47-byte messages (also
through small chunks so both streams/buffers alternate) and 1,144 single-bit mutations; mixed
lengths; SHA-256 lengths 0..300 and large payloads; Merkle leaves and levels.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ledger.gpu import gpu_available

pytestmark = pytest.mark.skipif(not gpu_available(), reason="no CUDA device / cupy")
nacl_signing = pytest.importorskip("nacl.signing")

sys.path.insert(0, str(Path(__file__).parent))
import kernels_vectors as kv  # noqa: E402


class _NoFallback:
    name = "no-fallback"

    def verify_batch(self, *a: object) -> object:
        raise AssertionError("GPU path failed and fell back")

    def hash_batch(self, *a: object) -> object:
        raise AssertionError("GPU path failed and fell back")

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def gpu() -> Iterator[object]:
    from ledger.gpu.cupy_backend import GpuBackend

    b = GpuBackend(fallback=_NoFallback())  # type: ignore[arg-type]
    yield b
    b.close()


def _nacl(msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[bool]:
    from ledger.verify.cpu import verify_one

    return [verify_one(m, s, p) for m, s, p in zip(msgs, sigs, pks, strict=True)]


def _check(gpu: object, msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[bool]:
    got = [bool(x) for x in gpu.verify_batch(msgs, sigs, pks)]  # type: ignore[attr-defined]
    want = _nacl(msgs, sigs, pks)
    bad = [i for i in range(len(msgs)) if got[i] != want[i]]
    assert bad == [], f"{len(bad)} disagreements, first {bad[:10]}"
    return got


def test_wycheproof(gpu: object) -> None:
    cases = kv.wycheproof()
    got = _check(gpu, [c[1] for c in cases], [c[2] for c in cases], [c[3] for c in cases])
    for g, c in zip(got, cases, strict=True):
        if c[4] in ("valid", "invalid"):
            assert g == (c[4] == "valid"), c[0]


def test_rfc8032(gpu: object) -> None:
    msgs = [bytes.fromhex(v[3]) for v in kv.RFC8032]
    sigs = [bytes.fromhex(v[4]) for v in kv.RFC8032]
    pks = [bytes.fromhex(v[2]) for v in kv.RFC8032]
    assert _check(gpu, msgs, sigs, pks) == [True] * 5


def test_edge_cases(gpu: object) -> None:
    cases = kv.edge_cases()
    _check(gpu, [c[1] for c in cases], [c[2] for c in cases], [c[3] for c in cases])


def test_random_100k_and_mutations(gpu: object) -> None:
    from ledger.gpu.cupy_backend import GpuBackend

    rnd = random.Random(47)
    keys = [nacl_signing.SigningKey(rnd.randbytes(32)) for _ in range(256)]
    n = 100_000
    msgs = [rnd.randbytes(47) for _ in range(n)]
    sigs = [keys[i % 256].sign(m).signature for i, m in enumerate(msgs)]
    pks = [bytes(keys[i % 256].verify_key) for i in range(n)]
    assert bool(gpu.verify_batch(msgs, sigs, pks).all())  # type: ignore[attr-defined]
    small = GpuBackend(fallback=_NoFallback(), chunk=7_001)  # type: ignore[arg-type]
    try:
        assert bool(small.verify_batch(msgs, sigs, pks).all())
    finally:
        small.close()
    muts = kv.mutations(msgs, sigs, pks)
    mm, ms, mp = [x[0] for x in muts], [x[1] for x in muts], [x[2] for x in muts]
    want = _check(gpu, mm, ms, mp)
    packed = gpu.verify_packed(  # type: ignore[attr-defined]
        np.frombuffer(b"".join(mm), dtype=np.uint8).reshape(-1, 47),
        np.frombuffer(b"".join(ms), dtype=np.uint8).reshape(-1, 64),
        np.frombuffer(b"".join(mp), dtype=np.uint8).reshape(-1, 32),
    )
    assert [bool(x) for x in packed] == want


def test_mixed_lengths(gpu: object) -> None:
    rnd = random.Random(5)
    key = nacl_signing.SigningKey(rnd.randbytes(32))
    msgs = [rnd.randbytes(n) for n in range(0, 400, 7)]
    sigs = [key.sign(m).signature for m in msgs]
    sigs[3] = sigs[3][:63]
    _check(gpu, msgs, sigs, [bytes(key.verify_key)] * len(msgs))


def test_hashes(gpu: object) -> None:
    rnd = random.Random(2)
    payloads = [rnd.randbytes(n) for n in range(301)] + [rnd.randbytes(1 << 20), rnd.randbytes(65537)]
    assert gpu.hash_batch(payloads) == [hashlib.sha256(p).digest() for p in payloads]  # type: ignore[attr-defined]
    leaves = rnd.randbytes(40 * 1000)
    assert (
        gpu.leaf_hashes(leaves, 40)
        == [  # type: ignore[attr-defined]
            hashlib.sha256(b"\x00" + leaves[40 * i : 40 * i + 40]).digest() for i in range(1000)
        ]
    )
    for n in (2, 3, 1001, 4096):
        nodes = os.urandom(32 * n)
        want = b"".join(hashlib.sha256(b"\x01" + nodes[64 * i : 64 * i + 64]).digest() for i in range(n // 2))
        if n % 2:
            want += nodes[-32:]
        assert gpu.merkle_level(nodes) == want  # type: ignore[attr-defined]
    assert gpu.device_memory_bytes() > 0  # type: ignore[attr-defined]


def test_node_on_the_gpu_reports_it(tmp_path: Path) -> None:
    """A real node on the GPU backend commits records and its metrics say so: signatures counted
    under backend="gpu", device memory in use, no fallback."""
    from prometheus_client import generate_latest

    from ledger.cli.serve import node_settings
    from ledger.config import load_config
    from ledger.gpu.cupy_backend import GpuBackend
    from ledger.ingest import Receipt
    from ledger.node import Node
    from ledger.service import convert
    from ledger.store import RocksStore

    from _ops_support import make_home, workload

    home = tmp_path / "home"
    cfg = make_home(home)
    records = workload(home, 500)
    settings = node_settings(load_config(cfg))
    node = Node(settings, RocksStore(settings.data_dir), GpuBackend(fallback=_NoFallback()))  # type: ignore[arg-type]
    try:
        results = node.submit_async(convert.submitted(records)).result(timeout=120)
        assert all(isinstance(r, Receipt) for r in results)
        text = generate_latest(node.metrics.registry).decode()
        values = {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines() if ln[:1] != "#"}
        assert values['creditledger_verify_signatures_total{backend="gpu"}'] >= len(records)
        assert values["creditledger_gpu_memory_bytes"] > 0
        assert values["creditledger_verify_fallbacks_total"] == 0
        assert values['creditledger_verify_backend{backend="gpu"}'] == 1
    finally:
        node.close()
