"""Evidence for the operator: per flagged field, a crop of the archived page around what was read.

The crop is rendered from the archived searchable PDF (its page images are the scan as archived)
with pypdfium2, around the field's evidence bbox. A field left null has no bbox of its own (a blank
number, an unreadable day): the crop then frames the line of a neighbour read on the same line
(the symbol beside the number, the place before the date) or, failing that, the page's header.
Crops are stored as `records/{id}/evidence/{field}.png`, so the UI, the terminal and a later audit
show the same picture.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from pipeline.archive import Archive, keys
from pipeline.ocr import render_pdf_page
from pipeline.review import form

DPI = 144  # twice screen resolution: handwriting stays legible, a crop stays ~20 KB
# A null field's crop frames the line of a field read beside it.
NEIGHBOURS = {
    "number": ("symbol", "number_symbol"), "number_symbol": ("symbol",), "symbol": ("number_symbol",),
    "issued_date": ("issued_place",), "issued_place": ("issued_date",),
    "document_type": ("summary",), "document_type_code": ("document_type",), "summary": ("document_type",),
    "signer_name": ("signer_title",), "signer_title": ("signer_name",),
    "issuing_agency": ("parent_agency",), "parent_agency": ("issuing_agency",),
}
PAD_X, PAD_Y = 90.0, 16.0  # points around the bbox: the blank beside a read, the handwriting above it
HEADER = 0.38  # the share of page 1 shown when nothing locates a field (the Decree 30 header)


@dataclass
class FieldEvidence:
    """What the operator sees for one flagged field."""

    name: str
    value: Any
    reason: str
    confidence: float | None
    page: int | None
    located: str  # "evidence" | "neighbour:<field>" | "header" | "none"
    crop_key: str | None = None
    png: bytes | None = None


def reason_of(record: dict[str, Any], name: str) -> str:
    """The machine's reason for flagging `name` ("number: blank left empty" → "blank left empty")."""
    for r in (record.get("review") or {}).get("reasons") or []:
        if r.startswith(f"{name}:"):
            return r[len(name) + 1:].strip()
    return "flagged for review"


def region(record: dict[str, Any], name: str) -> tuple[int, tuple[float, float, float, float] | None, str]:
    """(page, bbox in points from the top-left or None for the header, how it was located)."""
    evidence = record.get("evidence") or {}
    own = form.evidence_of(record, name)
    if own:
        return int(own["page"]), _pad(own["bbox"]), "evidence"
    for other in NEIGHBOURS.get(name, ()):
        if other in evidence:
            return int(evidence[other]["page"]), _pad(evidence[other]["bbox"], wide=True), f"neighbour:{other}"
    return 1, None, "header"


def _pad(bbox: list[float], *, wide: bool = False) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    dx = PAD_X * (1.6 if wide else 1.0)
    return x0 - dx, top - PAD_Y, x1 + dx, bottom + PAD_Y


def crop(page_image: Image.Image, page_points: tuple[float, float],
         box: tuple[float, float, float, float] | None) -> Image.Image:
    """Cut `box` (points, top-left origin; None: the header) out of a page rendered at any resolution."""
    sx, sy = page_image.width / page_points[0], page_image.height / page_points[1]
    if box is None:
        box = (0.0, 0.0, page_points[0], page_points[1] * HEADER)
    x0, top, x1, bottom = box
    left, upper = max(0, round(x0 * sx)), max(0, round(top * sy))
    right, lower = min(page_image.width, round(x1 * sx)), min(page_image.height, round(bottom * sy))
    return page_image.crop((left, upper, max(right, left + 1), max(lower, upper + 1)))


def build(archive: Archive, record: dict[str, Any], *, store: bool = True) -> list[FieldEvidence]:
    """The evidence of every flagged field of `record`, crops rendered and (by default) archived."""
    names = list((record.get("review") or {}).get("fields") or [])
    out = [FieldEvidence(n, form.value_of(record, n), reason_of(record, n),
                         (form.evidence_of(record, n) or {}).get("confidence"), None, "none") for n in names]
    pdf_key = (record.get("artifacts") or {}).get("searchable_pdf")
    if not out or not pdf_key or not archive.exists(pdf_key):
        return out
    doc = record["document_id"]
    with tempfile.TemporaryDirectory(prefix="sohoa-review-") as tmp:
        pdf = archive.download(pdf_key, Path(tmp) / "searchable.pdf")
        rendered: dict[int, tuple[Image.Image, tuple[float, float]]] = {}
        for fe in out:
            page, box, fe.located = region(record, fe.name)
            fe.page = page
            if page not in rendered:
                rendered[page] = _render(pdf, page)
            image, points = rendered[page]
            buf = io.BytesIO()
            crop(image, points, box).save(buf, "PNG", optimize=True)
            fe.png = buf.getvalue()
            fe.crop_key = keys.evidence_crop(doc, fe.name)
            if store:
                archive.put_bytes(fe.crop_key, fe.png, content_type="image/png", metadata={"document-id": doc})
    return out


def _render(pdf: Path, number: int) -> tuple[Image.Image, tuple[float, float]]:
    """Page `number` at DPI, in gray (crops are for reading, and gray PNGs are a third the size), and its
    size in points."""
    image = render_pdf_page(pdf, number, DPI).convert("L")
    return image, (image.width * 72 / DPI, image.height * 72 / DPI)
