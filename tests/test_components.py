"""Dossier components without Tesseract: classification and field rules over text-layer pages, QR content,
the real zxing-cpp decoder on segno codes, the index, the manifest and receipt links."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from pipeline import barcodes
from pipeline.archive import LocalArchive, index, links
from pipeline.archive import records as store
from pipeline.extract import extract
from pipeline.extract.components import classify, codes, labels, values
from pipeline.extract.fields import Field
from pipeline.models import Line, PageText, Word
from pipeline.reader import Reader
from pipeline.synth.components import receipt_qr
from pipeline.synth.paper import qr_image

CODE = "000.17.22.H56-240126-0001"
CID = "092085001234"  # Cần Thơ, male, born 1985


def page(*rows: str, number: int = 1, centred: bool = True) -> PageText:
    """A text-layer A4 page: one line per row, 18 pt apart, 6 pt per character, centred or from the left margin."""
    lines = []
    for i, row in enumerate(rows):
        x = (595 - 6 * len(row)) / 2 if centred else 60.0
        words, y = [], 60.0 + 18 * i
        for w in row.split():
            words.append(Word(w, (x, y, x + 6 * len(w), y + 12)))
            x += 6 * (len(w) + 1)
        if words:
            lines.append(Line(tuple(words)))
    return PageText(number, 595.0, 842.0, "text_layer", lines)


RECEIPT = page("UBND THÀNH PHỐ CẦN THƠ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
               "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: {CODE}",
               "Tiếp nhận hồ sơ của: Ông/Bà Nguyễn Văn An", f"Số định danh cá nhân: {CID}",
               "Mã thủ tục: 1.004227", "4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 26/01/2024",
               "5. Thời gian trả kết quả giải quyết hồ sơ: 14 giờ 00 phút, ngày 09/02/2024")
FORM = page("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI",
            "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "Kính gửi: Văn phòng đăng ký đất đai",
            "1. Họ và tên: Trần Thị Lan", "2. Ngày sinh: 05/03/1990", "3. Số CCCD: 092190001234",
            "4. Địa chỉ: Số 12, đường Lê Lợi, phường Cái Khế", "5. Số điện thoại: 0912 345 678", "", "", "",
            "Cần Thơ, ngày 15 tháng 01 năm 2024", "NGƯỜI VIẾT ĐƠN", *[""] * 20)
GCN = page("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN",
           "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", "Ông: NGUYỄN VĂN AN, Năm sinh: 1985",
           f"Số định danh cá nhân: {CID}", "a) Thửa đất số: 125; b) Tờ bản đồ số: 18;", "d) Diện tích: 1.250,5 m²",
           "Số vào sổ cấp Giấy chứng nhận: DC 0512", "AA 01234567")
CARD = page("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM", "CĂN CƯỚC CÔNG DÂN",
            f"Số / No.: {CID}", "Họ và tên / Full name:", "NGUYỄN VĂN AN", "Ngày sinh / Date of birth: 12/05/1985",
            "Giới tính / Sex: Nam Quốc tịch / Nationality: Việt Nam", "Nơi thường trú / Place of residence:",
            "Số 12, đường Lê Lợi,", "phường Cái Khế, Cần Thơ", "Có giá trị đến: 12/05/2045", centred=False)


@pytest.mark.parametrize(("pg", "kind"), [(RECEIPT, "receipt"), (FORM, "application_form"),
                                          (GCN, "land_certificate"), (CARD, "id_card")])
def test_title_decides_the_kind_with_supporting_labels(pg, kind):
    d = classify.classify([pg])
    assert d.kind == kind and d.confidence >= 0.85, d
    assert any(c.startswith("title:") for c in d.cues)


def test_a_form_titled_for_a_certificate_is_a_form_not_a_certificate():
    """'ĐƠN ĐỀ NGHỊ CẤP ĐỔI …' wraps onto 'GIẤY CHỨNG NHẬN …': the topmost title decides."""
    assert classify.classify([FORM]).kind == "application_form"


def test_a_decision_about_a_certificate_in_sentence_case_is_not_a_certificate():
    pg = page("Về việc cấp Giấy chứng nhận quyền sử dụng đất", "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024",
              "Điều 1. Cấp Giấy chứng nhận cho hộ ông Nguyễn Văn An")
    d = classify.classify([pg])
    assert d.kind == "other" and d.confidence < classify.KIND_BELOW


def _two_columns(rows: list[tuple[str, str]]) -> PageText:
    """A text-layer page with a Decree 30 header: left column at x=60, right column at x=320."""
    lines = []
    for i, row in enumerate(rows):
        y = 50.0 + 18 * i
        words = []
        for x, text in ((60.0, row[0]), (320.0, row[1])):
            for w in text.split():
                words.append(Word(w, (x, y, x + 6 * len(w), y + 12)))
                x += 6 * (len(w) + 1)
        if words:
            lines.append(Line(tuple(words)))
    return PageText(1, 595.0, 842.0, "text_layer", lines)


def test_agency_contract_under_a_decree30_header_is_an_administrative_document():
    """syn21 of bench/synthetic.py: 'HỢP ĐỒNG' under 'ỦY BAN NHÂN DÂN TỈNH …' and 'Số: 1024/HĐ-UBND' is a
    Decree 30 document of type HĐ, read for its header fields — not a citizens' contract."""
    pg = _two_columns([("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                       ("TỈNH THỪA THIÊN HUẾ", "Độc lập - Tự do - Hạnh phúc"),
                       ("Số: 1024/HĐ-UBND", "Thừa Thiên Huế, ngày 01 tháng 10 năm 2025"),
                       ("", ""), ("", "HỢP ĐỒNG"), ("", "Về việc cung cấp dịch vụ số hóa hồ sơ lưu trữ")])
    d = classify.classify([pg])
    assert d.kind == "administrative" and d.document_type == "Hợp đồng", d
    citizens = page("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                    "HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT", "BÊN A (bên chuyển nhượng):", "BÊN B:", "Điều 1")
    assert classify.classify([citizens]).kind == "contract"


def test_unknown_paper_is_other_and_flagged_never_a_confident_guess():
    ex = extract([page("SƠ ĐỒ VỊ TRÍ KHU ĐẤT", "Ghi chú: ranh giới theo hiện trạng", *["đường nét"] * 10)],
                 zone_ocr=False, read_codes=False)
    assert ex.component is not None and ex.component.kind == "other"
    assert "component.kind" in ex.review.fields and ex.review.needed


def test_receipt_fields_and_no_decree30_flags():
    ex = extract([RECEIPT], zone_ocr=False, read_codes=False)
    r = ex.component.receipt
    assert (r.dossier_code, r.procedure_code, r.applicant) == (CODE, "1.004227", "Nguyễn Văn An")
    assert (r.received_date, r.appointment_date, r.applicant_citizen_id) == ("2024-01-26", "2024-02-09", CID)
    assert not r.linked_by_qr  # no QR code: the printed code alone links nothing
    assert not any(f in ex.review.fields for f in ("number", "symbol", "signer_name", "summary"))
    assert ex.component.evidence["receipt.dossier_code"].page == 1


def test_form_fields_read_after_their_labels():
    f = extract([FORM], zone_ocr=False, read_codes=False).component.application_form
    assert (f.applicant_name, f.date_of_birth, f.citizen_id) == ("Trần Thị Lan", "1990-03-05", "092190001234")
    assert (f.phone, f.signed_date) == ("0912345678", "2024-01-15")
    assert f.address.startswith("Số 12, đường Lê Lợi") and f.procedure_name.startswith("Đơn đề nghị cấp đổi")


def test_land_certificate_serial_parcel_area_owner():
    g = extract([GCN], zone_ocr=False, read_codes=False).component.land_certificate
    assert (g.serial, g.parcel_number, g.map_sheet, g.area_m2) == ("AA 01234567", "125", "18", 1250.5)
    assert (g.owner, g.owner_citizen_id) == ("NGUYỄN VĂN AN", CID)


def test_id_card_fields_cross_checked_and_continued_address():
    ex = extract([CARD], zone_ocr=False, read_codes=False)
    c = ex.component.id_card
    assert (c.number, c.full_name, c.date_of_birth, c.sex) == (CID, "NGUYỄN VĂN AN", "1985-05-12", "Nam")
    assert c.place_of_residence == "Số 12, đường Lê Lợi, phường Cái Khế, Cần Thơ"
    assert (c.expiry_date, c.side) == ("2045-05-12", "front")
    assert not [f for f in ex.review.fields if f.startswith("component.id_card")]


def test_id_number_that_contradicts_the_printed_sex_is_flagged():
    number = Field(CID, 0.99, 1, (0, 0, 1, 1))
    values.cross_check_id(number, Field("1985-05-12", 1.0), Field("Nữ", 1.0))
    assert number.confidence <= 0.5 and "disagrees" in number.reason


def test_invalid_cccd_is_kept_flagged():
    hit = labels.Hit("099385001234", (Word("099385001234", (0, 0, 10, 10)),), RECEIPT, "SO")
    f = values.citizen_id_field(hit)
    assert f.value == "099385001234" and f.confidence <= 0.5 and "fails" in f.reason


@pytest.mark.parametrize("shape", ["json", "pairs", "pipe"])
def test_receipt_qr_shapes_are_read(shape):
    got = codes.read_receipt(receipt_qr(CODE, "1.004227", CID, shape))
    assert got is not None and (got["dossier_code"], got["procedure_code"], got["citizen_id"]) == \
        (CODE, "1.004227", CID)


@pytest.mark.parametrize("text", ["https://dichvucong.example.vn/tra-cuu?ma=abc", json.dumps({"MaHoSo": "HS-12"}),
                                  f"{CODE} {CODE.replace('0001', '0002')}", "WIFI:S:office;T:WPA;P:secret;;"])
def test_foreign_or_ambiguous_qr_content_is_never_a_code(text):
    assert codes.read_receipt(text) is None
    [c] = codes.interpret([barcodes.Code("QRCode", text, 1, (0, 0, 10, 10))])
    assert c.scheme == "unknown" and c.values == {} and c.text == text


def test_zxing_decodes_a_segno_code_in_page_points():
    im = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    im.paste(qr_image(receipt_qr(CODE, "1.004227", CID), 180), (60, 60))
    [c] = barcodes.decode(im, page=1, points_per_pixel=72 / 150)
    assert c.format == "QRCode" and CODE in c.text
    assert 25 < c.bbox[0] < 40 and 100 < c.bbox[2] < 125  # 60 px and 240 px at 150 dpi, in points
    assert barcodes.decode(Image.new("L", (800, 800), 255), page=1, points_per_pixel=1.0) == []


def test_receipt_qr_confirms_the_printed_code_and_links(tmp_path):
    png = tmp_path / "p.png"
    im = Image.new("RGB", (1240, 1754), "white")
    im.paste(qr_image(receipt_qr(CODE, "1.004227", CID), 200), (60, 60))
    im.save(png)
    pg = PageText(1, 595.0, 842.0, "ocr", RECEIPT.lines, png, 150)
    ex = extract([pg], zone_ocr=False)
    r = ex.component.receipt
    assert r.linked_by_qr and r.dossier_code == CODE and ex.component.codes[0].scheme == "dossier_receipt"
    assert ex.component.evidence["receipt.dossier_code"].confidence >= 0.98


def test_receipt_qr_that_disagrees_with_the_print_is_flagged_not_linked(tmp_path):
    png = tmp_path / "p.png"
    im = Image.new("RGB", (1240, 1754), "white")
    im.paste(qr_image(receipt_qr(CODE.replace("0001", "0777"), "1.004227", CID), 200), (60, 60))
    im.save(png)
    ex = extract([PageText(1, 595.0, 842.0, "ocr", RECEIPT.lines, png, 150)], zone_ocr=False)
    assert not ex.component.receipt.linked_by_qr
    assert "component.receipt.dossier_code" in ex.review.fields


def _record(doc: str, component: dict, **md: object) -> dict:
    return {"document_id": doc, "dossier_id": "scan-2024-01-26", "source": {"filename": f"{doc[:4]}.pdf"},
            "metadata": {"citizen_ids": [], **md}, "component": component}


def test_index_kind_procedure_and_owner_hmac_in_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("SOHOA_INDEX_KEY", "k1")
    rec = _record("a" * 64, {"kind": "receipt", "receipt": {"procedure_code": "1.004227",
                                                             "applicant_citizen_id": CID}})
    keys = index.entries_for(rec, b"k1")
    assert f"index/kind/receipt/{'a' * 64}" in keys and f"index/procedure/1.004227/{'a' * 64}" in keys
    assert not any(CID in k for k in keys) and f"index/citizen/{index.citizen_hash(CID, b'k1')}/{'a' * 64}" in keys
    entry = store.manifest_entry(rec)
    assert entry["kind"] == "receipt" and entry["owner_citizen_hmac"] == index.citizen_hash(CID, b"k1")
    assert CID not in json.dumps(entry)
    monkeypatch.delenv("SOHOA_INDEX_KEY")
    assert "owner_citizen_hmac" not in store.manifest_entry(rec)


def test_links_list_the_whole_folder_under_the_receipts_code(tmp_path):
    arch = LocalArchive(tmp_path / "a")
    receipt = _record("b" * 64, {"kind": "receipt", "receipt": {"dossier_code": CODE, "linked_by_qr": True}})
    card = _record("c" * 64, {"kind": "id_card", "id_card": {"number": CID}})
    unlinked = _record("d" * 64, {"kind": "receipt", "receipt": {"dossier_code": CODE, "linked_by_qr": False}})
    made = links.link_by_receipts(arch, [("scan-2024-01-26", "r.pdf", receipt), ("scan-2024-01-26", "c.jpg", card),
                                         (None, "loose.pdf", unlinked), (CODE, "x.pdf", receipt)])
    assert [(m.dossier_code, m.inbox_folder, m.documents) for m in made] == [(CODE, "scan-2024-01-26", 2)]
    manifest = arch.get_json(f"dossiers/{CODE}/manifest.json")
    assert {(d["filename"], d["kind"], d["linked_by"]) for d in manifest["documents"]} == \
        {("r.pdf", "receipt", "receipt_qr"), ("c.jpg", "id_card", "receipt_qr")}
    assert index.lookup(arch, "dossier", CODE) == sorted(["b" * 64, "c" * 64])


def test_reader_find_by_kind_and_procedure(tmp_path):
    arch = LocalArchive(tmp_path / "a")
    for doc, comp in (("e" * 64, {"kind": "receipt", "receipt": {"procedure_code": "1.004227"}}),
                      ("f" * 64, {"kind": "id_card"})):
        store.commit_record(arch, _record(doc, comp))
    r = Reader(arch)
    assert [x["document_id"] for x in r.find(kind="id_card")] == ["f" * 64]
    assert [x["document_id"] for x in r.find(procedure="1.004227", kind="receipt")] == ["e" * 64]
    with pytest.raises(ValueError, match="kind must be one of"):
        r.find(kind="passport")
