"""Key layout of the risk side's index rows in the store's ``meta`` column family.

Each row is written in the same synced batch as the entry that creates or closes it.
"""

from __future__ import annotations

from typing import Final

SUPERSEDED: Final = b"sup/"  # superseded record id || correction id -> b"\x01"
DISPUTE: Final = b"dsp/"  # dispute id -> deadline day u32 || record id || borrower ref (open disputes only)
DISPUTE_BY_RECORD: Final = b"dspr/"  # record id || dispute id -> b"\x01" (open disputes only)
