"""The sample inbox the README's first command digitizes: every accepted format, dossiers, a loose file,
and a front desk's citizen papers whose receipt QR code names their dossier."""

from __future__ import annotations

import pypdfium2 as pdfium

from pipeline import barcodes
from pipeline.archive import links
from pipeline.samples import FRONT_DESK, RECEIPT_CODE, write_sample_inbox


def test_sample_inbox_holds_every_format_and_a_front_desk_folder_linked_by_its_receipt(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    paths = write_sample_inbox(inbox, dpi=150)
    assert {p.suffix for p in paths} == {".pdf", ".jpg", ".png", ".tif"}
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert {p.name for p in (inbox / FRONT_DESK).iterdir()} == {"giay-tiep-nhan.pdf", "don-de-nghi.pdf", "cccd.jpg"}
    assert not links.is_dossier_code(FRONT_DESK) and links.is_dossier_code(RECEIPT_CODE)
    page = pdfium.PdfDocument(inbox / FRONT_DESK / "giay-tiep-nhan.pdf")[0]
    codes = barcodes.decode(page.render(scale=150 / 72).to_pil(), page=1, points_per_pixel=72 / 150)
    assert any(RECEIPT_CODE in c.text for c in codes)
    before = {p: p.stat().st_mtime_ns for p in paths}
    write_sample_inbox(inbox, dpi=150)  # idempotent: files already there are kept
    assert {p: p.stat().st_mtime_ns for p in paths} == before
