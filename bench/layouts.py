"""Layouts beyond the provincial People's Committee's, for `bench/synthetic.py --set layouts`.

Each layout is a named case (the regression tests in tests/test_extract_layouts.py carry the same names):
- `so_cong_van`: a department's letter (SỞ … under UBND TỈNH), "Số:" and "V/v" in the left column,
  "Kính gửi:", signed "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC";
- `city_committee`: a centrally-run city's People's Committee (Đà Nẵng, Hải Phòng, Cần Thơ, Huế, Hà Nội);
- `commune_2025`: a commune, ward or special zone after the 2025 reorganisation (names from
  `vietnam-provinces`), its name on the date line;
- `number_touching_agency`: the number line set right under the agency block, no space between;
- `typewritten_old`: a typewritten document of 1996–2004 (monospaced, old tone placement 'UỶ', 'HOÀ',
  days and months without a leading zero, 'QĐ-UB', 'T/M' and 'K/T'), grey and blurred;
- `handwritten_blanks`: number and day (sometimes the month) written by hand from held-out MNIST digits.
"""

from __future__ import annotations

import functools
import random

from pipeline.extract import vocab
from pipeline.synth import Document

LAYOUTS = ("so_cong_van", "city_committee", "commune_2025", "number_touching_agency", "typewritten_old",
           "handwritten_blanks")
DEPARTMENTS = (("SỞ TÀI CHÍNH",), ("SỞ GIÁO DỤC VÀ ĐÀO TẠO",), ("SỞ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"), ("SỞ Y TẾ",),
               ("SỞ XÂY DỰNG",), ("SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"), ("SỞ NỘI VỤ",), ("SỞ TƯ PHÁP",))
ABBREV = {"SỞ TÀI CHÍNH": "STC", "SỞ GIÁO DỤC VÀ ĐÀO TẠO": "SGDĐT", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG": "SNNMT",
          "SỞ Y TẾ": "SYT", "SỞ XÂY DỰNG": "SXD", "SỞ KHOA HỌC VÀ CÔNG NGHỆ": "SKHCN", "SỞ NỘI VỤ": "SNV",
          "SỞ TƯ PHÁP": "STP"}
CITIES = ("ĐÀ NẴNG", "HẢI PHÒNG", "CẦN THƠ", "HUẾ", "HÀ NỘI")
LETTERS = (("V/v hướng dẫn quyết toán kinh phí", "chuyển đổi số năm 2024"), ("V/v góp ý dự thảo Kế hoạch",),
           ("V/v triển khai Hệ thống thông tin", "giải quyết thủ tục hành chính"), ("V/v báo cáo tình hình thực hiện",))
RECIPIENTS = (("Ủy ban nhân dân các xã, phường",), ("Các sở, ban, ngành tỉnh",),
              ("Sở Tài chính", "Sở Nội vụ"))
DECISIONS = (("Về việc phê duyệt kế hoạch sử dụng đất năm 2025",),
             ("Về việc công bố danh mục thủ tục hành chính", "thuộc thẩm quyền giải quyết"))
NAMES = ("Nguyễn Văn An", "Trần Thị Bích Hạnh", "Lê Hoàng Phúc", "Phạm Minh Đức", "Huỳnh Thị Mỹ Linh",
         "Đỗ Quang Hưng", "Võ Thành Nhân", "Bùi Xuân Trường", "Hồ Thị Kim Chi", "Ngô Đức Thắng")
OLD_NATIONAL = ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@functools.cache
def _communes() -> list[tuple[str, str]]:
    """(unit word in capitals, name) of every 2025 commune, ward and special zone."""
    from vietnam_provinces import Ward

    out = []
    for w in Ward.iter_all():
        unit = {"xã": "XÃ", "phường": "PHƯỜNG", "đặc khu": "ĐẶC KHU"}[w.division_type.value]
        out.append((unit, vocab._bare(w.name)))
    return out


def _date(rng: random.Random, padded: bool = True, years: tuple[int, int] = (2019, 2025)) -> tuple[str, str, str]:
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    d = f"{day:02d}" if padded else str(day)
    m = f"{month:02d}" if padded and month <= 2 else str(month)
    return d, m, str(rng.randint(*years))


def _number(rng: random.Random) -> str:
    return rng.choice([f"0{rng.randint(1, 9)}", str(rng.randint(10, 99)), str(rng.randint(100, 999))])


def make(layout: str, i: int, rng: random.Random) -> tuple[Document, dict[str, object], dict[str, object]]:
    """Document i of `layout`, its truth, and how it is scanned."""
    scan: dict[str, object] = {"seal": rng.random() < 0.4, "dpi": rng.choice([300, 300, 200]),
                               "skew": rng.choice([0.0, 0.0, 0.4, -0.6]), "blur": rng.choice([0.0, 0.0, 0.5]),
                               "grey": rng.random() < 0.2, "quality": rng.choice([60, 80, 92])}
    day, month, year = _date(rng)
    province = rng.choice(("QUẢNG NGÃI", "ĐỒNG NAI", "CAO BẰNG", "LÂM ĐỒNG", "GIA LAI", "NGHỆ AN"))
    place = vocab.snap_province(province).value  # type: ignore[union-attr]
    kw: dict[str, object] = {"number": _number(rng), "day": day, "month": month, "year": year,
                             "signer_name": rng.choice(NAMES), "rules": rng.random() < 0.6}
    if layout == "so_cong_van":
        lines = rng.choice(DEPARTMENTS)
        kw.update(parent_agency=f"UBND TỈNH {province}", agency_lines=lines, place=place, type_name=None,
                  symbol=f"{ABBREV[' '.join(lines)]}-{rng.choice(['VP', 'KHTC', 'QLNS', 'TCCB'])}",
                  summary_lines=rng.choice(LETTERS), recipients=rng.choice(RECIPIENTS),
                  signer_lines=rng.choice([("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), ("GIÁM ĐỐC",)]))
    elif layout == "city_committee":
        city = rng.choice(CITIES)
        kw.update(agency_lines=("ỦY BAN NHÂN DÂN", f"THÀNH PHỐ {city}"), place=vocab.snap_province(city).value,  # type: ignore[union-attr]
                  symbol="QĐ-UBND", summary_lines=rng.choice(DECISIONS),
                  signer_lines=rng.choice([("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                                           ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")]))
    elif layout == "commune_2025":
        unit, name = rng.choice(_communes())
        kw.update(agency_lines=("ỦY BAN NHÂN DÂN", f"{unit} {name.upper()}"), place=name, symbol="QĐ-UBND",
                  summary_lines=rng.choice(DECISIONS), signer_lines=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
                  month=str(rng.randint(7, 12)), year="2025")
    elif layout == "number_touching_agency":
        lines = rng.choice(DEPARTMENTS)
        kw.update(parent_agency=f"UBND TỈNH {province}", agency_lines=lines, place=place, number_gap=0.0,
                  symbol=f"QĐ-{ABBREV[' '.join(lines)]}", summary_lines=rng.choice(DECISIONS),
                  signer_lines=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"))
    elif layout == "typewritten_old":
        day, month, year = _date(rng, padded=False, years=(1996, 2004))
        old = rng.choice(("CAO BẰNG", "HÀ GIANG", "QUẢNG NAM", "SÓC TRĂNG", "BÌNH ĐỊNH"))
        kw.update(agency_lines=("UỶ BAN NHÂN DÂN", f"TỈNH {old}"), place=vocab.snap_province(old).value,  # type: ignore[union-attr]
                  symbol="QĐ-UB", day=day, month=month, year=year, national=OLD_NATIONAL, typewriter=True,
                  summary_lines=("V/v thành lập Hội đồng tư vấn",),
                  signer_lines=(f"T/M UỶ BAN NHÂN DÂN TỈNH {old}", "K/T CHỦ TỊCH", "PHÓ CHỦ TỊCH"))
        scan.update(grey=True, blur=0.7, dpi=200, seal=False)
    elif layout == "handwritten_blanks":
        hand = ("number", "day", "month") if rng.random() < 0.25 else ("number", "day")
        kw.update(agency_lines=("ỦY BAN NHÂN DÂN", f"TỈNH {province}"), place=place, symbol="QĐ-UBND",
                  summary_lines=rng.choice(DECISIONS), hand=hand, hand_seed=rng.randint(0, 10**6),
                  ink=rng.choice([(28, 42, 160), (35, 35, 40)]))
    else:
        raise ValueError(layout)
    doc = Document(**kw)  # type: ignore[arg-type]
    sentence = doc.type_name[0] + doc.type_name[1:].lower() if doc.type_name else "Công văn"
    truth: dict[str, object] = {
        "document_type": sentence, "number": doc.number, "symbol": doc.symbol,
        "number_symbol": f"{doc.number}/{doc.symbol}",
        "issued_date": f"{doc.year}-{int(doc.month):02d}-{int(doc.day):02d}", "issued_place": doc.place,
        "issuing_agency": " ".join(doc.agency_lines), "parent_agency": doc.parent_agency,
        "summary": " ".join(doc.summary_lines), "signer_title": " ".join(doc.signer_lines),
        "signer_name": doc.signer_name, "citizen_ids": [],
    }
    return doc, truth, scan
