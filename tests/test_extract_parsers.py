"""Parsers of header lines: plain cases, OCR noise, and never raising on arbitrary text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import parsers, vocab


def test_place_date_zero_padded():
    pd = parsers.parse_place_date("Quảng Ngãi, ngày 05 tháng 01 năm 2020")
    assert pd is not None and pd.place == "Quảng Ngãi" and pd.iso == "2020-01-05"


def test_place_date_blank_day_is_none():
    pd = parsers.parse_place_date("Hà Nội, ngày    tháng 3 năm 2024")
    assert pd is not None and pd.day is None and pd.month == 3 and pd.iso is None


def test_place_date_ocr_noise_in_keywords():
    pd = parsers.parse_place_date("Cần Thơ, ngay 17 thang 01 nam 2025")
    assert pd is not None and pd.iso == "2025-01-17"


def test_number_line_with_year():
    ns = parsers.parse_number_line("Số: 12/2024/QĐ-UBND")
    assert ns and (ns.number, ns.year, ns.symbol, ns.number_symbol) == ("12", "2024", "QĐ-UBND", "12/2024/QĐ-UBND")


def test_number_line_handwritten_gap():
    ns = parsers.parse_number_line("Số: 51 /QĐ-UBND")
    assert ns and ns.number == "51" and ns.symbol == "QĐ-UBND"


def test_number_line_garbage_number_is_none():
    ns = parsers.parse_number_line("Số: O4 /TTr-UBND")
    assert ns and ns.number is None and ns.symbol == "TTr-UBND" and ns.number_symbol is None


def test_cong_van_symbol():
    ns = parsers.parse_number_line("299/UBND-TTHC")
    assert ns and ns.number == "299" and ns.symbol == "UBND-TTHC"
    assert parsers.type_of_symbol("UBND-TTHC") is None


def test_symbol_d_without_stroke_snaps_only_when_unambiguous():
    assert parsers.parse_symbol("QD-UBND") == "QĐ-UBND"
    assert parsers.parse_symbol("HD-UBND") == "HD-UBND"  # HD (Hướng dẫn) exists: not turned into HĐ


def test_type_name_snaps_ocr_capitals():
    s = parsers.parse_type_name("QUYÉT ĐỊNH")
    assert s and s.value == "Quyết định"
    assert parsers.parse_type_name("Căn cứ Luật") is None


def test_vv_summary():
    assert parsers.is_vv("V/v công bố Danh mục TTHC")
    assert parsers.normalise_summary("V/v: góp ý dự thảo") == "V/v góp ý dự thảo"
    assert parsers.normalise_summary(",Vêviệc triển khai") == "Về việc triển khai"


def test_title_lines():
    assert parsers.parse_title_line("1L. CHỦ TỊCH") == ("TL. CHỦ TỊCH", 1.0)
    assert parsers.parse_title_line("KT. CHỦ TỊCH")[0] == "KT. CHỦ TỊCH"
    assert parsers.parse_title_line("TM. UỶ BAN NHÂN DÂN")[0] == "TM. ỦY BAN NHÂN DÂN"
    assert parsers.parse_title_line("Nơi nhận:") is None


def test_person_name_surname_snap():
    assert parsers.parse_person_name("Äguyến Quốc Việt")[0] == "Nguyễn Quốc Việt"
    assert parsers.parse_person_name("- Lưu: VT, NC") is None


def test_person_name_behind_signature_debris():
    """Regression (real scan, seal faded): the name came back as '_ Đặng Văn Minh' and was not taken."""
    assert parsers.parse_person_name("_ Đặng Văn Minh") == ("Đặng Văn Minh", 1.0)
    assert parsers.parse_person_name("Đặng Văn Minh …") == ("Đặng Văn Minh", 1.0)
    assert parsers.parse_person_name("_ -") is None


def test_known_name_tells_a_name_from_a_tone_mark_slip():
    assert vocab.known_name("Trần Hoàng Tuấn")
    assert not vocab.known_name("Trần Hoàng Tuần")  # 'week', not a name
    assert vocab.known_name("Nguyễn Thị Thuỷ")  # old tone placement
    assert not vocab.known_name("Nguyễn")
    assert vocab.known_name("Lê Văn Quý")


def test_new_tone_placement_leaves_qu_alone():
    """Regression: 'Quý' came out as 'Qúy' (the 'u' of 'qu' is part of the consonant)."""
    from pipeline.text import new_tone_placement

    assert new_tone_placement("Lê Văn Quý, quỹ đất, QUÝ") == "Lê Văn Quý, quỹ đất, QUÝ"
    assert new_tone_placement("UỶ BAN, hoà, Thuỷ") == "ỦY BAN, hòa, Thủy"


def test_cccd_structure():
    today = dt.date(2025, 6, 1)
    assert parsers.valid_cccd("092085001234", today=today)  # Cần Thơ, male, 1985
    assert parsers.valid_cccd("094305001234", today=today)  # Sóc Trăng, female, 2005
    assert not parsers.valid_cccd("003085001234", today=today)  # no province 003
    assert not parsers.valid_cccd("092885001234", today=today)  # century digit 8 → 1800s
    assert not parsers.valid_cccd("092230001234", today=today)  # born 2030
    assert not parsers.valid_cccd("09208500123", today=today)


def test_ids_and_codes_in_text():
    text = "CCCD số 092085001234, CMND 381234567; hồ sơ 000.17.22.H56-210531-0001-KQ1, mã TTHC 1.004227."
    assert parsers.citizen_ids(text) == ["092085001234", "381234567"]
    assert parsers.dossier_codes(text) == ["000.17.22.H56-210531-0001-KQ1"]
    assert parsers.procedure_codes(text) == ["1.004227"]
    assert parsers.procedure_codes("mã 1.000094.000.00.00.H56") == ["1.000094.000.00.00.H56"]


def test_province_snap_old_and_new_names():
    assert vocab.snap_province("Quang Ngai").value == "Quảng Ngãi"
    assert vocab.snap_province("Hậu Giang").value == "Hậu Giang"
    assert vocab.snap_province("TP. Hồ Chí Minh").value == "Hồ Chí Minh"
    assert len(vocab.PROVINCES_OLD) == 63 and len(vocab.PROVINCES_NEW) == 34


def test_agency_fix_old_tone_and_ocr_capitals():
    assert vocab.fix_agency("UỶ BAN NHÂN DẦN TỈNH CẦN THO")[0] == "ỦY BAN NHÂN DÂN TỈNH CẦN THƠ"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_never_raise(s):
    parsers.parse_number_line(s)
    parsers.parse_place_date(s)
    parsers.parse_type_name(s)
    parsers.parse_title_line(s)
    parsers.parse_person_name(s)
    parsers.normalise_summary(s)
    parsers.citizen_ids(s)
    parsers.dossier_codes(s)
    parsers.procedure_codes(s)
    parsers.signing_dates(s)
    vocab.fix_agency(s)
