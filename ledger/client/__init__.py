"""Client library: sign and submit records, fetch answers and verify every proof before use."""

from ledger.client.channel import open_channel
from ledger.client.client import LedgerClient, VerificationError, VerifiedEntry
from ledger.client.signer import RecordSigner, new_nonce

__all__ = ["LedgerClient", "RecordSigner", "VerificationError", "VerifiedEntry", "new_nonce", "open_channel"]
