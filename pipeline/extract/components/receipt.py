"""Fields of the dossier system's receipt, 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả' (Circular 01/2018
Form 01): dossier code, procedure code, applicant, received and appointment dates.

The printed dossier code is cross-checked with the QR code's (top left): agreement makes it certain;
a QR value alone (print unreadable) is kept just below certainty; disagreement keeps the printed value
flagged. Only a code of the national format is ever taken (`codes.read_receipt`); other QR content
stays raw in `component.codes`.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.extract import parsers
from pipeline.extract.components import labels, values
from pipeline.extract.components.classify import Decision
from pipeline.extract.fields import Field
from pipeline.models import PageText
from schemas.record import Code

DOSSIER = labels.pattern("MA HO SO", "MA SO HO SO", "SO HO SO")
PROCEDURE = labels.pattern("MA THU TUC", "MA TTHC", "MA THU TUC HANH CHINH")
APPLICANT = labels.pattern("TIEP NHAN HO SO CUA", "NGUOI NOP HO SO", "HO TEN NGUOI NOP", "NGUOI NOP", "CHU HO SO",
                           "TEN TO CHUC, CA NHAN", "ONG/BA")
CITIZEN = labels.pattern("SO DINH DANH CA NHAN", "SO CCCD", "CCCD SO", "SO GIAY TO", "SO CMND")
RECEIVED = labels.pattern("THOI GIAN NHAN HO SO", "NGAY NHAN HO SO", "NGAY TIEP NHAN", "THOI GIAN TIEP NHAN")
APPOINTMENT = labels.pattern("THOI GIAN TRA KET QUA GIAI QUYET HO SO", "THOI GIAN TRA KET QUA", "NGAY HEN TRA KET QUA",
                             "NGAY HEN TRA", "HEN TRA KET QUA")
OTHERS = labels.pattern("DIA CHI", "SO DIEN THOAI", "DIEN THOAI", "EMAIL", "NOI DUNG YEU CAU", "LINH VUC")
STOPS = labels.any_label((DOSSIER, PROCEDURE, CITIZEN, RECEIVED, APPOINTMENT, OTHERS))


def _code(pages: Sequence[PageText], label: object, finder: object, what: str) -> Field:
    hit = labels.find(pages, label, stops=STOPS)  # type: ignore[arg-type]
    if hit is not None:
        found = finder(hit.value.replace(" ", ""))  # type: ignore[operator]
        if found:
            return hit.field(found[0])
        return Field(None, hit.confidence, hit.page.number, hit.bbox, reason=f"{what} unreadable")
    for page in pages:  # printed without its label (some systems put it under the title)
        for line in page.lines:
            found = finder(line.text.replace(" ", ""))  # type: ignore[operator]
            if found:
                h = labels.Hit(line.text, line.words, page, what)
                return h.field(found[0], min(h.confidence, 0.85))
    return values.missing(what)


def read(pages: Sequence[PageText], decision: Decision, codes: Sequence[Code]) -> dict[str, Field]:
    out = {
        "dossier_code": _code(pages, DOSSIER, parsers.dossier_codes, "dossier code"),
        "procedure_code": _code(pages, PROCEDURE, parsers.procedure_codes, "procedure code"),
        "applicant": values.name_field(labels.find(pages, APPLICANT, stops=STOPS), "applicant"),
        "applicant_citizen_id": values.citizen_id_field(labels.find(pages, CITIZEN, stops=STOPS),
                                                        "applicant's ID number"),
        "received_date": values.date_field(labels.find(pages, RECEIVED, stops=STOPS), "received date"),
        "appointment_date": values.date_field(labels.find(pages, APPOINTMENT, stops=STOPS), "appointment date"),
    }
    qr = next((c for c in codes if c.scheme == "dossier_receipt"), None)
    linked = False
    if qr is not None:
        for name, key in (("dossier_code", "dossier_code"), ("procedure_code", "procedure_code"),
                          ("applicant_citizen_id", "citizen_id")):
            got = qr.values.get(key)
            if not got:
                continue
            if out[name].value is None:
                out[name] = values.from_code(got, qr.page, qr.bbox, 0.9)
            else:
                values.agree(out[name], got, name.replace("_", " "))
        linked = out["dossier_code"].value == qr.values.get("dossier_code") and not out["dossier_code"].reason
    out["linked_by_qr"] = Field(linked, 1.0)
    return out
