"""Run settings shown as forms in the Prefect UI (the digitization options are `pipeline.options.Options`)."""

from __future__ import annotations

from typing import Literal

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
    start_review: bool = Field(
        True, title="Start the review",
        description="From a deployment: start a run of review/on-demand for the documents this run flagged "
                    "for review (an operator answers it in the UI). Elsewhere the summary says what to review.")


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


class ReviewRequest(BaseModel):
    """Which documents the `review` flow puts before an operator, and how the run waits for the answers."""

    dossier: str | None = Field(None, title="Dossier", max_length=200,
                                description="Only this dossier's documents (default: every pending one).")
    document_ids: list[str] = Field(default_factory=list, title="Document ids",
                                    description="Only these documents (sha256 or a unique prefix).")
    limit: int = Field(0, ge=0, le=100_000, title="At most", description="Documents in this run (0: all pending).")
    reviewer: str = Field("", max_length=100, title="Reviewer",
                          description="Prefills 'Your name' in each form (stored as review.reviewed_by).")
    wait: Literal["suspend", "pause"] = Field(
        "suspend", title="Wait by",
        description="suspend: the run leaves its worker while it waits and starts again from the top when "
                    "resumed (needs a deployment); pause: the run keeps its process and slot while it waits.")
    timeout_hours: float = Field(0, ge=0, le=24 * 365, title="Give up after (hours)",
                                 description="Fail a run nobody answers after this long (0: suspend waits "
                                             "without end; a pause waits 24 h).")
