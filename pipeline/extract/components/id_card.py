"""Fields of a citizen ID card (CCCD 2016/2021, căn cước 2024), front, back or both on one page.

Labels are bilingual ('Họ và tên / Full name:'), the value often on the line below. The number is
checked (province code, century/sex digit, birth year: domain.md) and cross-checked with the printed
date of birth and sex; the chip card's QR code (`number|old number|name|ddmmyyyy|sex|address|…`)
confirms or supplies the values when it decodes. Expiry: 'Có giá trị đến' (2016/2021 cards, front)
or 'Ngày, tháng, năm hết hạn' (2024 cards, back); 'Không thời hạn' is kept as printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract.components import labels, values
from pipeline.extract.components.classify import Decision
from pipeline.extract.fields import Field
from pipeline.models import PageText
from schemas.record import Code

NUMBER = labels.pattern("SO DINH DANH CA NHAN", "PERSONAL IDENTIFICATION NUMBER", "SO", "NO")
NAME = labels.pattern("HO, CHU DEM VA TEN KHAI SINH", "HO, CHU DEM VA TEN", "HO VA TEN", "FULL NAME")
BIRTH = labels.pattern("NGAY, THANG, NAM SINH", "NGAY SINH", "DATE OF BIRTH")
SEX = labels.pattern("GIOI TINH", "SEX")
RESIDENCE = labels.pattern("NOI THUONG TRU", "NOI CU TRU", "PLACE OF RESIDENCE")
EXPIRY = labels.pattern("CO GIA TRI DEN", "NGAY, THANG, NAM HET HAN", "DATE OF EXPIRY")
OTHERS = labels.pattern("QUOC TICH", "NATIONALITY", "QUE QUAN", "PLACE OF ORIGIN", "NOI DANG KY KHAI SINH",
                        "DAC DIEM NHAN DANG", "NGAY, THANG, NAM CAP", "DATE OF ISSUE")
STOPS = labels.any_label((NAME, BIRTH, SEX, RESIDENCE, EXPIRY, OTHERS))
FRONT = re.compile(r"FULL\s*NAME|DATE\s*OF\s*BIRTH|HO\s*VA\s*TEN|NGAY\s*SINH|QUE\s*QUAN")
BACK = re.compile(r"IDVNM|DAC\s*DIEM\s*NHAN\s*DANG|NGON\s*TRO|CUC\s*TRUONG|NOI\s*DANG\s*KY\s*KHAI\s*SINH|"
                  r"PERSONAL\s*IDENTIFICATION\b(?!\s*NUMBER)")


def side(pages: Sequence[PageText]) -> str | None:
    text = labels.fold("\n".join(p.text for p in pages))
    front, back = bool(FRONT.search(text)), bool(BACK.search(text))
    return "both" if front and back else "front" if front else "back" if back else None


def _number(pages: Sequence[PageText]) -> Field:
    """The 12-digit number after its label, else the one 12-digit run on the card."""
    for hit in labels.find_all(pages, NUMBER, stops=STOPS):
        f = values.citizen_id_field(hit, allow_cmnd=False)
        if f.value:
            return f
    for page in pages:
        for line in page.lines:
            run = labels_digits(line.text)
            if run:
                hit = labels.Hit(line.text, line.words, page, "12 digits")
                return values.citizen_id_field(hit, allow_cmnd=False)
    return values.missing("ID number")


def labels_digits(text: str) -> str | None:
    return values.digits_of(text, lengths=(12,)) if "IDVNM" not in labels.fold(text) else None


def _expiry(pages: Sequence[PageText]) -> Field:
    hit = labels.find(pages, EXPIRY, stops=STOPS)
    if hit is None:
        return values.missing("expiry date")
    if "KHONG THOI HAN" in labels.fold(hit.value):
        return hit.field("Không thời hạn")
    return values.date_field(hit, "expiry date")


def read(pages: Sequence[PageText], decision: Decision, codes: Sequence[Code]) -> dict[str, Field]:
    sex_hit = labels.find(pages, SEX, stops=STOPS)
    sex = values.parse_sex(sex_hit.value) if sex_hit else None
    out = {
        "number": _number(pages),
        "full_name": values.name_field(labels.find(pages, NAME, stops=STOPS), "full name"),
        "date_of_birth": values.date_field(labels.find(pages, BIRTH, stops=STOPS), "date of birth"),
        "sex": sex_hit.field(sex) if sex_hit and sex else Field(reason="sex not found" if not sex_hit else
                                                                "sex unreadable"),
        "place_of_residence": values.text_field(labels.find(pages, RESIDENCE, stops=STOPS, continued=True),
                                                "place of residence"),
        "expiry_date": _expiry(pages),
    }
    values.cross_check_id(out["number"], out["date_of_birth"], out["sex"])
    qr = next((c for c in codes if c.scheme == "citizen_id_card"), None)
    if qr is not None:
        for name, key in (("number", "citizen_id"), ("full_name", "full_name"), ("date_of_birth", "date_of_birth"),
                          ("sex", "sex"), ("place_of_residence", "address")):
            got = qr.values.get(key)
            if out[name].value is None and got:
                out[name] = values.from_code(got, qr.page, qr.bbox)
            else:
                values.agree(out[name], got, name.replace("_", " "))
    return out
