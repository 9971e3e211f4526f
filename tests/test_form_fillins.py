"""Handwritten fill-ins of application forms: second reads judged by the values' conventions (fillins)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipeline.extract.components import classify, fillins, form, labels
from pipeline.extract.digits import DigitRead
from pipeline.extract.fields import REVIEW_BELOW, Field
from pipeline.models import Line, PageText, Word


def ocr_page(*rows: str, confidence: float = 96.0) -> PageText:
    """An OCR'd page with no image behind it (nothing to re-read): what the page's OCR read, left-aligned."""
    lines = []
    for i, row in enumerate(rows):
        x, y, words = 60.0, 60.0 + 18 * i, []
        for w in row.split():
            words.append(Word(w, (x, y, x + 6 * len(w), y + 12), confidence))
            x += 6 * (len(w) + 1)
        lines.append(Line(tuple(words)))
    return PageText(1, 595.0, 842.0, "ocr", lines)


def hit(value: str) -> labels.Hit:
    page = ocr_page(f"3. Số CCCD: {value}")
    return labels.Hit(value, page.lines[0].words[-1:], page, "SO CCCD")


def flagged(f: Field) -> bool:
    return f.value is not None and (f.confidence < REVIEW_BELOW or bool(f.reason))


def test_grey_scan_date_of_birth_read_as_print_is_flagged_064_application_form_scan():
    """064-application_form-scan: a grey scan lost the blue of the fill-ins and the page's OCR read the
    handwritten '14/03/1981' as '14/03/1961' at print's confidence (0.96); the CCCD number was unreadable,
    so nothing contradicted it and the wrong date went out unflagged."""
    pg = ocr_page("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI", "1. Họ và tên: Trần Thị Hà",
                  "2. Ngày sinh: 14/03/1961", "3. Số định danh cá nhân: 0077671256084", "5. Số điện thoại: 0903653000")
    decision = classify.classify([pg])
    out = form.read([pg], decision)
    assert out["date_of_birth"].value == "1961-03-14" and flagged(out["date_of_birth"])
    assert flagged(out["applicant_name"]) and flagged(out["phone"])  # fill-ins, whatever their ink
    assert out["citizen_id"].value is None and out["citizen_id"].reason


def test_cccd_birth_year_and_date_of_birth_that_disagree_flag_both():
    number, birth = Field("001181256084", 0.9, 1), Field("1961-03-14", 0.9, 1)
    fillins.cross_check(number, birth)
    assert flagged(number) and flagged(birth) and "disagree" in birth.reason


def test_cccd_birth_year_and_date_of_birth_that_agree_change_nothing():
    number, birth = Field("001181256084", 0.9, 1), Field("1981-03-14", 0.9, 1)
    fillins.cross_check(number, birth)
    assert (number.confidence, birth.confidence, number.reason) == (0.9, 0.9, "")


@pytest.mark.parametrize(("number", "ok"), [("0912345678", True), ("0339062777", True), ("02923812345", True),
                                            ("0612345678", False), ("091234567", False), ("0972054423", True),
                                            ("1912345678", False), ("0292381234", False)])
def test_phone_numbers_have_ten_digits_and_a_mobile_prefix_or_are_landlines(number, ok):
    assert fillins.phone_ok(number) is ok


def test_a_date_of_birth_is_in_the_past_and_of_a_living_applicant():
    on = dt.date(2024, 1, 15)
    assert fillins.birth_ok("1981-03-14", on)
    assert not fillins.birth_ok("2024-05-01", on) and not fillins.birth_ok("1890-01-01", on)
    assert not fillins.birth_ok("1981-02-30", on)


def test_three_readers_agreeing_on_a_valid_cccd_are_trusted():
    read = DigitRead({"mnist": "001181256084", "uci": "001181256034", "fonts": "001181256084",
                      "tesseract": "001181256084", "page": None})  # the page read 13 digits
    got = fillins.consensus(read, lambda v: len(v) == 12)
    assert (got.value, got.support) == ("001181256084", 3)
    f = fillins.judged(hit("0077671256084"), got, None, "CCCD number")
    assert f.value == "001181256084" and not flagged(f)


def test_two_readers_agreeing_stay_flagged():
    read = DigitRead({"mnist": "093085051784", "uci": "093095051384", "fonts": "093095051784",
                      "tesseract": "093095051784", "page": "093095051784"})
    got = fillins.consensus(read, lambda v: len(v) == 12)
    assert (got.value, got.support) == ("093095051784", 2)
    assert flagged(fillins.judged(hit("093095051784"), got, None, "CCCD number"))


def test_readers_agreeing_on_an_invalid_value_do_not_count():
    read = DigitRead({"mnist": "0612345678", "uci": "0612345678", "fonts": "0612345678", "tesseract": "0612345678"})
    got = fillins.consensus(read, fillins.phone_ok)
    assert got.value is None and got.rivals == ("0612345678",)
    f = fillins.judged(hit("0612345678"), got, None, "phone")
    assert f.value is None and "unreadable" in f.reason


def test_a_date_is_ten_marks_whose_third_and_sixth_are_its_slashes():
    parts = [np.full((10, 5), i, dtype=np.uint8) for i in range(10)]
    kept = fillins._date_marks(parts)
    assert kept is not None and [int(k[0, 0]) for k in kept] == [0, 1, 3, 4, 6, 7, 8, 9]
    assert fillins._date_marks(parts[:9]) is None


@pytest.mark.parametrize(("text", "name"), [("- Lê Thị Mai", "Lê Thị Mai"), ("Trần Minh Sơn", "Trần Minh Sơn"),
                                            ("Lê Thị lâm", None), ("Lê Th/ Mai", None), ("lần Minh Sơn", None),
                                            ("Bùi ïhanh Dũng", None)])
def test_a_read_is_a_name_only_in_the_shape_of_a_vietnamese_name(text, name):
    assert fillins._shaped(text) == name


def test_re_reads_use_the_runs_tesseract_language_and_models(monkeypatch, tmp_path):
    """The fill-in re-reads ran with 'vie' and Tesseract's default models whatever the run was set to
    (SOHOA_LANGUAGE / SOHOA_TESSDATA_DIR): every zone and digit read now gets the run's settings."""
    from pipeline.extract import digits, zones

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(zones, "zone_ocr", lambda *a, **k: seen.append(k) or [])
    monkeypatch.setattr(zones, "crop_zone", lambda *a, **k: (np.zeros((1, 1)), 1.0))
    monkeypatch.setattr(digits, "read_blank", lambda *a, **k: seen.append(k) or DigitRead({}))
    ocr = fillins.Ocr("vie+eng", tmp_path, 12)
    fillins.name(labels.Hit("Nguyễn Văn An", [], ocr_page("Họ và tên: Nguyễn Văn An"), "HO VA TEN"), ocr=ocr)
    fillins.citizen_id(hit("051190001234"), ocr=ocr)
    fillins.birth_date(hit("14/03/1981"), ocr=ocr)
    fillins.phone(hit("0912345678"), ocr=ocr)
    assert len(seen) >= 5
    assert all((k["language"], k["tessdata"], k["timeout"]) == ("vie+eng", tmp_path, 12) for k in seen)
