"""Fields of a land-use right certificate (GCN): serial, parcel and owner.

Serial (số phát hành): 2 letters + 6 digits on the old forms, + 8 digits on the form of Circular
10/2024, printed alone on its line (red, bottom of page 1 or top right). Parcel: 'Thửa đất số',
'Tờ bản đồ số', 'Diện tích' (m², decimal comma), often together on one line. Owner: the first person
of 'Người sử dụng đất …' ('Ông: NGUYỄN VĂN AN', 'Hộ ông …'), with the ID number printed beside.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract import parsers
from pipeline.extract.components import labels, values
from pipeline.extract.components.classify import Decision
from pipeline.extract.fields import Field
from pipeline.models import PageText

PARCEL = labels.pattern("THUA DAT SO")
SHEET = labels.pattern("TO BAN DO SO")
AREA = labels.pattern("DIEN TICH")
OWNER = labels.pattern("HO ONG", "HO BA", "ONG", "BA")
OWNER_BLOCK = labels.pattern("NGUOI SU DUNG DAT")
CITIZEN = labels.pattern("SO DINH DANH CA NHAN", "CCCD SO", "SO CCCD", "CMND SO", "SO CMND", "CAN CUOC CONG DAN SO")
OTHERS = labels.pattern("DIA CHI", "LOAI DAT", "MUC DICH SU DUNG", "HINH THUC SU DUNG", "THOI HAN SU DUNG",
                        "NGUON GOC SU DUNG", "NAM SINH", "SINH NAM", "DIA CHI THUONG TRU")
STOPS = labels.any_label((PARCEL, SHEET, AREA, CITIZEN, OTHERS))
_SERIAL = re.compile(r"^\W*([A-ZĐ]{2})\s?(\d{6}|\d{8})\W*$")
_SERIAL_ANYWHERE = re.compile(r"(?<![A-Za-z0-9])([A-ZĐ]{2})\s?(\d{8}|\d{6})(?![\d.])")


def _serial(pages: Sequence[PageText]) -> Field:
    """A line holding only the serial first; a 'Số phát hành'/'Số seri' line next; never a code inside a dossier
    code or a phone number."""
    candidates = []
    for page in pages:
        for line in page.lines:
            text = parsers.clean(line.text)
            m = _SERIAL.match(text)
            if m:
                candidates.append((0, page, line, m))
                continue
            if re.search(r"SO\s*(PHAT\s*HANH|SERI|SERIAL)", labels.fold(text)):
                m2 = _SERIAL_ANYWHERE.search(text)
                if m2:
                    candidates.append((1, page, line, m2))
    if not candidates:
        return values.missing("serial")
    candidates.sort(key=lambda c: c[0])
    _, page, line, m = candidates[0]
    hit = labels.Hit(line.text, line.words, page, "serial")
    serial = f"{m.group(1)} {m.group(2)}"
    distinct = {f"{c[3].group(1)} {c[3].group(2)}" for c in candidates}
    if len(distinct) > 1:
        return hit.field(serial, min(hit.confidence, 0.5), "several serial-like codes on the certificate")
    return hit.field(serial)


def _number(hit: labels.Hit | None, what: str) -> Field:
    if hit is None:
        return values.missing(what)
    m = re.match(r"\s*([0-9OoIl]{1,5})(?![0-9])", hit.value)
    if not m:
        return Field(None, hit.confidence, hit.page.number, hit.bbox, reason=f"{what} unreadable")
    return hit.field(m.group(1).translate(str.maketrans("OoIl", "0011")).lstrip("0") or "0")


def _owner(pages: Sequence[PageText]) -> tuple[Field, Field]:
    block = labels.find(pages, OWNER_BLOCK, below=False)
    scope = pages
    hits = labels.find_all(scope, OWNER, stops=STOPS, below=False)
    if block is not None:
        after = [h for h in hits if h.page.number > block.page.number or
                 (h.page.number == block.page.number and h.bbox[1] >= block.bbox[1] - 2)]
        hits = after or hits
    name = values.name_field(hits[0] if hits else None, "owner")
    cid_hit = labels.find(pages, CITIZEN, stops=STOPS)
    return name, values.citizen_id_field(cid_hit, "owner's ID number")


def read(pages: Sequence[PageText], decision: Decision) -> dict[str, Field]:
    area_hit = labels.find(pages, AREA, stops=STOPS)
    area = values.parse_area(area_hit.value) if area_hit else None
    owner, owner_id = _owner(pages)
    return {
        "serial": _serial(pages),
        "map_sheet": _number(labels.find(pages, SHEET, stops=STOPS), "map sheet"),
        "parcel_number": _number(labels.find(pages, PARCEL, stops=STOPS), "parcel number"),
        "area_m2": area_hit.field(area) if area_hit and area else Field(reason="area not found" if not area_hit
                                                                         else "area unreadable"),
        "owner": owner,
        "owner_citizen_id": owner_id,
    }
