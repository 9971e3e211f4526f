"""`extract()` on synthetic pages laid out like Decree 30 documents (no OCR: text-layer style words)."""

from __future__ import annotations

from pipeline.extract import extract
from pipeline.extract.nd30 import to_nd30
from pipeline.models import Line, PageText, Word

W, H = 595.0, 842.0


def line(text: str, x: float, top: float, *, conf: float = 96.0, size: float = 13.0) -> Line:
    words, cx = [], x
    for t in text.split():
        w = 0.55 * size * len(t)
        words.append(Word(t, (cx, top, cx + w, top + size), conf))
        cx += w + 0.3 * size
    return Line(tuple(words))


def page(lines: list[Line], number: int = 1, method: str = "ocr") -> PageText:
    return PageText(number, W, H, method, lines)  # type: ignore[arg-type]


def body(top: float, n: int = 6) -> list[Line]:
    return [line("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 và các", 95, top + 18 * i)
            for i in range(n)]


def signer(top: float, titles: list[str], name: str) -> list[Line]:
    out = [line("Nơi nhận:", 95, top)] + [line(t, 360, top + 15 * i) for i, t in enumerate(titles)]
    out += [line("- Như trên;", 95, top + 15), line("- Lưu: VT.", 95, top + 30)]
    out.append(line(name, 365, top + 15 * len(titles) + 90))
    return out


def header(agency: list[str], number: str, place_date: str) -> list[Line]:
    out = [line(a, 100, 60 + 15 * i) for i, a in enumerate(agency)]
    out += [line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 280, 60), line("Độc lập - Tự do - Hạnh phúc", 320, 75)]
    out += [line(number, 110, 60 + 15 * len(agency) + 25), line(place_date, 300, 60 + 15 * len(agency) + 25)]
    return out


def decision_page(agency=("ỦY BAN NHÂN DÂN", "TỈNH HẬU GIANG"), number="Số: 12/2024/QĐ-UBND") -> PageText:
    lines = header(list(agency), number, "Hậu Giang, ngày 05 tháng 01 năm 2024")
    lines += [line("QUYẾT ĐỊNH", 260, 150), line("Về việc ban hành Quy chế làm việc", 190, 166)]
    lines += body(220)
    lines += signer(420, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], "Nguyễn Văn An")
    return page(lines)


def test_decision_all_fields():
    ex = extract([decision_page()], zone_ocr=False)
    md = ex.metadata
    assert md.document_type == "Quyết định" and md.document_type_code == "QĐ"
    assert (md.number, md.symbol, md.number_symbol) == ("12", "QĐ-UBND", "12/2024/QĐ-UBND")
    assert md.issued_place == "Hậu Giang" and md.issued_date == "2024-01-05"
    assert md.issuing_agency == "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG" and md.parent_agency is None
    assert md.summary == "Về việc ban hành Quy chế làm việc"
    assert md.signer_title == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert md.signer_name == "Nguyễn Văn An"
    assert ex.evidence["symbol"].page == 1 and 0 <= ex.evidence["symbol"].confidence <= 1


def test_cong_van_with_vv():
    lines = header(["ỦY BAN NHÂN DÂN", "TỈNH CÀ MAU"], "Số: 299/UBND-TTHC", "Cà Mau, ngày 15 tháng 01 năm 2025")
    lines += [line("V/v công bố Danh mục thủ tục", 85, 134), line("hành chính năm 2025", 100, 148)]
    lines += [line("Kính gửi: Sở Tư pháp", 220, 180), *body(210)]
    lines += signer(420, ["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"], "Lê Thị Hoa")
    md = extract([page(lines)], zone_ocr=False).metadata
    assert md.document_type == "Công văn" and md.document_type_code is None
    assert md.symbol == "UBND-TTHC" and md.number_symbol == "299/UBND-TTHC"
    assert md.summary == "V/v công bố Danh mục thủ tục hành chính năm 2025"
    assert md.signer_title == "TL. CHỦ TỊCH CHÁNH VĂN PHÒNG" and md.signer_name == "Lê Thị Hoa"


def test_two_level_header():
    ex = extract([decision_page(agency=("UBND TỈNH LÂM ĐỒNG", "SỞ TÀI CHÍNH"), number="Số: 07/QĐ-STC")],
                 zone_ocr=False)
    assert ex.metadata.parent_agency == "UBND TỈNH LÂM ĐỒNG"
    assert ex.metadata.issuing_agency == "SỞ TÀI CHÍNH"


def test_old_tone_header_uy_ban():
    ex = extract([decision_page(agency=("UỶ BAN NHÂN DÂN", "TỈNH HẬU GIANG"))], zone_ocr=False)
    assert ex.metadata.issuing_agency == "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG"


def test_missing_number_is_null_and_flagged():
    ex = extract([decision_page(number="Số:      /QĐ-UBND")], zone_ocr=False)
    assert ex.metadata.number is None and ex.metadata.number_symbol is None
    assert ex.metadata.symbol == "QĐ-UBND"
    assert "number" in ex.review.fields and ex.review.needed


def test_handwritten_low_confidence_number_not_trusted():
    p = decision_page(number="Số: 51 /QĐ-UBND")
    p.lines = [Line(tuple(Word(w.text, w.bbox, 40.0 if w.text == "51" else w.confidence) for w in ln.words))
               for ln in p.lines]
    ex = extract([p], zone_ocr=False)
    assert ex.metadata.number is None and "number" in ex.review.fields


def test_signer_on_middle_page_blank_last_page_skipped():
    first = decision_page()
    first.lines = [ln for ln in first.lines if ln.bbox[1] < 400]
    second = page(body(60) + signer(200, ["CHỦ TỊCH"], "Trần Văn Bình"), number=2)
    blank = page([line("5", 300, 40)], number=3)
    md = extract([first, second, blank], zone_ocr=False).metadata
    assert md.signer_title == "CHỦ TỊCH" and md.signer_name == "Trần Văn Bình"


def test_identifiers_collected_from_all_pages():
    p2 = page([*body(60), line("Người nộp: CCCD 092085001234, mã hồ sơ 000.17.22.H56-210531-0001", 95, 300)],
              number=2)
    md = extract([decision_page(), p2], zone_ocr=False).metadata
    assert md.citizen_ids == ["092085001234"] and md.dossier_codes == ["000.17.22.H56-210531-0001"]


def test_empty_input_does_not_raise():
    assert extract([], zone_ocr=False).metadata.number is None
    assert extract([page([])], zone_ocr=False).metadata.document_type is None


def test_nd30_mapping():
    ex = extract([decision_page()], zone_ocr=False)
    rec = {"metadata": ex.metadata.model_dump(), "source": {"page_count": 2}, "engine": {"language": "vie"},
           "dossier_id": None}
    nd = to_nd30(rec)
    assert nd["TypeName"] == "Quyết định" and nd["CodeNumber"] == "12" and nd["CodeNotation"] == "QĐ-UBND"
    assert nd["IssuedDate"] == "2024-01-05" and nd["PageAmount"] == 2 and nd["Language"] == "Tiếng Việt"
    assert nd["SignerInfo"] == {"Position": "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
                                "FullName": "Nguyễn Văn An"}
