"""A plain-text progress bar on stderr (no dependency); quiet when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from types import TracebackType


class Progress:
    def __init__(self, label: str, total: int, *, force: bool = False) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.enabled = force or sys.stderr.isatty()
        self.t0 = time.monotonic()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            frac = min(1.0, self.done / self.total)
            rate = self.done / max(now - self.t0, 1e-9)
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label:<10} [{bar:<30}] {self.done}/{self.total} {rate:,.0f}/s")
            sys.stderr.flush()

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.t0, 1e-9)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self.enabled:
            sys.stderr.write("\n")
