"""Durable storage of the log: the narrow interface and its RocksDB implementation."""

from ledger.store.base import BlockWrite, EntryWrite, LogStore, StoredEntry, StoreError
from ledger.store.rocks import RocksStore

__all__ = ["BlockWrite", "EntryWrite", "LogStore", "RocksStore", "StoreError", "StoredEntry"]
