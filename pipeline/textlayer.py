"""Real text layers, taken with pdfplumber instead of OCR — when they are real.

A text layer is not trusted blindly: legacy TCVN3/VNI fonts extract as mojibake, unmapped fonts
as `(cid:N)` glyphs, and a signed scan often carries only the few hundred characters of its
digital-signature stamp over a page image. Those pages are OCR'd; the stamp text is kept aside
for cross-checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.layout import group_words
from pipeline.locks import PDFIUM
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


WORD_OPTIONS = {"keep_blank_chars": False, "use_text_flow": False, "extra_attrs": ["size", "fontname"],
                "x_tolerance": 1.5}


def page_words(page: object) -> list[Word]:
    """pdfplumber words in points, NFC, with font size and boldness."""
    from pdfplumber.utils import extract_words

    out = []
    for w in extract_words(list(_chars(page)), **WORD_OPTIONS):
        text = nfc(w["text"]).strip()
        if not text:
            continue
        bold = "bold" in str(w.get("fontname", "")).lower()
        out.append(Word(text, (w["x0"], w["top"], w["x1"], w["bottom"]), 100.0, w.get("size"), bold))
    return out


def _chars(page: object) -> Iterator[dict[str, object]]:
    """The page's characters as `page.chars` gives them, with only what the word extractor reads.

    `page.chars` first resolves every character's colours, colour space and graphics state — half the
    cost of a born-digital page, for attributes words never use. These are the same characters from
    pdfplumber's parsed layout (`page.layout`), in the same order and coordinates (mediabox offsets
    applied as pdfplumber does); tests hold `page_words` equal to `page.extract_words`.
    """
    from pdfminer.layout import LTChar, LTContainer
    from pdfplumber.page import fix_fontname_bytes

    mb_x0, mb_top = page.mediabox[:2]  # type: ignore[attr-defined]
    height, doctop = page.height, page.initial_doctop  # type: ignore[attr-defined]
    norm = page.pdf.unicode_norm  # type: ignore[attr-defined]

    def walk(objs: list[object]) -> Iterator[dict[str, object]]:
        for obj in objs:
            if isinstance(obj, LTContainer):
                yield from walk(obj._objs)
            elif isinstance(obj, LTChar):
                text = obj.get_text()
                fontname = obj.fontname
                top = height - obj.y1 + mb_top
                yield {"text": unicodedata.normalize(norm, text) if norm else text,
                       "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0, "top": top, "bottom": height - obj.y0 + mb_top,
                       "doctop": doctop + top, "width": obj.width, "height": obj.height,
                       "upright": obj.upright, "size": obj.size,
                       "fontname": fix_fontname_bytes(fontname) if isinstance(fontname, bytes) else fontname}

    yield from walk(page.layout._objs)  # type: ignore[attr-defined]


def page_lines(page: object) -> list[Line]:
    return group_words(page_words(page))


def lines_of_pages(path: Path, numbers: list[int]) -> list[list[Line]]:
    """`page_lines` of some pages (1-based), in a page worker: a long text layer is read in parallel."""
    import pdfplumber

    out = []
    with pdfplumber.open(path) as pdf:
        for n in numbers:
            out.append(page_lines(pdf.pages[n - 1]))
            pdf.pages[n - 1].close()
    return out


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


@dataclass
class PdfiumPage:
    """One PDF page's text layer as pdfium reads it: ~20× faster than pdfplumber (C++ vs Python).

    `text` and `image_coverage` feed `judge()`; `words` (same contract as `page_words`: points from
    the top-left corner of the unrotated page, NFC, font size and boldness) only when asked for.
    """

    number: int
    width: float
    height: float
    rotation: int
    text: str
    image_coverage: float
    words: list[Word] | None = field(repr=False, default=None)

    def lines(self) -> list[Line]:
        return group_words(self.words or [])


def pdfium_pages(path: Path, *, words: bool = False) -> list[PdfiumPage]:
    """Every page of `path` in order, read at once under the process's PDFium lock."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out: list[PdfiumPage] = []
    with PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                try:
                    width, height = page.get_size()
                    area = 0.0
                    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                        x0, y0, x1, y1 = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
                        x0, x1, y0, y1 = max(0.0, x0), min(width, x1), max(0.0, y0), min(height, y1)
                        if x1 > x0 and y1 > y0:
                            area += (x1 - x0) * (y1 - y0)
                    coverage = min(1.0, area / (width * height)) if width and height else 0.0
                    out.append(PdfiumPage(i + 1, width, height, page.get_rotation() % 360,
                                          nfc(textpage.get_text_range()), coverage,
                                          _pdfium_words(textpage, height) if words else None))
                finally:
                    textpage.close()
                    page.close()
        finally:
            pdf.close()
    return out


def _pdfium_words(textpage: object, height: float) -> list[Word]:
    """Words are the runs of non-space characters in pdfium's text, which already has spaces and line
    breaks generated where glyphs are apart; only each word's first and last glyph are measured."""
    import ctypes

    import pypdfium2.raw as raw

    tp = textpage.raw  # type: ignore[attr-defined]
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    buf = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(tp, 0, n, buf)
    text = bytes(buf)[: max(0, got - 1) * 2].decode("utf-16-le", errors="replace")
    if len(text) != n:  # characters outside the BMP: indices no longer line up, read one by one
        text = "".join(chr(raw.FPDFText_GetUnicode(tp, i) or 32) for i in range(n))
    first, last = raw.FS_RECTF(), raw.FS_RECTF()  # loose boxes: advance width, as pdfplumber measures
    info = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    words: list[Word] = []
    for m in _WORD.finditer(text):
        word = nfc(m.group()).strip()
        if not word:
            continue
        i, j = m.start(), m.end() - 1
        raw.FPDFText_GetLooseCharBox(tp, i, ctypes.byref(first))
        raw.FPDFText_GetLooseCharBox(tp, j, ctypes.byref(last))
        x0, x1 = min(first.left, last.left), max(first.right, last.right)
        bottom = height - min(first.bottom, first.top, last.bottom, last.top)
        size = raw.FPDFText_GetFontSize(tp, i)
        top = bottom - size if size > 0 else height - max(first.top, last.top, first.bottom, last.bottom)
        bold = raw.FPDFText_GetFontWeight(tp, i) >= 600
        if not bold:
            k = raw.FPDFText_GetFontInfo(tp, i, info, 128, ctypes.byref(flags))
            bold = "bold" in info.value[: max(0, k - 1)].decode("utf-8", "replace").lower()
        words.append(Word(word, (x0, top, x1, bottom), 100.0, round(size, 2) if size > 0 else None, bold))
    return words


_WORD = re.compile(r"[^\s\x00-\x1f\ufffe\uffff]+")


