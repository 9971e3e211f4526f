"""The document's full text (text.txt): each page in reading order, OCR'd words' marks mended.

Reading order comes from the words' positions (`layout.reading_order`: the left header block, then the
right one; the recipients, then the signer). On OCR'd pages the language model (`lang.correct`) mends
non-words whose marks the OCR lost or swapped ('chuân bị' → 'chuẩn bị'); a real word is replaced only
when the OCR was unsure of it (confidence under `lang.correct.UNSURE`) and the context says so. A real
text layer is the author's own text and is never corrected. pages.json keeps the words as the OCR read
them (extraction is re-run from it) and the searchable PDF's invisible layer is Tesseract's own.
"""

from __future__ import annotations

from pipeline import layout
from pipeline.lang import correct
from pipeline.models import Line, PageText
from pipeline.text import nfc


def page_lines(page: PageText, *, mend: bool = True) -> list[str]:
    """The text lines of one page, in reading order (mended when `mend` and the page was OCR'd)."""
    lines = layout.reading_order(page.lines)
    if not mend or page.method != "ocr":
        return [ln.text for ln in lines]
    return mended(lines)


def mended(lines: list[Line]) -> list[str]:
    """Lines' words corrected by the language model, the sentence carried from line to line."""
    out = []
    start = True
    for ln in lines:
        tokens = [w.text for w in ln.words]
        fixed, _ = correct.correct(tokens, confidences=[w.confidence for w in ln.words], sentence_start=start)
        out.append(" ".join(fixed))
        start = correct.ends_sentence(tokens[-1]) if tokens else start
    return out


def document_text(pages: list[PageText], *, mend: bool = True) -> str:
    """text.txt: pages separated by form feeds, NFC."""
    return nfc("\f".join("\n".join(page_lines(p, mend=mend)) for p in pages) + "\n")


__all__ = ["document_text", "mended", "page_lines"]
