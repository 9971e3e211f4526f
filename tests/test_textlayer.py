"""Text-layer words: the light character path gives exactly pdfplumber's own words."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fpdf import FPDF

from pipeline import textlayer
from pipeline.text import nfc
from tests.conftest import font_path


def _decree_pdf(path: Path) -> Path:
    """Mixed sizes, bold and regular, two columns: a decree's header and body."""
    pdf = FPDF(format="A4")
    pdf.add_font("serif", "", font_path())
    pdf.add_font("serif", "B", font_path(bold=True))
    pdf.add_page()
    pdf.set_font("serif", "B", 12)
    pdf.cell(90, 7, "ỦY BAN NHÂN DÂN")
    pdf.cell(0, 7, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", 13)
    pdf.cell(90, 7, "Số: 1234/QĐ-UBND")
    pdf.cell(0, 7, "Quảng Ngãi, ngày 05 tháng 01 năm 2025", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", 9)
    pdf.multi_cell(0, 5, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; " * 6)
    pdf.output(str(path))
    return path


def _shifted(src: Path, dst: Path, *, rotate: int = 0) -> Path:
    """The same page with its MediaBox origin moved off (0, 0) (pdfplumber shifts coordinates)."""
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
            page.MediaBox = pikepdf.Array([x0 - 30, y0 - 40, x1 - 30, y1 - 40])
            if rotate:
                page.Rotate = rotate
        pdf.save(dst)
    return dst


def _in_form_xobject(src: Path, dst: Path) -> Path:
    """The page drawn through a form XObject, as stamping and imposition tools write (an LTFigure)."""
    with pikepdf.open(src) as pdf, pikepdf.new() as out:
        page = pdf.pages[0]
        out.add_blank_page(page_size=(float(page.MediaBox[2]), float(page.MediaBox[3])))
        formx = out.copy_foreign(page.as_form_xobject())
        out.pages[0].add_overlay(formx, pikepdf.Rectangle(out.pages[0].mediabox))
        out.save(dst)
    return dst


def _reference(page: object) -> list[tuple]:
    out = []
    for w in page.extract_words(**textlayer.WORD_OPTIONS):  # type: ignore[attr-defined]
        if nfc(w["text"]).strip():
            out.append((nfc(w["text"]).strip(), w["x0"], w["top"], w["x1"], w["bottom"], w["size"],
                        "bold" in w["fontname"].lower()))
    return out


@pytest.mark.parametrize("variant", ["plain", "mediabox-offset", "rotated-90", "form-xobject"])
def test_page_words_equal_pdfplumbers_extract_words(tmp_path: Path, variant: str) -> None:
    path = _decree_pdf(tmp_path / "decree.pdf")
    if variant == "form-xobject":
        path = _in_form_xobject(path, tmp_path / "form.pdf")
    elif variant != "plain":
        path = _shifted(path, tmp_path / f"{variant}.pdf", rotate=90 if variant == "rotated-90" else 0)
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            got = [(w.text, *w.bbox, w.size, w.bold) for w in textlayer.page_words(page)]
            want = _reference(page)
            assert len(want) > 40
            assert got == want
            assert any(bold for *_, bold in got) and not all(bold for *_, bold in got)


def test_long_text_layer_read_on_workers_gives_the_same_plans(tmp_path: Path) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pipeline import pages

    pdf = FPDF(format="A4")
    pdf.add_font("serif", "", font_path())
    pdf.set_font("serif", size=12)
    for n in range(2 * pages.PARALLEL_TEXT_PAGES + 3):  # three chunks, the last one short
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Trang {n + 1}. " + "Ủy ban nhân dân tỉnh cấp giấy chứng nhận quyền sử dụng đất. " * 12)
    path = tmp_path / "long.pdf"
    pdf.output(str(path))
    inline = pages.plan_pages(path, "application/pdf", max_pages=100, max_megapixels=200)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = pages.plan_pages(path, "application/pdf", max_pages=100, max_megapixels=200, executor=pool)
    assert [p.method for p in parallel] == ["text_layer"] * len(inline)
    assert parallel == inline
    assert [p.lines[0].text.split(".")[0] for p in parallel] == [f"Trang {n + 1}" for n in range(len(inline))]
