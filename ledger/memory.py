"""Bound a long-running node's C heap (glibc malloc; a no-op elsewhere). RSS still grows slowly with the
store (docs/METRICS.md, "Memory over time").

Two parts, both started by ``creditledger serve``:

* ``bound_malloc``: every thread (RPC pool, pipeline stages, RocksDB) would otherwise get its own
  malloc arena, and the mmap threshold ratchets up after large blocks are freed, so multi-MB buffers
  (a block's payloads, WriteBatches, memtable blocks) would land in arena heaps. Two arenas and a
  fixed mmap threshold of 12 KiB instead: buffers from 12 KiB up, the block cache's 16 KiB blocks
  (ledger/store/rocks.py) among them, are mapped and returned whole, so the cache's churn leaves
  no holes in the heaps. It costs a map and an unmap per such buffer (ingest ~8% slower on 2 cores).
* ``Trimmer``: the block cache and the pipeline free small chunks all over the heaps; glibc keeps
  those free pages resident (``creditledger_heap_bytes{part="free"}`` grows while ``in_use`` stays
  flat). ``malloc_trim`` every few seconds hands free pages back, so RSS follows live data.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD = 12 << 10  # below the store's 16 KiB blocks (see the module docstring)


@functools.cache
def libc() -> Any:
    """The C library (loaded once), or None where it is not glibc's ``libc.so.6``."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def bound_malloc() -> bool:
    """Apply the malloc settings above; True if applied. Call before the node starts its threads."""
    c = libc()
    if c is None or not hasattr(c, "mallopt"):
        return False
    settings = ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, 1 << 20), (_M_ARENA_MAX, 2))
    return all(c.mallopt(opt, val) == 1 for opt, val in settings)


def trim() -> bool:
    """Return free heap pages to the OS now; True if the C library did (glibc ``malloc_trim``)."""
    c = libc()
    if c is None or not hasattr(c, "malloc_trim"):
        return False
    return bool(c.malloc_trim(0))


class Trimmer:
    """A daemon thread that calls ``trim`` every ``interval`` seconds until ``stop``."""

    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self.trims = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> Trimmer:
        if hasattr(libc(), "malloc_trim"):
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                trim()
                self.trims += 1
            except Exception:  # never let housekeeping take the node down
                log.exception("malloc_trim failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.interval + 5)
