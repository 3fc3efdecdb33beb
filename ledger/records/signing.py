"""The signature rule: what a member signs, and how every verifier decides.

THE RULE (every verifier path implements exactly this; see docs/SIGNATURE_RULE.md):

* Signed message: a 15-byte domain-separation tag for the entry kind, followed by the 32-byte
  entry id (for credit records, ``record_id = SHA-256(payload bytes as submitted)``). The message is
  always 47 bytes, so ``R || A || M`` is 111 bytes and SHA-512 of it is one compression block.
* Ed25519 (RFC 8032) with libsodium's strict checks:
  - S must be canonical: S < L;
  - A (public key) must be a canonical encoding (y < p) and not one of the small-order encodings;
  - R must not be a small-order encoding, and must equal the canonical encoding of the recomputed
    point (so a non-canonical R never verifies);
  - the cofactorless equation [S]B = R + [k]A, with k = SHA-512(R || A || M) mod L.
* A key is registered only if it is canonical and of prime order (libsodium
  ``crypto_core_ed25519_is_valid_point``).
"""

from __future__ import annotations

import hashlib
from enum import IntEnum
from typing import Final

TAG_LEN: Final = 15
ID_LEN: Final = 32
MESSAGE_LEN: Final = TAG_LEN + ID_LEN
KEY_ID_LEN: Final = 16
SIGNATURE_LEN: Final = 64
PUBLIC_KEY_LEN: Final = 32


class EntryKind(IntEnum):
    """Kinds of entries in the one Merkle log. Values are stored; never renumber."""

    RECORD = 1
    MEMBERSHIP = 2
    INQUIRY = 3
    DISPUTE = 4
    DISPUTE_RESOLUTION = 5
    ERASURE = 6
    RETENTION = 7


# One tag per entry kind, plus checkpoints. Fixed length keeps the GPU message fixed-size.
_TAGS: Final[dict[EntryKind, bytes]] = {
    EntryKind.RECORD: b"CREDITLEDGER-R1",
    EntryKind.MEMBERSHIP: b"CREDITLEDGER-M1",
    EntryKind.INQUIRY: b"CREDITLEDGER-Q1",
    EntryKind.DISPUTE: b"CREDITLEDGER-D1",
    EntryKind.DISPUTE_RESOLUTION: b"CREDITLEDGER-A1",
    EntryKind.ERASURE: b"CREDITLEDGER-E1",
    EntryKind.RETENTION: b"CREDITLEDGER-T1",
}
CHECKPOINT_TAG: Final = b"CREDITLEDGER-C1"
assert all(len(t) == TAG_LEN for t in _TAGS.values()) and len(CHECKPOINT_TAG) == TAG_LEN


def entry_id(payload: bytes) -> bytes:
    """The id of an entry: SHA-256 of its payload bytes exactly as submitted."""
    return hashlib.sha256(payload).digest()


def signing_message(kind: EntryKind, eid: bytes) -> bytes:
    """The 47-byte message a member signs for an entry of ``kind`` with id ``eid``.

    Raises ValueError if ``eid`` is not 32 bytes.
    """
    if len(eid) != ID_LEN:
        raise ValueError(f"entry id must be {ID_LEN} bytes, got {len(eid)}")
    return _TAGS[kind] + eid


def key_id(public_key: bytes) -> bytes:
    """The 16-byte key id of an Ed25519 public key: the first 16 bytes of its SHA-256."""
    return hashlib.sha256(public_key).digest()[:KEY_ID_LEN]
