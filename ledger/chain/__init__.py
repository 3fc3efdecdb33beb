"""Signed, hash-chained checkpoints of the log."""

from ledger.chain.checkpoint import (
    GENESIS_HASH,
    Checkpoint,
    CheckpointError,
    NodeSigner,
    decode_checkpoint,
    verify_checkpoint_signature,
    verify_link,
)

__all__ = [
    "GENESIS_HASH",
    "Checkpoint",
    "CheckpointError",
    "NodeSigner",
    "decode_checkpoint",
    "verify_checkpoint_signature",
    "verify_link",
]
