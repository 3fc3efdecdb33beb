"""The CPU backend's helper processes on small batches (a client's report): verdicts, and that the
helpers start while the caller is still busy with Python work."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nacl.signing
import pytest

from ledger.records.signing import EntryKind, signing_message
from ledger.verify import CpuBackend


@pytest.fixture
def backend() -> Iterator[CpuBackend]:
    be = CpuBackend(2, helper_min=32)
    be.warm_up()
    yield be
    be.close()


def _batch(n: int, bad: set[int]) -> tuple[list[bytes], list[bytes], list[bytes]]:
    k = nacl.signing.SigningKey(b"\x52" * 32)
    pk = bytes(k.verify_key)
    msgs = [signing_message(EntryKind.RECORD, i.to_bytes(32, "big")) for i in range(n)]
    sigs = [bytes(64) if i in bad else k.sign(m).signature for i, m in enumerate(msgs)]
    return msgs, sigs, [pk] * n


def test_small_helper_batch_verdicts_in_order(backend: CpuBackend) -> None:
    bad = {0, 7, 31, 49}
    msgs, sigs, pks = _batch(50, bad)
    sigs[12] = sigs[12][:63]  # wrong sizes never reach a helper and are False
    pks[20] = pks[20][:31]
    got = backend.start_batch(msgs, sigs, pks)()
    assert [i for i in range(50) if not got[i]] == sorted(bad | {12, 20})


def _bytes_read(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/<pid>/io")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/<pid>/io")
def test_helpers_get_their_chunks_while_the_caller_holds_the_gil(backend: CpuBackend) -> None:
    """start_batch sends the chunks itself; a pool thread could not while this thread runs Python."""
    msgs, sigs, pks = _batch(50, set())
    assert backend.start_batch(msgs, sigs, pks)().all()  # the pool's threads exist now (first use starts them)
    pids = [h.proc.pid for h in backend._all_helpers]
    before = [_bytes_read(p) for p in pids]
    old = sys.getswitchinterval()
    sys.setswitchinterval(5.0)  # no forced GIL hand-off while this thread runs Python
    try:
        wait = backend.start_batch(msgs, sigs, pks)
        t = time.perf_counter()
        while time.perf_counter() - t < 0.5:  # pure Python: the GIL stays with this thread
            pass
        # Each helper has read its chunk (25 signatures: > 25 * 100 bytes) during that time.
        grew = [_bytes_read(p) - b for p, b in zip(pids, before, strict=True)]
    finally:
        sys.setswitchinterval(old)
    assert all(g > 25 * 100 for g in grew), f"bytes read by the helpers meanwhile: {grew}"
    assert wait().all()


def test_small_batches_after_the_helpers_die(backend: CpuBackend) -> None:
    for h in backend._all_helpers:
        h.proc.kill()
        h.proc.wait()
    msgs, sigs, pks = _batch(40, {3})
    got = backend.start_batch(msgs, sigs, pks)()  # found dead on send or on receive: verified here
    assert [i for i in range(40) if not got[i]] == [3]
    got = backend.start_batch(msgs, sigs, pks)()  # helpers given up: threads from now on
    assert [i for i in range(40) if not got[i]] == [3]
