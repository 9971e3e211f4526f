"""Small value types passed between stages.

Coordinates are PDF points (1/72 inch) from the page's top-left corner for every page, OCR'd or
text-layer, so extraction and evidence never care which path a page took. All text is NFC
(`pipeline.text.nfc` guarantees it where text enters the pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (points, top-left origin)
PageMethod = Literal["text_layer", "ocr"]


@dataclass(frozen=True)
class Word:
    text: str
    bbox: BBox
    confidence: float = 100.0  # Tesseract word confidence 0–100; 100 for a real text layer
    size: float | None = None  # font size in points when the text layer knows it
    bold: bool | None = None


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


@dataclass
class PageText:
    """What one page says and where: the input of metadata extraction."""

    number: int  # 1-based
    width: float  # points
    height: float
    method: PageMethod
    lines: list[Line] = field(default_factory=list)
    image_path: Path | None = None  # upright, deskewed page image used for OCR (None for text-layer pages)
    dpi: int | None = None
    overlay_text: str = ""  # a small text layer left on a scanned page, e.g. a digital-signature stamp
    # The input PDF, to render zones from: of a text-layer page (annotations drawn), or of a scanned page
    # OCR'd as it was (image_path None; rendered as OCR saw it).
    pdf_path: Path | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def union_bbox(boxes: object) -> BBox:
    xs0, tops, xs1, bottoms = [], [], [], []
    for b in boxes:  # type: ignore[attr-defined]
        xs0.append(b[0])
        tops.append(b[1])
        xs1.append(b[2])
        bottoms.append(b[3])
    if not xs0:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs0), min(tops), max(xs1), max(bottoms))
