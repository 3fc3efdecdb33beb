"""The ingest pipeline: prepare, gather into blocks, verify as a batch, commit durably, acknowledge."""

from ledger.ingest.pipeline import Pipeline, PipelineConfig
from ledger.ingest.results import Receipt, Refusal, Result

__all__ = ["Pipeline", "PipelineConfig", "Receipt", "Refusal", "Result"]
