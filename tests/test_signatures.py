from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pikepdf

from pipeline.signatures import parse_pdf_date, read_signatures


def test_parse_pdf_date_with_vietnam_offset():
    assert parse_pdf_date("D:20250107100957+07'00'") == datetime(
        2025, 1, 7, 10, 9, 57, tzinfo=timezone(timedelta(hours=7)))
    assert parse_pdf_date("D:2025") is None or parse_pdf_date("D:2025").year == 2025
    assert parse_pdf_date("garbage") is None
    assert parse_pdf_date("D:20251399000000Z") is None  # month 13


def signed_pdf(path, m="D:20250121093022+07'00'", reason="Ủy ban nhân dân tỉnh Quảng Ngãi"):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    sig = pikepdf.Dictionary(Type=pikepdf.Name.Sig, M=pikepdf.String(m), Reason=pikepdf.String(reason))
    field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, T=pikepdf.String("Sig1"), V=sig,
                                                 Subtype=pikepdf.Name.Widget, P=page.obj,
                                                 Rect=[400, 750, 580, 820]))
    page.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), SigFlags=3)
    pdf.save(path)
    return path


def test_read_signatures_gives_time_reason_and_page(tmp_path):
    (sig,) = read_signatures(signed_pdf(tmp_path / "signed.pdf"))
    assert sig.signed_at == datetime(2025, 1, 21, 9, 30, 22, tzinfo=timezone(timedelta(hours=7)))
    assert sig.reason == "Ủy ban nhân dân tỉnh Quảng Ngãi" and sig.page == 1


def test_unsigned_or_damaged_pdf_has_no_signatures(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "plain.pdf")
    assert read_signatures(tmp_path / "plain.pdf") == []
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 nonsense")
    assert read_signatures(tmp_path / "bad.pdf") == []
