"""Cross-checks between independently read fields: the symbol's abbreviation confirms the agency."""

from __future__ import annotations

import pytest

from pipeline.extract import crosschecks
from pipeline.extract.fields import Field


@pytest.mark.parametrize(("agency", "symbol", "place"), [
    ("BAN CHỈ ĐẠO 138", "QĐ-BCĐ138", None),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "KH-SGDĐT", None),
    ("SỞ TÀI CHÍNH", "STC-QLGCS", None),
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "QĐ-UBND", "Quảng Ngãi"),
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "UBND-TTHC", "Quảng Ngãi"),  # a công văn: the agency first
    ("ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU", "TB-UBND", "Hải Châu"),
])
def test_symbol_spells_the_agency(agency: str, symbol: str, place: str | None) -> None:
    assert crosschecks.spelt_by_symbol(agency, symbol, place)


@pytest.mark.parametrize(("agency", "symbol", "place"), [
    ("BAN CHỈ ĐẠO 138", "QĐ-BCĐ139", None),  # a digit apart
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "KH-SGDDT", None),  # Đ is a letter of its own
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "QĐ-UBND", "Kon Tum"),  # the trailing place is not the document's
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "QĐ-UBND", None),
    ("SỞ Y TẾ", "QĐ-UBND", None),
    ("CHỈ", "QĐ-C", None),  # one word says nothing
])
def test_symbol_does_not_spell_the_agency(agency: str, symbol: str, place: str | None) -> None:
    assert not crosschecks.spelt_by_symbol(agency, symbol, place)


def _fields(agency: str, conf: float, symbol: str = "QĐ-BCĐ138", symbol_conf: float = 0.9) -> dict[str, Field]:
    return {"issuing_agency": Field(agency, conf, 1, (0, 0, 1, 1)), "symbol": Field(symbol, symbol_conf, 1)}


def test_agency_read_with_low_ocr_confidence_confirmed_by_its_symbol() -> None:
    """Real-dev doc03: 'BAN CHỈ ĐẠO 138' (OCR 0.74, no known agency) went to review although the
    number line's 'QĐ-BCĐ138', read apart, spells its initials."""
    out = _fields("BAN CHỈ ĐẠO 138", 0.744)
    crosschecks.symbol_initials(out)
    assert out["issuing_agency"].confidence == crosschecks.CONFIRMED


@pytest.mark.parametrize(("agency", "conf", "symbol_conf"), [
    ("BAN CHỈ ĐẠQ 138", 0.744, 0.9),  # a non-word keeps its first letter: the initials cannot vouch for it
    ("BAN CHỈ ĐẠO 138", 0.45, 0.9),  # too poor a read
    ("BAN CHỈ ĐẠO 138", 0.744, 0.7),  # the symbol itself doubtful
])
def test_agency_not_confirmed_when_a_read_is_poor(agency: str, conf: float, symbol_conf: float) -> None:
    out = _fields(agency, conf, symbol_conf=symbol_conf)
    crosschecks.symbol_initials(out)
    assert out["issuing_agency"].confidence == conf
