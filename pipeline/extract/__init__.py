"""Metadata extraction: positioned page text → header fields with evidence and review flags.

Entry point: `extract(pages) -> Extraction`. Pure over `PageText` (plus optional zone re-OCR of
`PageText.image_path`), so it runs the same on OCR'd and text-layer pages. Every field carries a
0–1 confidence; below `REVIEW_BELOW` it is listed in `review.fields` (a person checks it), and a
value that cannot be read with reasonable support is left null rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract import fields, zones
from pipeline.models import PageText
from pipeline.signatures import Signature
from schemas.record import Evidence, Metadata, Review

REVIEW_BELOW = fields.REVIEW_BELOW


@dataclass
class Extraction:
    metadata: Metadata = field(default_factory=Metadata)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    review: Review = field(default_factory=Review)


def preload() -> None:
    """Load what extraction otherwise loads at its first handwritten blank (the digit models, ~1 s)."""
    from pipeline.extract import digitmodels

    digitmodels.preload()


def extract(pages: list[PageText], *, language: str = "vie", tessdata: Path | None = None,
            timeout: float = 60, zone_ocr: bool = True, signatures: Sequence[Signature] = ()) -> Extraction:
    """Read the header fields of one document from all its pages; the PDF's digital `signatures`
    (document order) only cross-check the issue date."""
    try:
        found = fields.read_all(pages, language=language, tessdata=tessdata, timeout=timeout, zone=zone_ocr,
                                signatures=signatures)
    finally:
        zones.release(pages)
    values: dict[str, object] = {}
    evidence: dict[str, Evidence] = {}
    review = Review()
    for name, f in found.items():
        if f.value is None or f.value == []:
            if f.reason:
                review.fields.append(name)
                review.reasons.append(f"{name}: {f.reason}")
            continue
        values[name] = f.value
        if f.bbox is not None and f.page is not None:
            evidence[name] = Evidence(page=f.page, bbox=f.bbox, confidence=round(max(0.0, min(1.0, f.confidence)), 3),
                                      source=f.source)
        if f.confidence < REVIEW_BELOW or f.reason:
            review.fields.append(name)
            review.reasons.append(f"{name}: {f.reason or 'low confidence'} ({f.confidence:.2f})")
    review.needed = bool(review.fields)
    return Extraction(Metadata(**values), evidence, review)  # type: ignore[arg-type]
