"""A Prometheus collector for where a node's memory sits: the C heap (glibc mallinfo2) and Python's
object allocator. Computed on scrape; an unsupported platform simply yields nothing.

Why: RSS alone cannot tell a growing cache from a fragmenting heap. ``in_use`` growing means live
data grows; ``free`` growing while ``in_use`` stays flat means fragmentation (see docs/METRICS.md).
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ledger.memory import libc


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
    )]


@functools.cache
def _mallinfo2_fn() -> Any:
    fn = getattr(libc(), "mallinfo2", None)  # None: not glibc, or glibc older than 2.33
    if fn is not None:
        fn.restype = _MallInfo2
    return fn


class HeapCollector(Collector):
    """creditledger_heap_bytes{part=...} and creditledger_python_allocated_blocks."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        fn = _mallinfo2_fn()
        if fn is not None:
            info = fn()
            g = GaugeMetricFamily("creditledger_heap_bytes", "C heap by part (glibc mallinfo2)", labels=["part"])
            g.add_metric(["in_use"], info.uordblks)
            g.add_metric(["free"], info.fordblks)
            g.add_metric(["mmapped"], info.hblkhd)
            yield g
        yield GaugeMetricFamily("creditledger_python_allocated_blocks", "Python objects' memory blocks in use",
                                value=sys.getallocatedblocks())

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
