"""The store's RocksDB tuning reaches every column family, read back from the OPTIONS file RocksDB
itself writes: compactions sized to the 2 MiB memtables (a small base level and small files), and no
compression of data that does not compress."""

from __future__ import annotations

import re
from pathlib import Path

from rocksdict import DBCompressionType, Options, Rdict

from ledger.store import RocksStore
from ledger.store.rocks import CF_META, COLUMN_FAMILIES, LEVEL_BASE_BYTES, OPEN_FILES_MAX, TARGET_FILE_BYTES

_CF_SECTION = re.compile(r'^\[CFOptions "(?P<name>[^"]+)"\]$')
_DB_SECTION = "[DBOptions]"


def _rocksdb_options(data: Path) -> dict[str, dict[str, str]]:
    """The newest OPTIONS-<n> file in ``data``: each column family's options by name, and the
    database's own under ``_DB_SECTION``."""
    latest = max(data.glob("OPTIONS-*"), key=lambda p: int(p.name.split("-")[1]))
    out: dict[str, dict[str, str]] = {}
    cur: dict[str, str] | None = None
    for line in latest.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            m = _CF_SECTION.match(line)
            name = m["name"] if m else line
            cur = out.setdefault(name, {}) if m or line == _DB_SECTION else None
        elif cur is not None and "=" in line:
            key, _, value = line.partition("=")
            cur[key] = value
    return out


def _raw_store(data: Path, db_opt: Options, cf_opt: Options) -> Rdict:
    """A store opened with rocksdict directly (as older node versions, or other settings, left it)."""
    db_opt.create_if_missing(True)
    db_opt.create_missing_column_families(True)
    return Rdict(str(data), db_opt, column_families={n: cf_opt for n in COLUMN_FAMILIES})


def test_every_column_family_compacts_in_small_steps_without_compression(tmp_path: Path) -> None:
    RocksStore(tmp_path / "data").close()
    opts = _rocksdb_options(tmp_path / "data")
    assert set(COLUMN_FAMILIES) <= set(opts), sorted(opts)
    for name in COLUMN_FAMILIES:
        o = opts[name]
        assert o["compression"] == "kNoCompression", (name, o["compression"])
        assert int(o["max_bytes_for_level_base"]) == LEVEL_BASE_BYTES, name
        assert int(o["target_file_size_base"]) == TARGET_FILE_BYTES, name
        # The base level is about L0's size at its compaction trigger, as the tuning assumes.
        l0 = int(o["write_buffer_size"]) * int(o["level0_file_num_compaction_trigger"])
        assert l0 <= LEVEL_BASE_BYTES <= 4 * l0, (name, l0)


def test_a_store_written_with_snappy_opens_reads_and_takes_the_new_tuning(tmp_path: Path) -> None:
    # Stores from before the tuning hold Snappy-compressed files; they must stay readable, and the
    # files compaction writes from then on follow the new options.
    data = tmp_path / "data"
    old = Options(raw_mode=True)
    old.set_compression_type(DBCompressionType.snappy())
    db = _raw_store(data, old, Options(raw_mode=True))
    meta = db.get_column_family(CF_META)
    meta[b"probe"] = b"x" * 4096
    meta.flush(True)
    meta.close()
    db.close()
    assert _rocksdb_options(data)[CF_META]["compression"] == "kSnappyCompression"
    store = RocksStore(data)
    try:
        assert store.meta(b"probe") == b"x" * 4096
    finally:
        store.close()
    assert _rocksdb_options(data)[CF_META]["compression"] == "kNoCompression"


def test_open_files_are_bounded_below_the_units_descriptor_limit(tmp_path: Path) -> None:
    RocksStore(tmp_path / "data").close()
    db = _rocksdb_options(tmp_path / "data")[_DB_SECTION]
    assert int(db["max_open_files"]) == OPEN_FILES_MAX
    unit = (Path(__file__).resolve().parents[1] / "ops" / "creditledger.service").read_text()
    (limit,) = re.findall(r"^LimitNOFILE=(\d+)$", unit, re.MULTILINE)
    assert int(limit) // 2 >= OPEN_FILES_MAX  # room for WAL, sockets, certificates and the rest


def test_a_store_with_more_files_than_the_bound_reads_back_whole(tmp_path: Path) -> None:
    # 40 flushed files in one family, opened with RocksDB's smallest bound (20): every row reads
    # back, whether its file is still open or has to be reopened.
    data = tmp_path / "data"
    cf_opt = Options(raw_mode=True)
    cf_opt.set_disable_auto_compactions(True)
    db = _raw_store(data, Options(raw_mode=True), cf_opt)
    meta = db.get_column_family(CF_META)
    for i in range(40):
        meta[b"row-%03d" % i] = bytes([i]) * 100
        meta.flush(True)
    meta.close()
    db.close()
    assert len(list(data.glob("*.sst"))) >= 40
    store = RocksStore(data, max_open_files=20)
    try:
        assert [store.meta(b"row-%03d" % i) for i in range(40)] == [bytes([i]) * 100 for i in range(40)]
        assert [v for _, v in store.meta_prefix(b"row-")] == [bytes([i]) * 100 for i in range(40)]
    finally:
        store.close()
