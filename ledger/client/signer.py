"""A member's signing key: turn CreditRecord payloads into SignedRecords."""

from __future__ import annotations

import os

import nacl.signing

from ledger.records.signing import EntryKind, entry_id, key_id, signing_message
from ledger.v1 import records_pb2


def new_nonce() -> bytes:
    """16 random bytes for CreditRecord.nonce."""
    return os.urandom(16)


class RecordSigner:
    """Signs entries under the signature rule with one Ed25519 key."""

    def __init__(self, seed: bytes) -> None:
        self._key = nacl.signing.SigningKey(seed)
        self.public_key = bytes(self._key.verify_key)
        self.key_id = key_id(self.public_key)

    @classmethod
    def generate(cls) -> RecordSigner:
        return cls(os.urandom(32))

    def sign_payload(self, payload: bytes, kind: EntryKind = EntryKind.RECORD) -> records_pb2.SignedRecord:
        """The envelope for ``payload``: signature over tag || SHA-256(payload)."""
        sig = self._key.sign(signing_message(kind, entry_id(payload))).signature
        return records_pb2.SignedRecord(payload=payload, signature=sig, key_id=self.key_id)

    def sign_record(self, record: records_pb2.CreditRecord) -> records_pb2.SignedRecord:
        """Serialize deterministically and sign."""
        return self.sign_payload(record.SerializeToString(deterministic=True))
