"""The document's full text (text.txt): each page in reading order, OCR'd words' marks mended.

Reading order comes from the words' positions (`layout.reading_order`: the left header block, then the
right one; the recipients, then the signer). On OCR'd pages the language model (`lang.correct`) mends
non-words whose marks the OCR lost or swapped ('chuân bị' → 'chuẩn bị'); a real word is replaced only
when the OCR was unsure of it (confidence under `lang.correct.UNSURE`) and the context says so. A real
text layer is the author's own text and is never corrected. pages.json keeps the words as the OCR read
them (extraction is re-run from it).

The corrections are made once per page (`mend_page`) and given two ways: text.txt's lines, and each
word's mended text in Tesseract's word order (`page.lines` flattened, the order its text-only PDF shows
them in), which the searchable PDF's invisible layer takes (`pipeline.searchable_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import layout
from pipeline.lang import correct
from pipeline.models import Line, PageText
from pipeline.text import nfc


@dataclass(frozen=True)
class MendedPage:
    """One page's text.txt lines, and its words as read and as mended, both in the OCR's word order."""

    lines: list[str]
    read: list[str]
    words: list[str]

    @property
    def changed(self) -> bool:
        return self.read != self.words


def mend_page(page: PageText, *, mend: bool = True) -> MendedPage:
    """The page in reading order (mended when `mend` and the page was OCR'd), and per word what it became."""
    order = [w for ln in page.lines for w in ln.words]
    read = [w.text for w in order]
    lines = layout.reading_order(page.lines)
    if not mend or page.method != "ocr":
        return MendedPage([ln.text for ln in lines], read, list(read))
    fixed = _mend(lines)
    # reading_order regroups the same Word objects: their identity maps a mended token back to its place
    at = {id(w): k for k, w in enumerate(order)}
    words = list(read)
    for ln, toks in zip(lines, fixed, strict=True):
        for w, tok in zip(ln.words, toks, strict=True):
            words[at[id(w)]] = tok
    return MendedPage([" ".join(toks) for toks in fixed], read, words)


def page_lines(page: PageText, *, mend: bool = True) -> list[str]:
    """The text lines of one page, in reading order (mended when `mend` and the page was OCR'd)."""
    return mend_page(page, mend=mend).lines


def _mend(lines: list[Line]) -> list[list[str]]:
    """Lines' words corrected by the language model, the sentence carried from line to line."""
    out = []
    start = True
    for ln in lines:
        tokens = [w.text for w in ln.words]
        fixed, _ = correct.correct(tokens, confidences=[w.confidence for w in ln.words], sentence_start=start)
        out.append(fixed)
        start = correct.ends_sentence(tokens[-1]) if tokens else start
    return out


def text_of(pages: list[MendedPage]) -> str:
    """text.txt of mended pages: pages separated by form feeds, NFC."""
    return nfc("\f".join("\n".join(p.lines) for p in pages) + "\n")


def document_text(pages: list[PageText], *, mend: bool = True) -> str:
    """text.txt: pages separated by form feeds, NFC."""
    return text_of([mend_page(p, mend=mend) for p in pages])


__all__ = ["MendedPage", "document_text", "mend_page", "page_lines", "text_of"]
