"""Metadata extraction: positioned page text → header fields with evidence and review flags.

Entry point: `extract(pages) -> Extraction`. Pure over `PageText` (plus optional zone re-OCR of
`PageText.image_path`), so it runs the same on OCR'd and text-layer pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.models import PageText
from schemas.record import Evidence, Metadata, Review


@dataclass
class Extraction:
    metadata: Metadata = field(default_factory=Metadata)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    review: Review = field(default_factory=Review)


def extract(pages: list[PageText], *, language: str = "vie", tessdata=None, timeout: float = 60) -> Extraction:
    """Placeholder until the extraction package lands (issue 3)."""
    return Extraction()
