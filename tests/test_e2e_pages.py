"""End-to-end page handling with real Tesseract on rendered Vietnamese administrative pages."""

from __future__ import annotations

import collections
import json

import pdfplumber
import pikepdf
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from pipeline.archive import keys
from pipeline.synth import Document, render_page, save_pdf
from tests.conftest import born_digital_pdf, cer, stamped_scan_pdf


def _text(archive, outcome) -> str:
    return archive.get_bytes(keys.text(outcome.document_id)).decode("utf-8")


def test_rendered_administrative_page_ocr_cer_at_most_2_percent(tmp_path, page_decision, digitize, archive):
    image, truth = page_decision
    path = tmp_path / "qd.png"
    image.save(path, dpi=(300, 300))
    outcome = digitize(path)
    assert outcome.status == "archived"
    assert outcome.record["pages"][0]["method"] == "ocr"
    assert cer(_text(archive, outcome), truth) <= 0.02


def test_born_digital_pdf_takes_the_text_layer_and_matches_exactly(tmp_path, digitize, archive):
    lines = ["ỦY BAN NHÂN DÂN TỈNH CẦN THƠ", "Số: 12/2024/QĐ-UBND",
             "Cần Thơ, ngày 05 tháng 01 năm 2025", "QUYẾT ĐỊNH",
             "Về việc công bố danh mục thủ tục hành chính được chuẩn hóa",
             "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"]
    outcome = digitize(born_digital_pdf(tmp_path / "born.pdf", lines))
    assert [p["method"] for p in outcome.record["pages"]] == ["text_layer"]
    assert _text(archive, outcome).strip() == "\n".join(lines)


def test_scan_with_only_a_signature_stamp_text_layer_is_ocrd(tmp_path, page_decision, digitize, archive):
    image, truth = page_decision
    stamp = ["Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi", "Thời gian ký: 21.01.2025 09:30:22 +07:00"]
    outcome = digitize(stamped_scan_pdf(tmp_path / "signed.pdf", image, stamp))
    assert [p["method"] for p in outcome.record["pages"]] == ["ocr"]
    # the stamp is visible on the page too, so OCR reads it along with the body
    assert cer(_text(archive, outcome), truth + "\n" + "\n".join(stamp)) <= 0.03


def test_two_column_page_text_txt_follows_the_columns(tmp_path, digitize, archive):
    """A công văn: agency, number and "V/v" on the left, national title and date on the right, then the
    recipients beside the signer: text.txt reads each block whole, as a person does."""
    image, truth = render_page(Document(type_name=None, number="299", symbol="UBND-TTHC",
                                        summary_lines=("V/v chuẩn bị số hóa hồ sơ", "thủ tục hành chính"),
                                        body="Nội dung ngắn."))
    path = tmp_path / "cv.png"
    image.save(path, dpi=(300, 300))
    lines = [ln.strip() for ln in _text(archive, digitize(path)).splitlines() if ln.strip()]

    def at(start: str) -> int:
        return next(i for i, ln in enumerate(lines) if ln.startswith(start))

    assert at("ỦY BAN") < at("TỈNH QUẢNG") < at("Số:") < at("V/v") < at("thủ tục") < at("CỘNG HÒA")
    assert at("CỘNG HÒA") < at("Độc lập") < at("Quảng Ngãi, ngày") < at("Nội dung")
    assert at("Nội dung") < at("Nơi nhận") < at("TM.") < at("CHỦ TỊCH") < at("Nguyễn Văn An")
    ordered = Levenshtein.distance(" ".join(lines), " ".join(truth.split())) / len(" ".join(truth.split()))
    assert ordered <= 0.02  # CER in reading order: the renderer's truth is in reading order
    assert lines[at("Số:")] == "Số: 299/UBND-TTHC"


def test_three_page_tiff_gives_three_pages_in_order(tmp_path, digitize, archive):
    names = ["QUYẾT ĐỊNH", "CHỈ THỊ", "THÔNG BÁO"]
    pages = [render_page(Document(type_name=n, body="Nội dung ngắn."), dpi=200)[0] for n in names]
    path = tmp_path / "three.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(200, 200))
    outcome = digitize(path)
    assert [p["number"] for p in outcome.record["pages"]] == [1, 2, 3]
    texts = _text(archive, outcome).split("\f")
    assert len(texts) == 3
    for text, name in zip(texts, names, strict=True):
        assert name in text
    with pikepdf.open(archive.root / keys.searchable(outcome.document_id)) as pdf:
        assert len(pdf.pages) == 3


def test_tiff_frames_scanned_at_different_dpi_keep_each_page_size(tmp_path, archive):
    """Regression: every TIFF frame was laid out at the first frame's dpi, so a 150-dpi second page
    came out of a 200-dpi first one at three quarters of A4."""
    from PIL import TiffImagePlugin

    from pipeline import document, intake
    from pipeline.options import Options

    path = tmp_path / "mixed.tif"
    with TiffImagePlugin.AppendingTiffWriter(path, True) as tif:
        for name, dpi in (("QUYẾT ĐỊNH", 200), ("CHỈ THỊ", 150)):
            im = render_page(Document(type_name=name, body="Nội dung ngắn."), dpi=dpi)[0]
            im.save(tif, "TIFF", dpi=(dpi, dpi), compression="tiff_lzw")
            tif.newFrame()
    options = Options(jobs=1, work_dir=tmp_path / "work", min_file_age_seconds=0, ocr_dpi=150, min_output_dpi=150)
    item = intake.InputFile(path, None, path.name, path.stat().st_size, path.stat().st_mtime)
    outcome = document.process(item, archive, options)
    assert outcome.status == "archived"
    with pikepdf.open(archive.root / keys.searchable(outcome.document_id)) as pdf:
        sizes = [(float(p.mediabox[2]), float(p.mediabox[3])) for p in pdf.pages]
        xobjects = pdf.pages[1].Resources.XObject
        images = [xobjects[k] for k in xobjects if xobjects[k].Subtype == "/Image"]
        filters = [str(im.get("/Filter")) for im in images]
        assert len(filters) == 1 and filters[0] != "/DCTDecode", filters  # the frame itself, not a JPEG copy
    for width, height in sizes:
        assert width == pytest.approx(595, abs=3) and height == pytest.approx(842, abs=3)


def test_page_rotated_90_degrees_comes_out_upright(tmp_path, page_decision, digitize, archive):
    image, truth = page_decision
    path = tmp_path / "rotated.pdf"
    save_pdf([image.rotate(90, expand=True)], path)
    outcome = digitize(path)
    page = outcome.record["pages"][0]
    assert page["rotation"] in (90, 270)
    assert cer(_text(archive, outcome), truth) <= 0.02
    with pdfplumber.open(archive.root / keys.searchable(outcome.document_id)) as pdf:
        assert pdf.pages[0].height > pdf.pages[0].width  # portrait again


def test_skew_of_one_and_a_half_degrees_is_measured_and_corrected(tmp_path, page_decision, digitize, archive):
    image, truth = page_decision
    path = tmp_path / "skewed.png"
    image.rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor="white").save(path, dpi=(300, 300))
    outcome = digitize(path)
    assert outcome.record["pages"][0]["skew_degrees"] == pytest.approx(1.5, abs=0.25)
    assert cer(_text(archive, outcome), truth) <= 0.02


def test_searchable_pdf_is_pdfa_2b_with_a_text_layer_matching_text_txt(tmp_path, page_decision, digitize,
                                                                       archive):
    image, _ = page_decision
    second, _ = render_page(Document(type_name="CHỈ THỊ"), dpi=200)
    path = tmp_path / "scan.pdf"
    save_pdf([image, second], path)
    outcome = digitize(path)
    pdf_path = archive.root / keys.searchable(outcome.document_id)
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 2
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "/OutputIntents" in pdf.Root
        for page in pdf.pages:  # the page image is kept, colour and ≥ 200 dpi
            images = list(page.get_images().values())
            assert images
            width_px = max(int(im.Width) for im in images)
            assert width_px / (float(page.mediabox[2]) / 72) >= 199
    with pdfplumber.open(pdf_path) as pdf:
        layer = [w["text"] for p in pdf.pages for w in p.extract_words()]
    text = _text(archive, outcome)
    # the layer is Tesseract's read with text.txt's corrections; text.txt is in reading order: the same words
    assert collections.Counter(layer) == collections.Counter(text.split())


def test_colour_is_kept_in_the_searchable_pdf(tmp_path, digitize, archive):
    image, _ = render_page(Document(red_seal=True), dpi=200)
    path = tmp_path / "seal.jpg"
    image.save(path, quality=90, dpi=(200, 200))
    outcome = digitize(path)
    with pikepdf.open(archive.root / keys.searchable(outcome.document_id)) as pdf:
        (im,) = pdf.pages[0].get_images().values()
        assert str(im.ColorSpace) == "/DeviceRGB"
    # the original bytes are archived unchanged
    assert archive.get_bytes(outcome.record["artifacts"]["original"]) == path.read_bytes()


def test_record_json_is_written_last(tmp_path, page_decision, digitize, archive):
    image, _ = page_decision
    path = tmp_path / "order.png"
    image.save(path, dpi=(300, 300))
    outcome = digitize(path)
    prefix = archive.root / "records" / outcome.document_id
    mtimes = {p.name: p.stat().st_mtime_ns for p in prefix.iterdir()}
    assert mtimes["record.json"] == max(mtimes.values())
    rec = json.loads((prefix / "record.json").read_text(encoding="utf-8"))
    assert rec["document_id"] == outcome.document_id
