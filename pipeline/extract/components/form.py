"""Fields of an application form (đơn đề nghị, đơn đăng ký, tờ khai): the applicant and what is asked.

The labels are those of the official forms (Decree 151/2025 land forms, the civil-status and
residence forms): 'Họ và tên' / 'Họ, chữ đệm và tên', 'Ngày sinh' / 'Năm sinh', 'Số định danh cá
nhân' / 'CCCD số', 'Địa chỉ' / 'Nơi cư trú', 'Điện thoại'. Values are mostly handwritten: their OCR
confidence stays below trust unless a check confirms them. The date signed is the last place-date
line ('…, ngày 15 tháng 01 năm 2025'), above the applicant's signature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pipeline.extract import parsers
from pipeline.extract.components import fillins, labels, values
from pipeline.extract.components.classify import Decision
from pipeline.extract.fields import Field
from pipeline.models import PageText

NAME = labels.pattern("HO VA TEN", "HO, CHU DEM VA TEN", "HO TEN", "TOI TEN LA", "TEN NGUOI SU DUNG DAT",
                      "TEN NGUOI DE NGHI", "NGUOI DE NGHI", "HO VA TEN NGUOI DE NGHI")
BIRTH = labels.pattern("NGAY, THANG, NAM SINH", "NGAY THANG NAM SINH", "NGAY SINH", "SINH NGAY", "NAM SINH")
CITIZEN = labels.pattern("SO DINH DANH CA NHAN", "SO CCCD", "CCCD SO", "CAN CUOC CONG DAN SO", "SO CAN CUOC CONG DAN",
                         "SO CAN CUOC", "CMND SO", "SO CMND", "SO GIAY TO NHAN THAN", "SO GIAY TO TUY THAN",
                         "CCCD/CMND SO", "SO CCCD/CMND")
ADDRESS = labels.pattern("DIA CHI THUONG TRU", "DIA CHI LIEN HE", "DIA CHI", "NOI CU TRU", "NOI THUONG TRU",
                         "CHO O HIEN NAY")
PHONE = labels.pattern("SO DIEN THOAI", "DIEN THOAI LIEN HE", "DIEN THOAI", "SDT", "DT")
PROCEDURE = labels.pattern("TEN THU TUC", "THU TUC HANH CHINH", "THU TUC")
OTHERS = labels.pattern("GIOI TINH", "DAN TOC", "QUOC TICH", "EMAIL", "NGAY CAP", "NOI CAP", "NGHE NGHIEP",
                        "KINH GUI", "CAP NGAY", "TAI")
CHECKED = ("citizen_id", "phone", "date_of_birth")  # values fillins can confirm by structure and readers
STOPS = labels.any_label((NAME, BIRTH, CITIZEN, ADDRESS, PHONE, OTHERS))


def _signed_date(pages: Sequence[PageText]) -> Field:
    for page in reversed(pages):
        for line in reversed(page.lines):
            if line.bbox[1] < 0.3 * page.height:
                continue
            pd = parsers.parse_place_date(line.text)
            if pd is None:
                continue
            hit = labels.Hit(line.text, line.words, page, "place-date")
            if pd.iso is None:
                return Field(None, hit.confidence, page.number, line.bbox, reason="date signed handwritten or unclear")
            return hit.field(pd.iso)
    return values.missing("date signed")


def _procedure(pages: Sequence[PageText], decision: Decision) -> Field:
    hit = labels.find(pages, PROCEDURE, stops=STOPS)
    if hit is not None:
        return values.text_field(hit, "procedure name")
    if decision.title and decision.page and decision.bbox:
        title = " ".join(decision.title.split())
        page = next(p for p in pages if p.number == decision.page)
        words = [w for ln in page.lines for w in ln.words
                 if ln.bbox[1] >= decision.bbox[1] - 1 and ln.bbox[3] <= decision.bbox[3] + 1]
        conf = 1.0 if page.method == "text_layer" else min((w.confidence for w in words), default=0.0) / 100
        return Field(title[:1] + title[1:].lower(), min(conf, decision.confidence), decision.page, decision.bbox,
                     reason="" if conf >= 0.9 else "title read with low confidence")
    return values.missing("procedure name")


def read(pages: Sequence[PageText], decision: Decision, *, zone: bool = True,
         ocr: fillins.Ocr = fillins.DEFAULT_OCR) -> dict[str, Field]:
    """The form's fields; with `zone`, the handwritten values are read again from their zones (fillins)."""
    hits = {name: labels.find(pages, rx, stops=STOPS, continued=name == "address")
            for name, rx in (("applicant_name", NAME), ("date_of_birth", BIRTH), ("citizen_id", CITIZEN),
                             ("address", ADDRESS), ("phone", PHONE))}
    signed = _signed_date(pages)
    on = dt.date.fromisoformat(signed.value) if isinstance(signed.value, str) else None
    out = {
        "procedure_name": _procedure(pages, decision),
        "applicant_name": fillins.name(hits["applicant_name"], zone=zone, ocr=ocr),
        "date_of_birth": fillins.birth_date(hits["date_of_birth"], on, zone=zone, ocr=ocr),
        "citizen_id": fillins.citizen_id(hits["citizen_id"], zone=zone, ocr=ocr),
        "address": values.text_field(hits["address"], "address"),
        "phone": fillins.phone(hits["phone"], zone=zone, ocr=ocr),
        "signed_date": signed,
    }
    fillins.cross_check(out["citizen_id"], out["date_of_birth"])
    # the blanks are filled by hand: only the digit readers' agreement with the value's structure
    # (fillins) takes a value out of review; a grey scan's fill-in is no less handwritten than a blue one
    for name, hit in hits.items():
        if not (name in CHECKED and out[name].confidence >= fillins.TRUSTED):
            values.handwritten(out[name], hit, filled=True)
    return out
