"""Run settings shown as forms in the Prefect UI (the digitization options are `pipeline.options.Options`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RunSettings(BaseModel):
    """How a run takes dossiers from the inbox and what it does with them afterwards."""

    move_processed: bool = Field(
        True, title="Move processed inputs",
        description="Move inputs to INBOX/processed/<dossier>/ once their record is verified in the archive "
                    "(quarantined ones to INBOX/processed/quarantine/<dossier>/).")
    max_dossiers: int = Field(
        0, ge=0, le=100_000, title="Dossiers per run",
        description="Claim at most this many dossiers at a time (0: all at once). With a batch size the run "
                    "takes batch after batch until no free dossier is left, so several runs share the inbox.")
    parallel_runs: int = Field(
        1, ge=1, le=64, title="Parallel runs",
        description="From a deployment: start this many runs in all (the extra ones go to idle workers of the pool); "
                    "each takes batches of 'Dossiers per run' until the inbox is drained.")
    lease_minutes: float = Field(
        120, ge=1, le=24 * 60, title="Dossier lease (minutes)",
        description="How long a run's claim on a dossier lasts without renewal; renewed as documents finish.")
    claim_settle_seconds: float = Field(
        1.0, ge=0, le=60, title="Claim settle time (s)",
        description="Wait between writing a claim and reading it back; longer is safer on slow stores.")


class ReprocessRequest(BaseModel):
    """Which archived documents `reprocess` re-extracts."""

    dossier: str | None = Field(None, title="Dossier", description="Only this dossier's documents (default: all).",
                                max_length=200)
    document_ids: list[str] = Field(default_factory=list, title="Document ids",
                                    description="Only these documents (sha256); empty: all selected by dossier.")
    reocr: bool = Field(False, title="Re-OCR",
                        description="Run OCR again from the archived originals (e.g. after OCR settings changed) "
                                    "instead of re-using the stored page words.")
    limit: int = Field(0, ge=0, le=1_000_000, title="At most", description="Stop after this many documents (0: all).")
