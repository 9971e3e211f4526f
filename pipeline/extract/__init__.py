"""Metadata extraction: positioned page text → header fields with evidence and review flags.

Entry point: `extract(pages) -> Extraction`. First the document's component kind (application form,
ID card, land certificate, contract, receipt, administrative document …: pipeline.extract.components,
with the QR codes of its pages); the Decree 30 header fields are read for administrative documents
(and for those of unknown kind), the kind's own fields for the others. Pure over `PageText` (plus
optional zone re-OCR and QR decoding of `PageText.image_path`), so it runs the same on OCR'd and
text-layer pages. Every field carries a 0–1 confidence; below `REVIEW_BELOW` it is listed in
`review.fields` (a person checks it), and a value that cannot be read with reasonable support is
left null rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract import components, fields, zones
from pipeline.extract.components import fillins
from pipeline.models import PageText
from pipeline.signatures import Signature
from schemas.record import Code, Component, Evidence, Metadata, Review

REVIEW_BELOW = fields.REVIEW_BELOW


@dataclass
class Extraction:
    metadata: Metadata = field(default_factory=Metadata)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    review: Review = field(default_factory=Review)
    component: Component | None = None

# Kinds read as Decree 30 documents: administrative ones, and those the classifier could not name
# (possibly an administrative document with a damaged header, flagged as today).
DECREE30_KINDS = ("administrative", "other")


def preload() -> None:
    """Load what extraction otherwise loads at its first document: the digit models (~1 s at the first
    handwritten blank) and the provinces and communes of `vietnam-provinces` (~0.25 s)."""
    from pipeline.extract import digitmodels, vocab

    digitmodels.preload()
    vocab.divisions()


def extract(pages: list[PageText], *, language: str = "vie", tessdata: Path | None = None,
            timeout: float = 60, zone_ocr: bool = True, signatures: Sequence[Signature] = (),
            codes: list[Code] | None = None, read_codes: bool = True) -> Extraction:
    """Read one document from all its pages; the PDF's digital `signatures` (document order) only
    cross-check the issue date. `codes` are QR codes decoded before (re-extraction keeps them); otherwise,
    with `read_codes`, every page image is decoded."""
    try:
        comp = components.read(pages, codes, decode=read_codes, zone=zone_ocr,
                               ocr=fillins.Ocr(language, tessdata, timeout))
        if comp.component.kind in DECREE30_KINDS:
            found = fields.read_all(pages, language=language, tessdata=tessdata, timeout=timeout, zone=zone_ocr,
                                    signatures=signatures)
            doc_type = found.get("document_type")
            if doc_type is not None and doc_type.value and comp.component.kind == "administrative":
                comp.component.document_type = str(doc_type.value)
        else:  # a citizen's paper: no Decree 30 header to miss, only the identifiers it carries
            found = fields.identifiers(pages)
    finally:
        zones.release(pages)
    values, evidence, flagged, reasons = components.assemble(found, "")
    review = Review(fields=flagged + comp.review_fields, reasons=reasons + comp.reasons)
    review.needed = bool(review.fields)
    return Extraction(Metadata(**values), evidence, review, comp.component)  # type: ignore[arg-type]
