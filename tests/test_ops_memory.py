"""What keeps a long-running node's memory bounded: malloc settings, and caps on every in-memory cache."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.chain import NodeSigner
from ledger.memory import Trimmer, bound_malloc, trim
from ledger.merkle import EMPTY_ROOT
from ledger.privacy.crypto import MasterKey
from ledger.privacy.vault import Vault
from ledger.store import BlockWrite, RocksStore
from ledger.store.rocks import NODE_CACHE_MAX, NODE_CACHE_MIN_LEVEL


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt settings are glibc's")
def test_malloc_bounds_apply_on_glibc() -> None:
    assert bound_malloc() is True


_MAPPED_PROBE = """
import json
from ledger.memory import bound_malloc, trim
from ledger.metrics.heap import _mallinfo2_fn
from ledger.store.rocks import BLOCK_BYTES
info = _mallinfo2_fn()
assert info is not None and bound_malloc()
trim()
before = info()
held = [bytearray(BLOCK_BYTES) for _ in range(64)]
after = info()
del held
print(json.dumps({"mapped": after.hblks - before.hblks, "bytes": after.hblkhd - before.hblkhd,
                  "left": info().hblks - before.hblks}))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt settings are glibc's")
def test_store_sized_blocks_are_mapped_whole_not_carved_from_the_heap() -> None:
    """The block cache's blocks must be above the mmap threshold, so an evicted block returns its
    pages instead of leaving a hole in the heap (the soak's RSS creep; docs/METRICS.md). Checked in
    a fresh interpreter: malloc maps a request only when no free heap chunk can hold it."""
    from ledger.memory import MMAP_THRESHOLD
    from ledger.metrics.heap import _mallinfo2_fn
    from ledger.store.rocks import BLOCK_BYTES

    assert BLOCK_BYTES > MMAP_THRESHOLD
    if _mallinfo2_fn() is None:
        pytest.skip("glibc older than 2.33: no mallinfo2")
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", _MAPPED_PROBE], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": root}, check=True).stdout
    got = json.loads(out)
    assert got["mapped"] >= 32, got  # most: the rest fit in the heap's top and free chunks
    assert got["bytes"] >= got["mapped"] * BLOCK_BYTES
    assert got["left"] <= 0, got  # unmapped on free: their pages go back whole


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_trimmer_runs_until_stopped() -> None:
    junk = [bytearray(1000) for _ in range(20_000)]
    del junk[::2]  # free pages inside the heap, not only at its top
    assert isinstance(trim(), bool)
    t = Trimmer(interval=0.05).start()
    deadline = time.monotonic() + 5
    while t.trims < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    t.stop()
    assert t.trims >= 2
    done = t.trims
    time.sleep(0.15)
    assert t.trims == done  # stopped means stopped


def _commit(store: RocksStore, nodes: list[tuple[int, int, bytes]], keys: dict[bytes, bytes]) -> None:
    cp = NodeSigner(bytes(32), "test").sign_next(store.latest_checkpoint(), 0, EMPTY_ROOT, 0)
    store.commit_block(BlockWrite([], nodes, cp, keys))


def test_node_cache_keeps_upper_levels_and_stays_bounded(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    n = NODE_CACHE_MAX + 500
    upper = [(NODE_CACHE_MIN_LEVEL, i) for i in range(n)]
    low = [(0, i) for i in range(100)]
    _commit(store, [(lv, ix, ix.to_bytes(32, "big")) for lv, ix in upper + low], {})
    assert store.get_nodes(low) == [i.to_bytes(32, "big") for i in range(100)]
    assert store.get_nodes(upper[:10]) == [i.to_bytes(32, "big") for i in range(10)]
    cached = store._node_cache
    assert set(cached) == set(upper[:10])  # leaf-level nodes are not kept
    for lo in range(0, n, 1000):
        store.get_nodes(upper[lo : lo + 1000])
    assert len(cached) == NODE_CACHE_MAX  # full, never over
    assert upper[-1] in cached and upper[0] not in cached  # least recently used went first
    assert store.get_nodes([upper[0]]) == [bytes(32)]  # evicted nodes are read again, unchanged
    store.close()


def test_vault_key_cache_is_bounded(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    master = MasterKey.from_env("K", environ={"K": "ab" * 32})
    refs = [i.to_bytes(32, "big") for i in range(1, 121)]
    items = [(r, r, b"payload %d" % i) for i, r in enumerate(refs)]
    blobs, rows = Vault(master, store).seal_many(items)
    _commit(store, [], rows)
    vault = Vault(master, store, cache_size=50)
    got = vault.open_many([(r, r, b) for r, b in zip(refs, blobs, strict=True)])
    assert got == [p for _, _, p in items]
    assert len(vault._cache) == 50
