"""Sync a RocksDB directory's write-ahead log files without holding Python's GIL.

rocksdict holds the GIL for the whole of ``Rdict.write`` and ``Rdict.flush_wal``, so a synced
write stops every other Python thread of the node (RPC threads, the pipeline's other stage, the
verifier's feeders) while the disk flushes. ``WalFiles.sync`` ``fdatasync``s the live ``*.log``
files through ``os.fdatasync``, which releases the GIL; RocksDB's own ``flush_wal(sync=True)``,
called right after, then finds nothing left to flush and returns at once. That call, not this
module, is what the durability contract rests on: if this one misses a file (a WAL switched in the
same clock tick as the directory's mtime was read), RocksDB's sync still covers it, only slower.
"""

from __future__ import annotations

import os
from pathlib import Path


class WalFiles:
    """The ``*.log`` files of one RocksDB directory, opened read-only (fsync needs no write access)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._mtime = -1
        self._fds: dict[str, int] = {}

    @property
    def names(self) -> list[str]:
        """The WAL files held open since the last ``sync``, sorted."""
        return sorted(self._fds)

    def sync(self) -> None:
        """fdatasync every live WAL file. Raises OSError as os.fdatasync does (e.g. EIO)."""
        mtime = os.stat(self.directory).st_mtime_ns
        if mtime != self._mtime:  # a file was created or removed: WALs may have switched
            self._rescan()
            self._mtime = mtime
        for fd in list(self._fds.values()):
            os.fdatasync(fd)

    def _rescan(self) -> None:
        live = {e.name for e in os.scandir(self.directory) if e.name.endswith(".log")}
        for name in set(self._fds) - live:
            os.close(self._fds.pop(name))
        for name in sorted(live - set(self._fds)):
            try:
                self._fds[name] = os.open(self.directory / name, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:  # removed since the scan (obsolete WAL)
                continue

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
