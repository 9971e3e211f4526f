"""Regressions found by `bench/synthetic.py` (other agencies, provinces and layouts than the dev set)."""

from __future__ import annotations

from pipeline.extract import extract
from pipeline.extract.vocab import fix_agency
from pipeline.models import Line, Word
from tests.test_extract_fields import body, line, page, signer


def test_ban_quan_ly_is_not_a_district():
    # 'QUẢN' folds like the level word 'QUẬN': only UBND/HĐND-like heads take a level after them
    assert fix_agency("BAN QUẢN LÝ KHU KINH TẾ VÂN PHONG")[0] == "BAN QUẢN LÝ KHU KINH TẾ VÂN PHONG"
    assert fix_agency("ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH")[0] == "ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH"


def test_agency_phrase_marks_restored_not_place_names():
    assert fix_agency("BAN QUẬN LÝ DỰ ÁN")[0] == "BAN QUẢN LÝ DỰ ÁN"
    assert fix_agency("SỞ TÀI NGUYẾN VÀ MÔI TRƯỜNG")[0] == "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"
    assert fix_agency("SỞ Y TÊ")[0] == "SỞ Y TẾ"
    assert fix_agency("UỶ BAN NHÂN DẦN HUYỆN CHÂU THÀNH")[0] == "ỦY BAN NHÂN DÂN HUYỆN CHÂU THÀNH"


def _glued_header_page() -> list[Line]:
    """A long parent agency touching the national title: Tesseract reads 'TRƯỜNGCỘNG' as one word."""
    first = line("SỞ TÀI NGUYÊN VÀ MÔI", 66, 60).words
    glued = Word("TRƯỜNGCỘNG", (first[-1].bbox[2] + 4, 60, 300, 73), 92.0)
    rest = line("HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 304, 60).words
    lines = [Line((*first, glued, *rest)),
             Line(line("VĂN PHÒNG ĐĂNG KÝ", 96, 78).words + line("Độc lập - Tự do - Hạnh phúc", 320, 78).words)]
    lines += [line("ĐẤT ĐAI", 142, 96)]
    lines += [Line(line("Số: 47/QĐ-VPĐK", 121, 126).words + line("Vĩnh Long, ngày 31 tháng 3 năm 2025", 290,
                                                                  126).words)]
    lines += [line("QUYẾT ĐỊNH", 263, 162), line("Về việc cấp giấy chứng nhận", 200, 180)]
    lines += body(230)
    lines += signer(420, ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Võ Thành Nhân")
    return lines


def test_glued_national_title_does_not_move_the_columns():
    md = extract([page(_glued_header_page())], zone_ocr=False).metadata
    assert md.issued_place == "Vĩnh Long"
    assert md.parent_agency == "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"
    assert md.issuing_agency == "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI"


def test_title_ending_in_an_authority_prefix_is_flagged():
    # a seal hid 'CHỦ TỊCH' under 'TM. ỦY BAN NHÂN DÂN': never a confident, truncated title
    lines = [line("ỦY BAN NHÂN DÂN", 100, 60), line("TỈNH HẬU GIANG", 100, 75),
             line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 280, 60), line("Độc lập - Tự do - Hạnh phúc", 320, 75),
             line("Số: 12/QĐ-UBND", 110, 115), line("Hậu Giang, ngày 05 tháng 01 năm 2024", 300, 115),
             line("QUYẾT ĐỊNH", 260, 150), line("Về việc ban hành Quy chế làm việc", 190, 166), *body(220),
             *signer(420, ["TM. ỦY BAN NHÂN DÂN"], "Nguyễn Văn An")]
    ex = extract([page(lines)], zone_ocr=False)
    assert "signer_title" in ex.review.fields
