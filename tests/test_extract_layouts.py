"""Layouts beyond the provincial People's Committee's: rendered pages through real Tesseract and `extract`,
one test per case of `bench/layouts.py` (same names), and the OCR reads the unseen real documents gave."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from pipeline.extract import extract, parsers
from pipeline.models import Line, PageText
from pipeline.ocr import PageJob, ocr_page
from pipeline.synth import Document, render_page
from tests.test_extract_fields import body, line, page, signer

OLD_NATIONAL = ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def ocr_image(im: Image.Image, tmp_path: Path, *, dpi: int = 300, name: str = "page.png") -> PageText:
    """One page image OCR'd as a run does (`ocr_page`), as extraction gets it."""
    path = tmp_path / name
    im.save(path, dpi=(dpi, dpi))
    job = PageJob(source=path, media_type="image/png", number=1, frame=0, native_dpi=dpi, work_dir=tmp_path,
                  language="vie", tessdata=None, ocr_dpi=300, min_output_dpi=200, detect_orientation=False,
                  deskew=False, timeout=120)
    ocr = ocr_page(job)
    return PageText(1, ocr.width, ocr.height, "ocr", ocr.lines, ocr.image_path, ocr.dpi)


def read(doc: Document, tmp_path: Path, *, dpi: int = 300, old_scan: bool = False) -> dict[str, object]:
    """Render, OCR and extract: {field: value trusted by an operator}, with flagged fields as '?' so a
    test tells 'flagged' from 'wrong'."""
    im, _ = render_page(doc, dpi=dpi)
    if old_scan:
        im = im.convert("L").filter(ImageFilter.GaussianBlur(0.7))
    ex = extract([ocr_image(im, tmp_path, dpi=dpi)])
    md = ex.metadata.model_dump()
    return {k: ("?" if k in ex.review.fields else v) for k, v in md.items()}


def test_so_cong_van(tmp_path: Path) -> None:
    """A department's letter: parent and agency, 'Số:' and 'V/v' in the left column, 'Kính gửi:'."""
    got = read(Document(parent_agency="UBND TỈNH QUẢNG NGÃI", agency_lines=("SỞ TÀI CHÍNH",), number="463",
                        symbol="STC-QLNS", type_name=None, summary_lines=("V/v hướng dẫn quyết toán kinh phí",
                                                                          "năm 2024"),
                        recipients=("Ủy ban nhân dân các xã, phường",), rules=True,
                        signer_lines=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), signer_name="Lê Văn Bình"), tmp_path)
    assert got["document_type"] == "Công văn"
    assert got["parent_agency"] == "UBND TỈNH QUẢNG NGÃI" and got["issuing_agency"] == "SỞ TÀI CHÍNH"
    assert got["symbol"] == "STC-QLNS" and got["number"] in ("463", "?")
    assert got["summary"] in ("V/v hướng dẫn quyết toán kinh phí năm 2024", "?")
    assert got["signer_title"] in ("KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC", "?") and got["signer_name"] == "Lê Văn Bình"


def test_city_committee(tmp_path: Path) -> None:
    got = read(Document(agency_lines=("ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"), place="Đà Nẵng", number="1024",
                        rules=True, signer_lines=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                        signer_name="Trần Chí Cường"), tmp_path)
    assert got["issuing_agency"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG" and got["issued_place"] == "Đà Nẵng"
    assert got["number_symbol"] in ("1024/QĐ-UBND", "?") and got["document_type"] == "Quyết định"
    assert got["signer_title"] in ("TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH", "?")


def test_commune_2025(tmp_path: Path) -> None:
    """A ward after the 2025 reorganisation: 'Hải Châu' on the date line is a ward of Đà Nẵng, not the
    province 'Lai Châu' one letter away (it was snapped there, unflagged)."""
    got = read(Document(agency_lines=("ỦY BAN NHÂN DÂN", "PHƯỜNG HẢI CHÂU"), place="Hải Châu", number="15",
                        day="15", month="8", year="2025", rules=True), tmp_path)
    assert got["issued_place"] == "Hải Châu"
    assert got["issuing_agency"] == "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU"
    assert got["issued_date"] in ("2025-08-15", "?")


def test_number_touching_agency(tmp_path: Path) -> None:
    got = read(Document(parent_agency="UBND TỈNH GIA LAI", agency_lines=("SỞ GIÁO DỤC VÀ ĐÀO TẠO",),
                        number="463", symbol="QĐ-SGDĐT", place="Gia Lai", number_gap=0.0, rules=True,
                        signer_lines=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")), tmp_path)
    assert got["issuing_agency"] == "SỞ GIÁO DỤC VÀ ĐÀO TẠO" and got["parent_agency"] == "UBND TỈNH GIA LAI"
    assert got["symbol"] == "QĐ-SGDĐT" and got["number"] in ("463", "?")


def test_typewritten_old(tmp_path: Path) -> None:
    """A typewritten decision of 1999: 'UỶ', 'HOÀ', an unpadded day and month, 'QĐ-UB', 'T/M' and 'K/T'
    (the title was read as 'PHÓ CHỦ TỊCH' alone, unflagged: the slash prefixes were unknown)."""
    got = read(Document(agency_lines=("UỶ BAN NHÂN DÂN", "TỈNH CAO BẰNG"), place="Cao Bằng", number="123",
                        symbol="QĐ-UB", day="5", month="3", year="1999", national=OLD_NATIONAL, typewriter=True,
                        rules=True, summary_lines=("V/v thành lập Hội đồng tư vấn",),
                        signer_lines=("T/M UỶ BAN NHÂN DÂN TỈNH CAO BẰNG", "K/T CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                        signer_name="Hoàng Văn Khánh"), tmp_path, dpi=200, old_scan=True)
    assert got["issuing_agency"] == "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG" and got["issued_place"] == "Cao Bằng"
    assert got["issued_date"] in ("1999-03-05", "?") and got["document_type"] == "Quyết định"
    assert got["symbol"] in ("QĐ-UB", "?")
    assert got["signer_title"] in ("T/M ỦY BAN NHÂN DÂN TỈNH CAO BẰNG K/T CHỦ TỊCH PHÓ CHỦ TỊCH", "?")


def _header(agency_rows: list[Line], tail: list[Line]) -> PageText:
    lines = [*agency_rows, *tail, line("V/v tổ chức kỳ thi chọn học sinh giỏi", 70, 150), *body(200),
             *signer(420, ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Nguyễn Thị Hoa")]
    return page(lines)


def test_number_line_glued_to_the_agency_block() -> None:
    """An unseen Sở letter: Tesseract read the agency's last line and the number line as one,
    'SỞ GIAO DVC vA DA° TAO S6: 463Y…', and the whole line became a confident issuing agency."""
    rows = [Line(line("UBND TỈNH GIA LAI", 90, 60).words + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 290,
                                                                    60).words),
            Line(line("SỞ GIAO DVC vA DA° TAO", 40, 78).words + line("S6: 463Y…", 186, 80, conf=40).words
                 + line("Độc lập - Tự do - Hạnh phúc", 320, 78).words)]
    tail = [line("Gia Lai, ngày 05 tháng 01 năm 2025", 310, 110)]
    ex = extract([_header(rows, tail)], zone_ocr=False)
    agency = ex.metadata.issuing_agency or ""
    assert "463" not in agency and "S6" not in agency and agency.startswith("SỞ GIAO")
    assert ex.metadata.parent_agency == "UBND TỈNH GIA LAI"
    assert ex.metadata.number is None and ex.metadata.number_symbol is None
    assert ex.metadata.document_type in (None, "Công văn")


def test_number_line_glued_to_the_agency_block_with_its_symbol() -> None:
    rows = [Line(line("UBND TỈNH GIA LAI", 90, 60).words + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 290,
                                                                    60).words),
            Line(line("SỞ GIÁO DỤC VÀ ĐÀO TẠO Số: 463/SGDĐT-VP", 30, 78).words
                 + line("Độc lập - Tự do - Hạnh phúc", 320, 78).words)]
    tail = [line("Gia Lai, ngày 05 tháng 01 năm 2025", 310, 110)]
    md = extract([_header(rows, tail)], zone_ocr=False).metadata
    assert md.issuing_agency == "SỞ GIÁO DỤC VÀ ĐÀO TẠO" and md.parent_agency == "UBND TỈNH GIA LAI"
    assert md.number_symbol == "463/SGDĐT-VP" and md.document_type == "Công văn"
    assert md.summary == "V/v tổ chức kỳ thi chọn học sinh giỏi"


@pytest.mark.parametrize(("text", "is_number"), [
    ("SỞ TÀI CHÍNH", False), ("SỞ Y TẾ", False), ("Số: 12/QĐ-UBND", True), ("Sô ý# /CT-UBND", True),
    ("S6: 463Y SGDĐT-VP", True), ("Số:        /QĐ-UBND", True),
])
def test_a_department_name_is_no_number_line(text: str, is_number: bool) -> None:
    assert parsers.is_number_line(text) is is_number


def test_old_authority_prefixes_and_a_committee_with_its_place() -> None:
    assert parsers.parse_title_line("K/T CHỦ TỊCH") == ("K/T CHỦ TỊCH", 1.0)
    assert parsers.parse_title_line("T/M UỶ BAN NHÂN DÂN TỈNH CAO BẰNG")[0] == "T/M ỦY BAN NHÂN DÂN TỈNH CAO BẰNG"  # type: ignore[index]
    assert parsers.parse_title_line("TM. HỘI ĐỒNG NHÂN DÂN HUYỆN")[0] == "TM. HỘI ĐỒNG NHÂN DÂN HUYỆN"  # type: ignore[index]
    assert parsers.parse_symbol("0ĐÐ-UB") == "QĐ-UB"
    assert parsers.parse_number_line("Sôí 01/QĐ-UB").number == "01"  # type: ignore[union-attr]  # the colon read 'í'



def test_rendered_typewriter_face_has_vietnamese_capitals() -> None:
    from pipeline.synth import font

    im = Image.new("L", (200, 60), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(im).text((5, 5), "ỦY BAN", font=font("typewriter", 30), fill=0)
    assert im.getbbox() is not None and font("typewriter", 30).getmask("Ủ").getbbox() != \
        font("typewriter", 30).getmask("\uffff").getbbox()
