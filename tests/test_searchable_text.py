"""The searchable PDF's invisible layer takes text.txt's corrections, only where it matches word for word."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from pipeline import fulltext, searchable
from pipeline.fulltext import MendedPage
from pipeline.models import PageText
from pipeline.ocr import PageJob, PageOcr, ocr_page
from pipeline.searchable_text import mend_layer
from pipeline.synth import Document, render_page

CODE = "12/2024/QĐ-UBND"


@pytest.fixture(scope="module")
def ocr(tmp_path_factory: pytest.TempPathFactory) -> PageOcr:
    """One rendered page printed with OCR-like non-words ('QUYÉT', 'chuân'), read by Tesseract."""
    tmp = tmp_path_factory.mktemp("layer")
    image, _ = render_page(Document(number="12/2024", type_name="QUYÉT ĐỊNH", body="Nội dung ngắn.",
                                    summary_lines=("Về việc chuân bị số hóa hồ sơ", "thủ tục hành chính")))
    path = tmp / "page.png"
    image.save(path, dpi=(300, 300))
    return ocr_page(PageJob(path, "image/png", 1, 0, 300, tmp, "vie", None, 300, 200, True, True, 180))


def _page(result: PageOcr) -> PageText:
    return PageText(result.number, result.width, result.height, "ocr", result.lines, dpi=result.dpi)


def _layer(result: PageOcr, mended: MendedPage | None, path: Path, textonly: Path | None = None) -> list[dict]:
    """The layer's words as pdfplumber reads them, placed over a blank page as the searchable PDF places it."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(result.width, result.height))
        searchable.overlay(pdf, 0, textonly or result.textonly_pdf, mended)
        pdf.save(path)
    with pdfplumber.open(path) as doc:
        return doc.pages[0].extract_words()


def _spans(path: Path) -> list[tuple[float, float]]:
    """Where each shown string starts and where it ends, its trailing space included (the box Tz fills)."""
    with pdfplumber.open(path) as doc:
        chars = doc.pages[0].chars
    out, start = [], None
    for c in chars:
        start = c["x0"] if start is None else start
        if c["text"] == " ":
            out.append((start, c["x1"]))
            start = None
    return out


def _form(path: Path) -> tuple[pikepdf.Pdf, pikepdf.Stream]:
    pdf = pikepdf.open(path)
    return pdf, pdf.pages[0].as_form_xobject()


def test_ocr_non_words_are_mended_in_the_pdf_layer_at_the_same_place(ocr, tmp_path):
    mended = fulltext.mend_page(_page(ocr))
    assert "chuân" in mended.read and "QUYÉT" in mended.read
    raw = _layer(ocr, None, tmp_path / "raw.pdf")
    fixed = _layer(ocr, mended, tmp_path / "mended.pdf")
    assert [w["text"] for w in raw] == mended.read  # Tesseract's layer: the words read, in their order
    assert [w["text"] for w in fixed] == mended.words
    k = mended.read.index("chuân")
    assert fixed[k]["text"] == "chuẩn" and mended.words[mended.read.index("QUYÉT")] == "QUYẾT"
    for a, b in zip(raw, fixed, strict=True):  # every word where Tesseract put it
        assert [a[c] for c in ("x0", "x1", "top", "bottom")] == pytest.approx([b[c] for c in ("x0", "x1", "top",
                                                                                                "bottom")], abs=0.01)


def test_codes_with_digits_never_change_in_the_layer(ocr, tmp_path):
    mended = fulltext.mend_page(_page(ocr))
    assert CODE in mended.read
    for read, word in zip(mended.read, mended.words, strict=True):
        if any(c.isdigit() for c in read):
            assert word == read
    assert CODE in [w["text"] for w in _layer(ocr, mended, tmp_path / "mended.pdf")]


def test_page_whose_layer_does_not_match_the_words_read_is_left_untouched(ocr, tmp_path, caplog):
    mended = fulltext.mend_page(_page(ocr))
    pdf, form = _form(ocr.textonly_pdf)
    before = form.read_bytes()
    k = mended.read.index("chuân")
    cases = [
        mended.read[:-1],  # a word the layer has and the read lacks
        [*mended.read, "thêm"],  # a word read that the layer lacks
        [*mended.read[:k], mended.read[k + 1], mended.read[k], *mended.read[k + 2:]],  # two words swapped
    ]
    with caplog.at_level(logging.DEBUG, logger="pipeline.searchable_text"):
        for read in cases:
            words = [w.replace("chuân", "chuẩn").replace("QUYÉT", "QUYẾT") for w in read]
            assert words != read
            assert mend_layer(form, read, words, page=1) == 0
            assert form.read_bytes() == before
    assert sum("left as Tesseract wrote it" in r.message for r in caplog.records) == len(cases)
    pdf.close()


def test_mended_word_of_another_length_keeps_its_box(ocr, tmp_path):
    """Tesseract may show a mark as a combining character ('chua\u0302n', 7 codes with its space); the
    mended NFC word ('chuẩn', 6) gets a wider Tz so that it, space and all, still spans the box."""
    mended = fulltext.mend_page(_page(ocr))
    k = mended.read.index("chuân")
    src, form = _form(ocr.textonly_pdf)
    ops = list(pikepdf.parse_content_stream(form))
    tjs = [i for i, op in enumerate(ops) if str(op.operator) == "TJ"]
    i = tjs[k]
    assert bytes(ops[i].operands[0][0]).decode("utf-16-be") == "chuân "
    ops[i] = pikepdf.ContentStreamInstruction([pikepdf.Array([pikepdf.String("chua\u0302n ".encode("utf-16-be"))])],
                                              pikepdf.Operator("TJ"))
    old_tz = ops[i - 1].operands[0]
    ops[i - 1] = pikepdf.ContentStreamInstruction([(old_tz * 6 / Decimal(7)).quantize(Decimal("0.001"))],
                                                  pikepdf.Operator("Tz"))
    src.pages[0].Contents = src.make_stream(pikepdf.unparse_content_stream(ops))
    decomposed = tmp_path / "decomposed.pdf"
    src.save(decomposed)
    src.close()
    raw = _layer(ocr, None, tmp_path / "raw.pdf", decomposed)
    fixed = _layer(ocr, mended, tmp_path / "mended.pdf", decomposed)
    assert fixed[k]["text"] == "chuẩn"
    assert _spans(tmp_path / "mended.pdf")[k] == pytest.approx(_spans(tmp_path / "raw.pdf")[k], abs=0.01)
    assert fixed[k]["x1"] - fixed[k]["x0"] > 0.95 * (raw[k]["x1"] - raw[k]["x0"])
