"""Real text layers, taken with pdfplumber instead of OCR — when they are real.

A text layer is not trusted blindly: legacy TCVN3/VNI fonts extract as mojibake, unmapped fonts
as `(cid:N)` glyphs, and a signed scan often carries only the few hundred characters of its
digital-signature stamp over a page image. Those pages are OCR'd; the stamp text is kept aside
for cross-checks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.layout import group_words
from pipeline.models import Line, Word
from pipeline.text import nfc

_VIET_LETTERS = set(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz"
)
_CID = re.compile(r"\(cid:\d+\)")
MIN_REAL_CHARS = 40  # fewer characters than a single line of body text: nothing to take
STAMP_CHARS = 600  # a signature stamp or a handful of labels over a page image


@dataclass
class LayerVerdict:
    use_text: bool
    reason: str
    chars: int


def letter_ratio(text: str) -> float:
    """Share of letters that belong to the Vietnamese alphabet (TCVN3/VNI mojibake scores low)."""
    letters = [c for c in unicodedata.normalize("NFC", text.lower()) if c.isalpha()]
    if not letters:
        return 0.0
    return sum(c in _VIET_LETTERS for c in letters) / len(letters)


def judge(text: str, image_coverage: float) -> LayerVerdict:
    """Should this page's text layer be used instead of OCR?

    `image_coverage` is the share of the page covered by raster images (0–1).
    """
    cids = len(_CID.findall(text))
    clean = _CID.sub("", text)
    chars = sum(not c.isspace() for c in clean)
    if chars < MIN_REAL_CHARS and cids == 0:
        return LayerVerdict(False, "no text layer" if chars == 0 else "almost no text", chars)
    if cids > 0 and cids * 5 > chars:
        return LayerVerdict(False, f"{cids} (cid:N) glyphs: fonts without a Unicode map", chars)
    if letter_ratio(clean) < 0.93:
        return LayerVerdict(False, "text is not Vietnamese (legacy TCVN3/VNI font?)", chars)
    if image_coverage > 0.5 and chars < STAMP_CHARS:
        return LayerVerdict(False, "scanned page under a small text layer (signature stamp?)", chars)
    return LayerVerdict(True, "real text layer", chars)


def page_words(page: object) -> list[Word]:
    """pdfplumber words in points, NFC, with font size and boldness."""
    words = page.extract_words(  # type: ignore[attr-defined]
        keep_blank_chars=False, use_text_flow=False, extra_attrs=["size", "fontname"], x_tolerance=1.5
    )
    out = []
    for w in words:
        text = nfc(w["text"]).strip()
        if not text:
            continue
        bold = "bold" in str(w.get("fontname", "")).lower()
        out.append(Word(text, (w["x0"], w["top"], w["x1"], w["bottom"]), 100.0, w.get("size"), bold))
    return out


def page_lines(page: object) -> list[Line]:
    return group_words(page_words(page))


def image_coverage(page: object) -> float:
    """Share of the page area covered by images (clipped to the page)."""
    width, height = page.width, page.height  # type: ignore[attr-defined]
    area = 0.0
    for im in page.images:  # type: ignore[attr-defined]
        x0, x1 = max(0.0, im["x0"]), min(width, im["x1"])
        top, bottom = max(0.0, im["top"]), min(height, im["bottom"])
        if x1 > x0 and bottom > top:
            area += (x1 - x0) * (bottom - top)
    return min(1.0, area / (width * height)) if width and height else 0.0
