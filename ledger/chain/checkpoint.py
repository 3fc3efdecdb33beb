"""Checkpoints: tree size, root, time and the previous checkpoint's hash, signed by the node.

Encoding is a fixed binary layout (not protobuf) so the signed bytes never depend on a serializer:
``sequence u64 | tree_size u64 | timestamp_ms i64 | root 32 | previous 32 | node key id 16 |
log id length u16 | log id utf-8``. The node signs ``CHECKPOINT_TAG || SHA-256(body)`` (47 bytes, the
same shape as member signatures). A checkpoint's hash, which the next one links to, is
``SHA-256(body || signature)``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing

from ledger.records.signing import CHECKPOINT_TAG, key_id

GENESIS_HASH = bytes(32)
_HEAD = struct.Struct(">QQq")


class CheckpointError(ValueError):
    """A checkpoint is malformed, badly signed, or does not link to its predecessor."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: int
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    previous_hash: bytes
    node_key_id: bytes
    log_id: str
    signature: bytes = b""

    def body(self) -> bytes:
        """The bytes the signature commits to."""
        lid = self.log_id.encode()
        return (
            _HEAD.pack(self.sequence, self.tree_size, self.timestamp_ms)
            + self.root_hash
            + self.previous_hash
            + self.node_key_id
            + struct.pack(">H", len(lid))
            + lid
        )

    def signed_message(self) -> bytes:
        return CHECKPOINT_TAG + hashlib.sha256(self.body()).digest()

    def hash(self) -> bytes:
        """What the next checkpoint's previous_hash must equal."""
        return hashlib.sha256(self.body() + self.signature).digest()

    def encode(self) -> bytes:
        """Body followed by the 64-byte signature."""
        return self.body() + self.signature


def decode_checkpoint(data: bytes) -> Checkpoint:
    """Parse encoded checkpoint bytes. Raises CheckpointError naming the broken field."""
    fixed = _HEAD.size + 32 + 32 + 16 + 2
    if len(data) < fixed + 64:
        raise CheckpointError(f"checkpoint: {len(data)} bytes is too short")
    seq, size, ts = _HEAD.unpack_from(data, 0)
    o = _HEAD.size
    root, prev, kid = data[o : o + 32], data[o + 32 : o + 64], data[o + 64 : o + 80]
    (n,) = struct.unpack_from(">H", data, o + 80)
    o += 82
    if len(data) != o + n + 64:
        raise CheckpointError("checkpoint: length does not match its log id and signature")
    try:
        log_id = data[o : o + n].decode()
    except UnicodeDecodeError:
        raise CheckpointError("checkpoint: log_id is not UTF-8") from None
    return Checkpoint(seq, size, ts, root, prev, kid, log_id, data[o + n :])


def verify_checkpoint_signature(cp: Checkpoint, node_public_key: bytes) -> None:
    """Raise CheckpointError unless ``cp`` is signed by ``node_public_key`` under the signature rule."""
    if cp.node_key_id != key_id(node_public_key):
        raise CheckpointError(f"checkpoint {cp.sequence}: node_key_id does not match the node key")
    try:
        sodium.crypto_sign_open(cp.signature + cp.signed_message(), node_public_key)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        raise CheckpointError(f"checkpoint {cp.sequence}: bad signature") from None


def verify_link(prev: Checkpoint | None, cp: Checkpoint) -> None:
    """Raise CheckpointError unless ``cp`` directly follows ``prev`` (None: cp is the first)."""
    if prev is None:
        if cp.sequence != 0 or cp.previous_hash != GENESIS_HASH:
            raise CheckpointError(f"checkpoint {cp.sequence}: first checkpoint must have sequence 0")
        return
    if cp.sequence != prev.sequence + 1:
        raise CheckpointError(f"checkpoint {cp.sequence}: sequence does not follow {prev.sequence}")
    if cp.previous_hash != prev.hash():
        raise CheckpointError(f"checkpoint {cp.sequence}: previous_hash does not match checkpoint {prev.sequence}")
    if cp.tree_size < prev.tree_size:
        raise CheckpointError(f"checkpoint {cp.sequence}: tree shrank from {prev.tree_size} to {cp.tree_size}")
    if cp.timestamp_ms < prev.timestamp_ms:
        raise CheckpointError(f"checkpoint {cp.sequence}: time went backwards")


class NodeSigner:
    """The node's checkpoint signing key. Holds a 32-byte Ed25519 seed."""

    def __init__(self, seed: bytes, log_id: str) -> None:
        self._key = nacl.signing.SigningKey(seed)
        self.public_key = bytes(self._key.verify_key)
        self.key_id = key_id(self.public_key)
        self.log_id = log_id

    def sign_entry(self, message: bytes) -> bytes:
        """The node's signature over a 47-byte entry message (e.g. a RETENTION entry)."""
        return bytes(self._key.sign(message).signature)

    def sign_next(self, prev: Checkpoint | None, tree_size: int, root: bytes, now_ms: int) -> Checkpoint:
        """The checkpoint following ``prev`` for the given tree, signed. Time never goes backwards."""
        seq = 0 if prev is None else prev.sequence + 1
        prev_hash = GENESIS_HASH if prev is None else prev.hash()
        ts = now_ms if prev is None else max(now_ms, prev.timestamp_ms)
        unsigned = Checkpoint(seq, tree_size, ts, root, prev_hash, self.key_id, self.log_id)
        sig = self._key.sign(unsigned.signed_message()).signature
        return Checkpoint(seq, tree_size, ts, root, prev_hash, self.key_id, self.log_id, sig)
