"""Header fields read end to end (real Tesseract, zone re-reads) from rendered Decree-30 pages."""

from __future__ import annotations

import pytest

from pipeline.synth import Document, render_page


@pytest.fixture
def run_page(tmp_path, digitize):
    def run(doc: Document, name: str = "page.png"):
        image, _ = render_page(doc)
        path = tmp_path / name
        image.save(path, dpi=(300, 300))
        outcome = digitize(path)
        assert outcome.status == "archived"
        return outcome.record

    return run


def _trusted(record, field):
    """The value an operator would trust: None when flagged for review."""
    return None if field in record["review"]["fields"] else record["metadata"][field]


def test_decision_with_red_seal_over_the_signer_title(run_page):
    rec = run_page(Document(red_seal=True, number="12", symbol="QĐ-UBND", day="05", month="01", year="2025",
                            signer_lines=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), signer_name="Nguyễn Văn An"))
    md = rec["metadata"]
    assert md["document_type"] == "Quyết định" and md["document_type_code"] == "QĐ"
    assert md["symbol"] == "QĐ-UBND"
    assert md["issuing_agency"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert md["issued_place"] == "Quảng Ngãi"
    assert md["signer_name"] == "Nguyễn Văn An"
    # under the seal the title is read right or flagged, never confidently wrong
    assert _trusted(rec, "signer_title") in (None, "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH")
    for field in ("number", "number_symbol", "issued_date"):
        assert _trusted(rec, field) in (None, {"number": "12", "number_symbol": "12/QĐ-UBND",
                                                "issued_date": "2025-01-05"}[field])
    assert rec["evidence"]["document_type"]["page"] == 1


def test_number_left_blank_comes_out_null_and_flagged(run_page):
    rec = run_page(Document(number=None, symbol="QĐ-UBND"))
    assert rec["metadata"]["number"] is None and rec["metadata"]["number_symbol"] is None
    assert "number" in rec["review"]["fields"] and rec["review"]["needed"]
    assert rec["metadata"]["symbol"] == "QĐ-UBND"


def test_cong_van_with_vv_summary_and_citizen_id(run_page):
    rec = run_page(Document(number="299", symbol="UBND-TTHC", type_name=None,
                            summary_lines=("V/v công bố Danh mục thủ tục", "hành chính"),
                            signer_lines=("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"), signer_name="Trần Thị Bình",
                            citizen_id="051190001234"))
    md = rec["metadata"]
    assert md["document_type"] == "Công văn" and md["symbol"] == "UBND-TTHC"
    assert _trusted(rec, "summary") in (None, "V/v công bố Danh mục thủ tục hành chính")
    assert md["signer_name"] == "Trần Thị Bình"
    assert "051190001234" in md["citizen_ids"]
