"""Privacy layer: borrower pseudonyms and envelope encryption of credit payloads.

See :mod:`ledger.privacy.pseudonym` (keyed borrower refs) and :mod:`ledger.privacy.crypto`
(master key, per-borrower data keys, sealed payloads).
"""

from ledger.privacy.crypto import (
    DecryptError,
    ErasedError,
    KeyUnwrapError,
    MasterKey,
    MasterKeyError,
    PrivacyError,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)
from ledger.privacy.pseudonym import borrower_ref, normalize_national_id, short_ref

__all__ = [
    "DecryptError",
    "ErasedError",
    "KeyUnwrapError",
    "MasterKey",
    "MasterKeyError",
    "PrivacyError",
    "borrower_ref",
    "new_data_key",
    "normalize_national_id",
    "open_sealed",
    "seal",
    "short_ref",
    "unwrap_key",
    "wrap_key",
]
