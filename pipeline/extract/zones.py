"""Where the header and signer fields sit on a page, and zone re-OCR of those places.

Tesseract often joins the left column (agency, number) and the right column (national title, date) of
one baseline into a single line; `segments` splits lines at wide gaps so each column is read alone.
Zone re-OCR crops the page image around a field, whitens red and blue ink (seals, stamps, signatures)
and OCRs the crop again with a page-segmentation mode suited to a block or a single line.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import layout, tesseract
from pipeline.errors import SohoaError
from pipeline.models import BBox, Line, PageText

log = logging.getLogger(__name__)

COLUMN_GAP = 32.0  # points; wider than any word gap in justified body text at 13–14 pt


@dataclass(frozen=True)
class Segment:
    """One column-piece of a line, with its page."""

    line: Line
    page: int

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def bbox(self) -> BBox:
        return self.line.bbox

    @property
    def confidence(self) -> float:
        return self.line.confidence / 100.0

    @property
    def center_x(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def segments(page: PageText, *, gap: float = COLUMN_GAP) -> list[Segment]:
    """Lines split at horizontal gaps wider than `gap`, top to bottom."""
    out: list[Segment] = []
    for line in page.lines:
        current = [line.words[0]] if line.words else []
        for w in line.words[1:]:
            if w.bbox[0] - current[-1].bbox[2] > gap:
                out.append(Segment(Line(tuple(current)), page.number))
                current = []
            current.append(w)
        if current:
            out.append(Segment(Line(tuple(current)), page.number))
    out.sort(key=lambda s: (round(s.bbox[1] / 4), s.bbox[0]))
    return out


def is_blank(page: PageText) -> bool:
    """A page with (almost) nothing printed: a blank back, or only seal bleed-through."""
    words = [w for ln in page.lines for w in ln.words if w.confidence >= 60 and len(w.text) > 1]
    return len(words) < 8


def remove_ink(img: Image.Image, *, red: bool = True, blue: bool = True) -> Image.Image:
    """Whiten strongly red (seals, stamps) and blue (signatures, margin notes) pixels, then grey."""
    a = np.asarray(img.convert("RGB")).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mask = np.zeros(r.shape, dtype=bool)
    if red:
        mask |= (r - np.maximum(g, b) > 40) & (r > 110)
    if blue:
        mask |= (b - r > 30) & (b - g > 10)
    a[mask] = 255
    grey = (0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]).clip(0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L")


def zone_ocr(
    page: PageText,
    bbox: BBox,
    *,
    psm: int = 6,
    red: bool = True,
    blue: bool = True,
    scale: float = 1.0,
    whitelist: str | None = None,
    language: str = "vie",
    tessdata: Path | None = None,
    timeout: float = 60,
) -> list[Line] | None:
    """OCR one zone (points) of the page image again; lines come back in page points. None when the page
    has no image or Tesseract fails (zone re-OCR only ever adds evidence)."""
    if page.image_path is None or not page.dpi or not Path(page.image_path).exists():
        return None
    k = page.dpi / 72.0
    try:
        with Image.open(page.image_path) as im:
            x0, y0 = max(0, int(bbox[0] * k)), max(0, int(bbox[1] * k))
            x1, y1 = min(im.width, int(bbox[2] * k)), min(im.height, int(bbox[3] * k))
            if x1 - x0 < 8 or y1 - y0 < 8:
                return None
            crop = remove_ink(im.crop((x0, y0, x1, y1)), red=red, blue=blue)
        if scale != 1.0:
            crop = crop.resize((int(crop.width * scale), int(crop.height * scale)), Image.Resampling.LANCZOS)
        config = {"tessedit_char_whitelist": whitelist} if whitelist else None
        dpi = round(page.dpi * scale)
        with tempfile.TemporaryDirectory(prefix="sohoa-zone-") as tmp:
            png = Path(tmp) / "zone.png"
            crop.save(png)
            out = tesseract.run(png, Path(tmp) / "zone", language=language, tessdata=tessdata, psm=psm,
                                dpi=dpi, outputs=("tsv",), timeout=timeout, config=config)
        return layout.parse_tsv(out.tsv, dpi, offset=(x0 / k, y0 / k))
    except (SohoaError, OSError, ValueError) as e:
        log.info("zone re-OCR failed on page %d: %s", page.number, e)
        return None
