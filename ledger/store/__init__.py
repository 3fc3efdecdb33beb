"""Durable storage of the log: the narrow interface and its RocksDB implementation."""

from ledger.store.base import BlockWrite, EntryWrite, LogStore, StoreError, StoredEntry
from ledger.store.rocks import RocksStore

__all__ = ["BlockWrite", "EntryWrite", "LogStore", "RocksStore", "StoreError", "StoredEntry"]
