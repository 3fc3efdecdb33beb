"""The canonical leaf bytes: what the Merkle log commits to for each entry.

A leaf binds the entry kind, the entry id, the signer's key id and the signature, but not the payload:
so an erased or redacted payload leaves every leaf, proof and signature checkable.

Layout (114 bytes): version (1) | kind (1) | entry id (32) | key id (16) | signature (64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ledger.records.signing import ID_LEN, KEY_ID_LEN, SIGNATURE_LEN, EntryKind, signing_message

LEAF_VERSION: Final = 1
LEAF_LEN: Final = 2 + ID_LEN + KEY_ID_LEN + SIGNATURE_LEN


class LeafFormatError(ValueError):
    """Stored or received leaf bytes are not a valid leaf."""


@dataclass(frozen=True, slots=True)
class Leaf:
    kind: EntryKind
    entry_id: bytes
    key_id: bytes
    signature: bytes

    def encode(self) -> bytes:
        """The canonical 114 leaf bytes."""
        return encode_leaf(self.kind, self.entry_id, self.key_id, self.signature)

    def message(self) -> bytes:
        """The 47-byte message the signature covers."""
        return signing_message(self.kind, self.entry_id)


def encode_leaf(kind: EntryKind, eid: bytes, kid: bytes, signature: bytes) -> bytes:
    """Canonical leaf bytes, without building a Leaf object (hot ingest path)."""
    return bytes((LEAF_VERSION, kind)) + eid + kid + signature


def decode_leaf(data: bytes) -> Leaf:
    """Parse canonical leaf bytes. Raises LeafFormatError on wrong length, version or kind."""
    if len(data) != LEAF_LEN:
        raise LeafFormatError(f"leaf: expected {LEAF_LEN} bytes, got {len(data)}")
    if data[0] != LEAF_VERSION:
        raise LeafFormatError(f"leaf: unknown version {data[0]}")
    try:
        kind = EntryKind(data[1])
    except ValueError:
        raise LeafFormatError(f"leaf: unknown entry kind {data[1]}") from None
    o = 2
    eid = data[o : o + ID_LEN]
    o += ID_LEN
    kid = data[o : o + KEY_ID_LEN]
    o += KEY_ID_LEN
    return Leaf(kind, eid, kid, data[o:])
