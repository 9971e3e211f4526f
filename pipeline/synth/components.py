"""Synthetic dossier components — receipt with QR code, application form with handwriting-like fill-ins,
ID card (front, back, phone photo, photocopy), land-use right certificate, contract, decision, and an
unnamed paper — each with its ground truth (kind and fields), and the mix of them (`sample`, `generate`).

For the tests, the bench (bench/components.py) and the sample inbox; nothing large is committed.
What they are drawn with (fonts, `Page`, `Person`, scan qualities) is in `paper`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from pipeline.synth.document import Document
from pipeline.synth.paper import (
    INK,
    PROVINCE,
    QUALITIES,
    RED,
    WARDS,
    Page,
    Person,
    _dmy,
    _mono,
    degrade,
    dossier_code,
    person,
    photo,
    qr_image,
)
from pipeline.synth.render import render_page


@dataclass
class Sample:
    """One rendered document: its page images and what a reader should find."""

    kind: str
    images: list[Image.Image]
    fields: dict[str, Any] = field(default_factory=dict)
    quality: str = "clean"
    name: str = ""


def receipt_qr(code: str, procedure: str, cid: str, shape: str = "json") -> str:
    """QR content as provincial systems print it (several shapes are seen)."""
    name = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    if shape == "json":
        return json.dumps({"MaHoSo": code, "MaTTHC": procedure, "SoGiayTo": cid, "TenGiayTo": name},
                          ensure_ascii=False)
    if shape == "pairs":
        return f"MaHoSo={code};MaTTHC={procedure};SoGiayTo={cid};TenGiayTo={name}"
    return f"{code}|{procedure}|{cid}|{name}"


def receipt(rng: random.Random, *, code: str | None = None, qr: str | None = "json", p: Person | None = None) -> Sample:
    p = p or person(rng)
    code = code or dossier_code(rng)
    procedure = rng.choice(("1.004227", "1.012345", "2.000889", "1.003003"))
    received = f"2024-01-{rng.randint(10, 28):02d}"
    appointment = f"2024-02-{rng.randint(1, 28):02d}"
    pg = Page()
    col_l, col_r = (pg.left + 300, pg.left + 1050), (pg.left + 1000, pg.right)
    if qr:
        content = qr if qr.startswith("http") else receipt_qr(code, procedure, p.citizen_id, qr)
        pg.im.paste(qr_image(content, 290), (pg.left - 60, pg.y - 40))
    pg.center("UBND THÀNH PHỐ CẦN THƠ", "regular", col=col_l)
    pg.national(col=col_r)
    pg.y += 70
    pg.center("TRUNG TÂM PHỤC VỤ", col=col_l)
    pg.y += 70
    pg.center("HÀNH CHÍNH CÔNG", col=col_l)
    pg.y += 120
    y, m, d = received.split("-")
    pg.center(f"Cần Thơ, ngày {d} tháng {m} năm {y}", "italic", col=col_r)
    pg.y += 160
    pg.center("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", size=56)
    pg.y += 90
    pg.center(f"Mã hồ sơ: {code}", "regular")
    pg.y += 120
    pg.wrapped("Trung tâm Phục vụ hành chính công thành phố Cần Thơ đã tiếp nhận hồ sơ theo quy định.")
    pg.line(f"Tiếp nhận hồ sơ của: Ông/Bà {p.name}")
    pg.line(f"Số định danh cá nhân: {p.citizen_id}")
    pg.line(f"Địa chỉ: {p.address}")
    pg.line(f"Số điện thoại: {p.phone}")
    pg.line("Nội dung yêu cầu giải quyết: Đăng ký biến động quyền sử dụng đất")
    pg.line(f"Mã thủ tục: {procedure}")
    pg.wrapped("1. Thành phần hồ sơ nộp gồm: Đơn đăng ký biến động; Giấy chứng nhận; Căn cước công dân.")
    pg.line("2. Số lượng hồ sơ: 01 bộ")
    pg.line("3. Thời gian giải quyết hồ sơ theo quy định là: 10 ngày làm việc")
    pg.line(f"4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày {_dmy(received)}")
    pg.line(f"5. Thời gian trả kết quả giải quyết hồ sơ: 14 giờ 00 phút, ngày {_dmy(appointment)}")
    pg.line("6. Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công")
    pg.y += 80
    pg.center("NGƯỜI NỘP HỒ SƠ", col=(pg.left, pg.left + 1000))
    pg.center("NGƯỜI TIẾP NHẬN HỒ SƠ", col=col_r)
    truth = {"dossier_code": code, "procedure_code": procedure, "applicant": p.name,
             "received_date": received, "appointment_date": appointment}
    return Sample("receipt", [pg.im], truth)


FORM_TITLES = (("ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI,", "TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
               ("ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI", "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"),
               ("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",),
               ("ĐƠN ĐỀ NGHỊ TÁCH THỬA ĐẤT, HỢP THỬA ĐẤT",))


def form(rng: random.Random, *, p: Person | None = None) -> Sample:
    p = p or person(rng)
    title = rng.choice(FORM_TITLES)
    signed = f"2024-01-{rng.randint(10, 28):02d}"
    pg = Page()
    pg.national()
    pg.y += 260
    for t in title:
        pg.center(t, size=54)
        pg.y += 80
    pg.y += 60
    pg.line("Kính gửi: Văn phòng đăng ký đất đai thành phố Cần Thơ")
    pg.y += 30
    pg.field(rng.choice(("1. Họ và tên", "1. Họ, chữ đệm và tên")), p.name, rng)
    pg.field("2. Ngày sinh", _dmy(p.birth), rng)
    pg.field(rng.choice(("3. Số định danh cá nhân", "3. Số CCCD")), p.citizen_id, rng)
    pg.field("4. Địa chỉ", p.address, rng)
    pg.field("5. Số điện thoại", p.phone, rng)
    pg.wrapped("6. Nội dung đề nghị: đăng ký biến động do chuyển nhượng quyền sử dụng đất theo hợp đồng đã công "
               "chứng; đề nghị cấp Giấy chứng nhận mới.")
    pg.y += 30
    pg.wrapped("Tôi xin cam đoan nội dung kê khai trên đơn là đúng sự thật, nếu sai tôi hoàn toàn chịu trách "
               "nhiệm trước pháp luật.")
    pg.y += 60
    y, m, d = signed.split("-")
    pg.center(f"Cần Thơ, ngày {d} tháng {m} năm {y}", "italic", col=(pg.left + 1050, pg.right))
    pg.y += 80
    pg.center("NGƯỜI VIẾT ĐƠN", col=(pg.left + 1050, pg.right))
    pg.y += 70
    pg.center("(Ký, ghi rõ họ tên)", "italic", col=(pg.left + 1050, pg.right))
    pg.y += 260
    pg.text(pg.left + 1350, pg.y, p.name, "hand", size=58, fill=INK, serif=False)
    procedure = " ".join(title).rstrip(",").replace(", ", ", ")
    truth = {"procedure_name": procedure, "applicant_name": p.name, "date_of_birth": p.birth,
             "citizen_id": p.citizen_id, "address": p.address, "phone": p.phone, "signed_date": signed}
    return Sample("application_form", [pg.im], truth)


def card_front(p: Person, expiry: str, *, qr: bool = True) -> Image.Image:
    """The front of a chip CCCD (2021 form) at ~340 dpi: 1150 × 725 px."""
    pg = Page(1150, 725, size=27)
    pg.im.paste((238, 243, 236), (0, 0, 1150, 725))
    d = pg.d
    d.rectangle((40, 210, 300, 560), outline=(120, 120, 120), width=3, fill=(215, 220, 225))
    if qr:
        text = f"{p.citizen_id}|{p.citizen_id[-9:]}|{p.name}|{p.birth[8:]}{p.birth[5:7]}{p.birth[:4]}|{p.sex}|" \
               f"{p.address}|15082021"
        pg.im.paste(qr_image(text, 170), (940, 30))
    pg.y = 28
    pg.center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", col=(150, 930), size=27)
    pg.y = 62
    pg.center("Độc lập - Tự do - Hạnh phúc", col=(150, 930), size=25)
    pg.y = 95
    pg.center("SOCIALIST REPUBLIC OF VIET NAM", "regular", col=(150, 930), size=22)
    pg.y = 140
    pg.center("CĂN CƯỚC CÔNG DÂN", col=(150, 930), size=40, fill=(150, 20, 20))
    x = 330
    lines = [(f"Số / No.: {p.citizen_id}", "bold"), ("Họ và tên / Full name:", "regular"), (p.name.upper(), "bold"),
             (f"Ngày sinh / Date of birth: {_dmy(p.birth)}", "regular"),
             (f"Giới tính / Sex: {p.sex}     Quốc tịch / Nationality: Việt Nam", "regular"),
             ("Quê quán / Place of origin: Cần Thơ", "regular"), ("Nơi thường trú / Place of residence:", "regular")]
    street, _, rest = p.address.partition(", đường ")
    lines += [(f"{street}, đường {rest.split(', ')[0]},", "regular"), (", ".join(rest.split(", ")[1:]), "regular")]
    y = 205
    for s, style in lines:
        pg.text(x, y, s, style, size=27, serif=False)
        y += 44
    pg.text(40, 600, f"Có giá trị đến: {_dmy(expiry)}", "regular", size=24, serif=False)
    pg.text(40, 635, "Date of expiry", "regular", size=22, serif=False)
    return pg.im


def card_back(p: Person, issued: str = "2021-08-15") -> Image.Image:
    pg = Page(1150, 725, size=26)
    pg.im.paste((236, 240, 238), (0, 0, 1150, 725))
    pg.text(40, 40, "Đặc điểm nhân dạng / Personal identification:", "regular", size=26, serif=False)
    pg.text(40, 80, "Nốt ruồi cách 2 cm dưới đuôi mắt trái", "regular", size=26, serif=False)
    pg.text(40, 140, f"Ngày, tháng, năm / Date, month, year: {_dmy(issued)}", "regular", size=26, serif=False)
    pg.text(40, 190, "CỤC TRƯỞNG CỤC CẢNH SÁT", "bold", size=24, serif=False)
    pg.text(40, 225, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", "bold", size=24, serif=False)
    pg.d.rectangle((760, 40, 930, 260), outline=(120, 120, 120), width=2)
    pg.d.rectangle((950, 40, 1120, 260), outline=(120, 120, 120), width=2)
    pg.text(770, 270, "Ngón trỏ trái", "regular", size=20, serif=False)
    pg.text(960, 270, "Ngón trỏ phải", "regular", size=20, serif=False)
    y, m, d = p.birth.split("-")
    mrz = [f"IDVNM{p.citizen_id[-9:]}0{p.citizen_id}<<0", f"{y[2:]}{m}{d}0{'M' if p.sex == 'Nam' else 'F'}"
           f"{int(y[2:]) + 35:02d}{m}{d}0VNM<<<<<<<<<<<0",
           p.name.upper().replace(" ", "<")]
    mono = _mono(34)
    for i, line in enumerate(mrz):
        pg.d.text((40, 520 + 60 * i), _ascii(line), font=mono, fill=(0, 0, 0))
    return pg.im


def _ascii(s: str) -> str:
    from pipeline.text import strip_accents

    return strip_accents(s).upper()


def id_card(rng: random.Random, *, p: Person | None = None, layout: str = "front") -> Sample:
    """`layout`: front | back | photocopy (both sides on one A4 page, grey) | photo (phone photo of the front)."""
    p = p or person(rng)
    expiry = f"{int(p.birth[:4]) + rng.choice((25, 40, 60))}{p.birth[4:]}"
    truth: dict[str, Any] = {"number": p.citizen_id, "full_name": p.name.upper(), "date_of_birth": p.birth,
                             "sex": p.sex, "place_of_residence": p.address, "expiry_date": expiry}
    if layout == "back":
        return Sample("id_card", [card_back(p)], {"side": "back"})
    front = card_front(p, expiry)
    if layout == "photo":
        return Sample("id_card", [photo(front, rng)], {**truth, "side": "front"}, "photo")
    if layout == "photocopy":
        pg = Image.new("RGB", (2481, 3508), "white")
        pg.paste(front, (300, 400))
        pg.paste(card_back(p), (300, 1400))
        return Sample("id_card", [pg.convert("L").convert("RGB")], {**truth, "side": "both"})
    return Sample("id_card", [front], {**truth, "side": "front"})


def land_certificate(rng: random.Random, *, p: Person | None = None) -> Sample:
    p = p or person(rng)
    serial = rng.choice(("AA", "DK", "CS", "BX")) + " " + (f"{rng.randint(0, 99999999):08d}" if rng.random() < 0.5
                                                           else f"{rng.randint(0, 999999):06d}")
    parcel, sheet = str(rng.randint(1, 900)), str(rng.randint(1, 60))
    area = round(rng.uniform(40, 900), 1)
    pg = Page()
    pg.national()
    pg.y += 300
    pg.center("GIẤY CHỨNG NHẬN", size=64, fill=RED)
    pg.y += 95
    pg.center("QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", size=48, fill=RED)
    pg.y += 160
    pg.line("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", "bold")
    pg.line(f"{'Ông' if p.sex == 'Nam' else 'Bà'}: {p.name.upper()}, Năm sinh: {p.birth[:4]}")
    pg.line(f"Số định danh cá nhân: {p.citizen_id}")
    pg.wrapped(f"Địa chỉ thường trú: {p.address}")
    pg.line("2. Thửa đất:", "bold")
    pg.line(f"a) Thửa đất số: {parcel};   b) Tờ bản đồ số: {sheet};")
    pg.line(f"c) Địa chỉ: {rng.choice(WARDS)}, {PROVINCE}")
    pg.line(f"d) Diện tích: {str(area).replace('.', ',')} m²")
    pg.line("đ) Loại đất: Đất ở tại đô thị")
    pg.line("e) Hình thức sử dụng: Sử dụng riêng")
    pg.line("g) Thời hạn sử dụng: Lâu dài")
    pg.line("h) Nguồn gốc sử dụng: Nhận chuyển nhượng đất được Nhà nước giao đất có thu tiền")
    pg.y += 200
    pg.line(f"Số vào sổ cấp Giấy chứng nhận: DC {rng.randint(100, 9999):04d}")
    pg.y += 100
    pg.text(pg.right - 520, pg.y, serial, "bold", size=60, fill=RED)
    truth = {"serial": serial, "map_sheet": sheet, "parcel_number": parcel, "area_m2": area, "owner": p.name.upper()}
    return Sample("land_certificate", [pg.im], truth)


def contract(rng: random.Random, *, a: Person | None = None, b: Person | None = None) -> Sample:
    a, b = a or person(rng), b or person(rng)
    pg = Page()
    pg.national()
    pg.y += 260
    pg.center(rng.choice(("HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT", "HỢP ĐỒNG ỦY QUYỀN")), size=54)
    pg.y += 150
    pg.wrapped("Hôm nay, tại Văn phòng công chứng Ninh Kiều, thành phố Cần Thơ, chúng tôi gồm có:")
    pg.line("BÊN CHUYỂN NHƯỢNG (BÊN A):", "bold")
    pg.line(f"Ông/Bà: {a.name}, sinh năm {a.birth[:4]}, số định danh cá nhân {a.citizen_id}")
    pg.wrapped(f"Địa chỉ: {a.address}")
    pg.line("BÊN NHẬN CHUYỂN NHƯỢNG (BÊN B):", "bold")
    pg.line(f"Ông/Bà: {b.name}, sinh năm {b.birth[:4]}, số định danh cá nhân {b.citizen_id}")
    pg.wrapped(f"Địa chỉ: {b.address}")
    pg.wrapped("Hai bên đồng ý thực hiện việc chuyển nhượng quyền sử dụng đất với các thỏa thuận sau đây:")
    pg.line("ĐIỀU 1. QUYỀN SỬ DỤNG ĐẤT CHUYỂN NHƯỢNG", "bold")
    pg.wrapped("Quyền sử dụng đất của bên A đối với thửa đất theo Giấy chứng nhận quyền sử dụng đất đã cấp.")
    return Sample("contract", [pg.im], {})


def decision(rng: random.Random, *, citizen_id: str | None = None) -> Sample:
    doc = Document(agency_lines=("ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ"), number=str(rng.randint(10, 999)),
                         place="Cần Thơ", day=f"{rng.randint(10, 28)}", month="3", year="2024",
                         summary_lines=("Về việc cấp Giấy chứng nhận quyền sử dụng đất,",
                                        "quyền sở hữu tài sản gắn liền với đất"),
                         red_seal=rng.random() < 0.5, citizen_id=citizen_id)
    im, _ = render_page(doc)
    return Sample("administrative", [im], {"document_type": "Quyết định"})


def other(rng: random.Random) -> Sample:
    """A paper none of the kinds name (a parcel sketch): must come out 'other', flagged."""
    pg = Page()
    pg.y += 100
    pg.center("SƠ ĐỒ VỊ TRÍ KHU ĐẤT", size=56)
    pg.y += 200
    pg.d.rectangle((500, 700, 1900, 1900), outline=(0, 0, 0), width=6)
    pg.d.line((500, 1300, 1900, 1100), fill=(0, 0, 0), width=4)
    pg.y = 2000
    pg.wrapped("Ghi chú: ranh giới khu đất được xác định theo hiện trạng sử dụng, các cạnh đo bằng thước dây.")
    pg.line(f"Người vẽ: {person(rng).name}")
    return Sample("other", [pg.im], {})


def sample(i: int, seed: int = 19) -> Sample:
    """Document `i` of the generated set: kinds in turn, scan qualities cycling per round of kinds; each
    document has its own random stream, so one can be rendered without the others."""
    rng = random.Random(seed * 100_003 + i)
    makers = [("receipt", lambda: receipt(rng, qr=rng.choice(("json", "pairs", "pipe")))),
              ("application_form", lambda: form(rng)),
              ("id_card", lambda: id_card(rng, layout=("front", "back", "photocopy", "photo")[(i // 7) % 4])),
              ("land_certificate", lambda: land_certificate(rng)), ("contract", lambda: contract(rng)),
              ("administrative", lambda: decision(rng)), ("other", lambda: other(rng))]
    kind, make = makers[i % len(makers)]
    s = make()
    quality = s.quality if s.quality == "photo" else QUALITIES[(i // len(makers)) % (len(QUALITIES) - 1)]
    if quality != "photo":
        s.images = [degrade(im, quality, rng) for im in s.images]
    s.quality, s.name = quality, f"{i:03d}-{kind}-{quality}"
    return s


def generate(n: int, seed: int = 19) -> list[Sample]:
    """`n` documents over every kind and scan quality, deterministic for a seed (bench/components.py)."""
    return [sample(i, seed) for i in range(n)]
