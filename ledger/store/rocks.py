"""LogStore on RocksDB through rocksdict, always in raw mode (bytes in, bytes out, no object serialization)."""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

from rocksdict import (
    AccessType,
    BlockBasedIndexType,
    BlockBasedOptions,
    Cache,
    DBCompressionType,
    Options,
    Rdict,
    ReadOptions,
    WriteBatch,
    WriteOptions,
)

from ledger.chain import Checkpoint, CheckpointError, decode_checkpoint
from ledger.records.leaf import LEAF_LEN
from ledger.store.base import BlockWrite, StoredEntry, StoreError
from ledger.store.wal import WalFiles

CF_RECORDS = "records"  # leaf index u64 -> leaf (114) || ref length u8 || borrower ref || payload blob
CF_NODES = "nodes"  # level u8 || index u64 -> 32-byte hash
CF_CHECKPOINTS = "checkpoints"  # tree size u64 -> encoded checkpoint
CF_IDS = "ids"  # entry id -> leaf index u64
CF_BORROWERS = "borrowers"  # borrower ref || day u32 || leaf index u64 -> b""
CF_KEYS = "keys"  # borrower ref -> wrapped data key
CF_META = "meta"  # domain rows, see BlockWrite.extra
COLUMN_FAMILIES = (CF_RECORDS, CF_NODES, CF_CHECKPOINTS, CF_IDS, CF_BORROWERS, CF_KEYS, CF_META)

_U64 = struct.Struct(">Q")
_NODE = struct.Struct(">BQ")
_BORROWER_SUFFIX = struct.Struct(">IQ")


def node_key(level: int, index: int) -> bytes:
    return _NODE.pack(level, index)


def _entry_value(leaf: bytes, borrower_ref: bytes, payload: bytes) -> bytes:
    return leaf + bytes((len(borrower_ref),)) + borrower_ref + payload


def _entry(index: int, v: bytes) -> StoredEntry:
    n = v[LEAF_LEN]
    o = LEAF_LEN + 1
    return StoredEntry(index, v[:LEAF_LEN], v[o + n :], v[o : o + n])


def _multi_get(cf: Rdict, keys: list[bytes]) -> list[bytes | None]:
    """One RocksDB multi-get; None where a key is absent."""
    return cast("list[bytes | None]", cf.get(cast("list[str | int | float | bytes | bool]", keys)))


BLOCK_CACHE_BYTES = 32 << 20
# Data and index/filter blocks of 16 KiB, above the node's malloc mmap threshold (ledger/memory.py):
# a cached block that no free heap chunk can hold gets its own mapping, and gives its pages back
# whole when evicted. At RocksDB's 4 KiB, evicted blocks left ~4 KiB holes in the C heap that no
# trim can return (malloc_info after a soak: 2,038 free chunks of 3.5-4 KiB, 7.8 MiB), and RSS
# crept with the block cache's churn. docs/METRICS.md, "Memory over time", has the soak numbers
# and the cost (ingest ~8% slower on 2 cores).
BLOCK_BYTES = 16 << 10
# Compaction sized to the 2 MiB memtables below. RocksDB's defaults (64 MiB files, a 256 MiB base
# level) suit 64 MiB memtables: with ours, each L0 compaction of the random-keyed families (ids,
# borrowers) merged 8 MiB of new keys into a base level of up to 256 MiB, so compaction's CPU grew
# with the store (0.02 -> 0.34 cores within a 150 s soak) and a 2-core node fell behind 80% of its
# start-up capacity. A base level about the size of L0 at its compaction trigger (4 x 2 MiB), as
# RocksDB's tuning guide advises, and small files keep each compaction small.
LEVEL_BASE_BYTES = 16 << 20
TARGET_FILE_BYTES = 4 << 20
# Open SST files stay well below the systemd unit's LimitNOFILE (65,536). A store holds one file
# per 2-4 MiB (see above), so past ~40 GiB RocksDB closes its least recently used files and reopens
# them when read (a cold read pays the open) instead of failing with "Too many open files".
OPEN_FILES_MAX = 20_000
# Merkle nodes never change once written, so upper-level nodes (each shared by the proofs of
# 2**level leaves) are kept in memory after the first read, least recently used dropped first.
# Bounded (NODE_CACHE_MAX entries, ~2 MB) so a node's memory stays flat as the log grows.
NODE_CACHE_MIN_LEVEL = 4
NODE_CACHE_MAX = 1 << 13


def _options(cache: Cache) -> Options:
    opt = Options(raw_mode=True)
    opt.create_if_missing(True)
    opt.create_missing_column_families(True)
    opt.increase_parallelism(2)
    # Bound memory: all column families' memtables together stay under 32 MiB (each CF's own
    # default is 64 MiB x 2). A memtable's memory is freed when it is flushed, so each family's
    # buffer size is also the step it adds to the sawtooth of a node's RSS under sustained ingest
    # (bench/soak.py): 2 MiB steps, out of phase across families, keep RSS flat.
    opt.set_db_write_buffer_size(32 << 20)
    opt.set_write_buffer_size(2 << 20)
    opt.set_max_bytes_for_level_base(LEVEL_BASE_BYTES)
    opt.set_target_file_size_base(TARGET_FILE_BYTES)
    # Payloads are AES-GCM ciphertext and keys are hashes and leaf indices: nothing compresses, so
    # Snappy (RocksDB's default) only spent CPU on every block written and read to find that out.
    opt.set_compression_type(DBCompressionType.none())
    # Index and filter blocks live in one bounded, shared block cache instead of growing with the
    # number of SST files; bloom filters make the id lookups of new (absent) entries cheap. They
    # are partitioned into small blocks: a monolithic filter of a large SST file (MBs) does not fit
    # a cache shard, so it would be read and discarded on every lookup (~90 us per get at 1M
    # entries); only the small top-level index of each file stays pinned.
    table = BlockBasedOptions()
    table.set_block_cache(cache)
    table.set_cache_index_and_filter_blocks(True)
    table.set_index_type(BlockBasedIndexType.two_level_index_search())
    table.set_partition_filters(True)
    table.set_block_size(BLOCK_BYTES)
    table.set_metadata_block_size(BLOCK_BYTES)
    table.set_pin_top_level_index_and_filter(True)
    table.set_pin_l0_filter_and_index_blocks_in_cache(True)
    table.set_bloom_filter(10, False)
    opt.set_block_based_table_factory(table)
    return opt


class RocksStore:
    """The node's RocksDB store. Open one per data dir; RocksDB's own lock refuses a second opener."""

    def __init__(self, path: str | Path, *, read_only: bool = False, max_open_files: int = OPEN_FILES_MAX) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._cache = Cache(BLOCK_CACHE_BYTES)
        opt = _options(self._cache)
        opt.set_max_open_files(max_open_files)
        cfs = {name: _options(self._cache) for name in COLUMN_FAMILIES}
        access = AccessType.read_only() if read_only else AccessType.read_write()
        try:
            self._db = Rdict(str(self.path), opt, column_families=cfs, access_type=access)  # raw_mode: see _options
        except Exception as exc:  # rocksdict raises plain Exception for lock/corruption errors
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        self._cf = {name: self._db.get_column_family(name) for name in COLUMN_FAMILIES}
        self._h = {name: self._db.get_column_family_handle(name) for name in COLUMN_FAMILIES}
        # Writes go to the WAL unsynced, then the WAL is synced before the write call returns
        # (_sync_wal): the same durability as sync=True, without the GIL held during the flush.
        self._unsynced = WriteOptions()
        self._unsynced.sync = False
        self._wal = WalFiles(self.path)
        self._broken = ""  # why writes are refused (a message: an exception would pin the write's frames)
        self._closed = False
        self._node_cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._node_lock = threading.Lock()
        self._head: Checkpoint | None = self._load_head()

    # -- writes ---------------------------------------------------------------------------------

    def commit_block(self, block: BlockWrite) -> int:
        """Write the block in one WriteBatch and sync the WAL (see LogStore.commit_block); returns its size."""
        wb = WriteBatch(raw_mode=True)
        h = self._h
        rec, ids, bor = h[CF_RECORDS], h[CF_IDS], h[CF_BORROWERS]
        put, u64, suffix = wb.put, _U64.pack, _BORROWER_SUFFIX.pack  # hot loop: one block's entries
        for e in block.entries:
            k = u64(e.leaf_index)
            ref = e.borrower_ref
            put(k, e.leaf + bytes((len(ref),)) + ref + e.payload, rec)  # = _entry_value(...)
            put(e.entry_id, k, ids)
            if ref:
                put(ref + suffix(e.day, e.leaf_index), b"", bor)
        nodes, node = h[CF_NODES], _NODE.pack
        for level, index, digest in block.nodes:
            put(node(level, index), digest, nodes)
        for ref, wrapped in block.wrapped_keys.items():
            wb.put(ref, wrapped, h[CF_KEYS])
        for k2, v2 in block.extra.items():
            if v2:
                wb.put(k2, v2, h[CF_META])
            else:
                wb.delete(k2, h[CF_META])
        for entry in self.get_entries(block.redact):
            wb.put(_U64.pack(entry.leaf_index), _entry_value(entry.leaf, entry.borrower_ref, b""), rec)
        cp = block.checkpoint
        wb.put(_U64.pack(cp.tree_size), cp.encode(), h[CF_CHECKPOINTS])
        size = int(wb.size_in_bytes())
        self._write(wb)
        self._head = cp
        return size

    def _write(self, wb: WriteBatch) -> None:
        """Write ``wb`` and sync the WAL; returns only once the batch is durable.

        A failed sync leaves the batch in RocksDB's memtable but not known to be on disk, so the
        store then refuses every later write (StoreError) until it is reopened, which replays only
        what the WAL really holds.
        """
        if self._broken:
            raise StoreError(f"store refuses writes after a failed WAL sync ({self._broken}); restart the node")
        try:
            self._db.write(wb, self._unsynced)
        except Exception as exc:
            raise StoreError(f"write failed: {exc}") from exc
        try:
            self._sync_wal()
        except Exception as exc:
            self._broken = f"{type(exc).__name__}: {exc}"
            raise StoreError(f"WAL sync failed: {exc}") from exc

    def _sync_wal(self) -> None:
        self._wal.sync()  # the slow flush, GIL released
        self._db.flush_wal(True)  # RocksDB's SyncWAL: the guarantee (fast once the files are clean)

    def purge_old_keys(self) -> None:
        """Flush and compact the keys column family so shredded keys leave no copy in its files.

        (The WAL may still hold the old bytes until it is recycled; see docs/RISK.md.)
        """
        self._cf[CF_KEYS].flush(True)
        self._cf[CF_KEYS].compact_range(None, None)

    # -- reads ----------------------------------------------------------------------------------

    def latest_checkpoint(self) -> Checkpoint | None:
        return self._head

    def _load_head(self) -> Checkpoint | None:
        it = self._cf[CF_CHECKPOINTS].iter(ReadOptions())
        it.seek_to_last()
        if not it.valid():
            return None
        return self._decode_cp(it.value())

    @staticmethod
    def _decode_cp(raw: bytes) -> Checkpoint:
        try:
            return decode_checkpoint(raw)
        except CheckpointError as exc:
            raise StoreError(str(exc)) from exc

    def checkpoint_at(self, tree_size: int) -> Checkpoint | None:
        raw = self._cf[CF_CHECKPOINTS].get(_U64.pack(tree_size))
        return None if raw is None else self._decode_cp(raw)

    def checkpoints_covering(self, leaf_indices: Sequence[int]) -> dict[int, Checkpoint]:
        """For each leaf index, the first checkpoint that includes it (the one of the block that added
        it); indices no checkpoint covers are left out. One iterator for all, each checkpoint decoded once."""
        out: dict[int, Checkpoint] = {}
        wanted = sorted(set(leaf_indices))
        if not wanted:
            return out
        it = self._cf[CF_CHECKPOINTS].iter(ReadOptions())
        it.seek(_U64.pack(wanted[0] + 1))
        cp: Checkpoint | None = None
        for i in wanted:
            while it.valid() and (cp is None or cp.tree_size <= i):
                cp = self._decode_cp(it.value())
                it.next()
            if cp is None or cp.tree_size <= i:
                break
            out[i] = cp
        return out

    def checkpoints(self, start_size: int = 0) -> list[Checkpoint]:
        return [self._decode_cp(v) for v in self._iter_values(CF_CHECKPOINTS, _U64.pack(start_size))]

    def last_checkpoints(self, k: int) -> list[Checkpoint]:
        """The last ``k`` checkpoint rows (fewer if the log has fewer), in chain order."""
        it = self._cf[CF_CHECKPOINTS].iter(ReadOptions())
        it.seek_to_last()
        out: list[Checkpoint] = []
        while it.valid() and len(out) < k:
            out.append(self._decode_cp(it.value()))
            it.prev()
        out.reverse()
        return out

    def _iter_values(self, cf: str, start: bytes) -> Iterator[bytes]:
        it = self._cf[cf].iter(ReadOptions())
        it.seek(start)
        while it.valid():
            yield it.value()
            it.next()

    def iter_entries(self, start: int = 0) -> Iterator[StoredEntry]:
        """All entries from leaf ``start`` on, in leaf order (for audits)."""
        it = self._cf[CF_RECORDS].iter(ReadOptions())
        it.seek(_U64.pack(start))
        while it.valid():
            yield _entry(_U64.unpack(it.key())[0], it.value())
            it.next()

    def get_nodes(self, addresses: Sequence[tuple[int, int]]) -> list[bytes]:
        """As LogStore.get_nodes; upper-level nodes come from memory after their first read."""
        cache = self._node_cache
        with self._node_lock:
            out: list[bytes | None] = [cache.get(a) for a in addresses]
            for a, v in zip(addresses, out, strict=True):
                if v is not None:
                    cache.move_to_end(a)
        miss = [k for k, v in enumerate(out) if v is None]
        if not miss:
            return cast("list[bytes]", out)
        want = [addresses[k] for k in miss]
        vals = _multi_get(self._cf[CF_NODES], [_NODE.pack(lv, ix) for lv, ix in want])
        for k, (lv, ix), v in zip(miss, want, vals, strict=True):
            if v is None:
                raise StoreError(f"merkle node level={lv} index={ix} is missing")
            out[k] = v
        with self._node_lock:
            for (lv, ix), v in zip(want, vals, strict=True):
                if lv >= NODE_CACHE_MIN_LEVEL:
                    cache[(lv, ix)] = cast("bytes", v)
            while len(cache) > NODE_CACHE_MAX:
                cache.popitem(last=False)
        return cast("list[bytes]", out)

    def get_entries(self, indices: Sequence[int]) -> list[StoredEntry]:
        if not indices:
            return []
        vals = _multi_get(self._cf[CF_RECORDS], [_U64.pack(i) for i in indices])
        out = []
        for i, v in zip(indices, vals, strict=True):
            if v is None:
                raise StoreError(f"leaf {i} is missing")
            out.append(_entry(i, v))
        return out

    def find_ids(self, entry_ids: Sequence[bytes]) -> list[int | None]:
        if not entry_ids:
            return []
        vals = _multi_get(self._cf[CF_IDS], list(entry_ids))
        return [None if v is None else _U64.unpack(v)[0] for v in vals]

    def borrower_indices(self, borrower_ref: bytes, limit: int = 0) -> list[int]:
        out: list[int] = []
        it = self._cf[CF_BORROWERS].iter(ReadOptions())
        it.seek(borrower_ref)
        n = len(borrower_ref)
        while it.valid():
            k = it.key()
            if k[:n] != borrower_ref:
                break
            out.append(_BORROWER_SUFFIX.unpack_from(k, n)[1])
            if limit and len(out) >= limit:
                break
            it.next()
        return out

    def wrapped_keys(self, borrower_refs: Sequence[bytes]) -> list[bytes | None]:
        return _multi_get(self._cf[CF_KEYS], list(borrower_refs)) if borrower_refs else []

    def meta(self, key: bytes) -> bytes | None:
        v = self._cf[CF_META].get(key)
        return None if v is None else bytes(v)

    def meta_prefix(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        """Meta rows whose key starts with ``prefix``, in key order."""
        out = []
        it = self._cf[CF_META].iter(ReadOptions())
        it.seek(prefix)
        while it.valid() and it.key().startswith(prefix):
            out.append((it.key(), it.value()))
            it.next()
        return out

    def property_int(self, name: str) -> int | None:
        """A RocksDB integer property of the default column family (for metrics)."""
        try:
            v = self._db.property_int_value(name)
        except Exception:
            return None
        return None if v is None else int(v)

    def property_ints(self, name: str) -> dict[str, int]:
        """A RocksDB integer property for each column family (for metrics); unsupported ones left out."""
        out: dict[str, int] = {}
        for cf_name, cf in list(self._cf.items()):
            try:
                v = cf.property_int_value(name)
            except Exception:
                continue
            if v is not None:
                out[cf_name] = int(v)
        return out

    def close(self) -> None:
        """Flush and release the database lock. Idempotent."""
        if self._closed:
            return
        self._closed = True
        # RocksDB stays open while any column-family handle lives: drop them all first.
        for cf in self._cf.values():
            cf.close()
        self._cf.clear()
        self._h.clear()
        self._db.close()
        self._wal.close()
        del self._db
