"""The review form: a pydantic model over a record's flagged field names, prefilled with the machine's values.

Generic over the names in `review.fields`: a metadata field gets its title, its format and a hint; a
dossier component's field (`component.kind`, `component.id_card.number`, …) gets the format its name says
(a date, an ID number, a kind); any other name is plain text. `value_of`/`set_value` read and write a
name in the record, wherever it lives (metadata or component). The model's JSON
Schema carries the formats as patterns, so Prefect's API refuses a bad answer (a number with letters, a
date not written YYYY-MM-DD) before the flow sees it and the run stays paused; what a pattern cannot say
(2025-02-30) `check_value` refuses with a message, in the flow and in the terminal alike.

Answer conventions: leave a value as it is = confirm; change it = correct; empty it = clear (no value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from pipeline.errors import ReviewInputError
from pipeline.text import nfc

Kind = Literal["text", "number", "date", "list", "decimal"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    kind: Kind = "text"
    pattern: str | None = None  # of one value; an empty answer (clear) is always allowed
    hint: str = ""


SPECS = {s.name: s for s in (
    FieldSpec("number", "Số (number)", "number", r"[0-9]{1,7}",
              "Digits only, as printed with its leading zero (e.g. 05). Empty: the document has no number."),
    FieldSpec("symbol", "Ký hiệu (symbol)", "text", r"\S+", "e.g. QĐ-UBND, no spaces."),
    FieldSpec("number_symbol", "Số/ký hiệu (number/symbol)", "text", r"\S+",
              "e.g. 12/2024/QĐ-UBND. Left as it is, it follows a corrected number or symbol."),
    FieldSpec("issued_date", "Ngày ban hành (issue date)", "date", r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
              "YYYY-MM-DD, e.g. 2025-01-17 for 'ngày 17 tháng 01 năm 2025'."),
    FieldSpec("issued_place", "Địa danh (place)"),
    FieldSpec("document_type", "Tên loại (document type)", hint="Sentence case, e.g. Quyết định; Công văn if none."),
    FieldSpec("document_type_code", "Type symbol (Decree 30 Appendix III)", "text", r"\S+", "e.g. QĐ, TTr, CV."),
    FieldSpec("issuing_agency", "Cơ quan ban hành (issuing body)"),
    FieldSpec("parent_agency", "Cơ quan chủ quản (parent body)"),
    FieldSpec("summary", "Trích yếu (summary)", hint="As printed; 'V/v …' kept for a công văn."),
    FieldSpec("signer_title", "Chức vụ người ký (signer's title)",
              hint="All title lines, e.g. KT. CHỦ TỊCH PHÓ CHỦ TỊCH."),
    FieldSpec("signer_name", "Người ký (signer)"),
    FieldSpec("citizen_ids", "Số định danh (citizen IDs)", "list", r"[0-9]{9}|[0-9]{12}",
              "12-digit CCCD or 9-digit CMND numbers."),
    FieldSpec("dossier_codes", "Mã hồ sơ (dossier codes)", "list", r"\S+"),
    FieldSpec("procedure_codes", "Mã thủ tục (procedure codes)", "list", r"[0-9]\.[0-9]{6}\S*", "e.g. 1.004227."),
)}
MAX_TEXT = 1000
REVIEWER_TITLE = "Your name (reviewed_by)"
NOT_ADMIN_TITLE = "Not an administrative document"


COMPONENT = "component."
_ID = r"[0-9]{9}|[0-9]{12}"
# A component field's format from its name (the last part of component.<kind>.<field>).
_COMPONENT_FIELDS = {
    "citizen_id": ("text", _ID, "12-digit CCCD or 9-digit CMND number."),
    "number": ("text", r"[0-9]{12}", "The card's 12-digit number."),
    "signed_date": ("date", r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "YYYY-MM-DD."),
    "received_date": ("date", r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "YYYY-MM-DD."),
    "appointment_date": ("date", r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "YYYY-MM-DD."),
    "date_of_birth": ("text", r"[0-9]{4}(-[0-9]{2}-[0-9]{2})?", "YYYY-MM-DD, or YYYY when only the year is printed."),
    "sex": ("text", "Nam|Nữ", "Nam or Nữ."),
    "side": ("text", "front|back|both", "front, back or both."),
    "area_m2": ("decimal", r"[0-9]+([.][0-9]+)?", "Square metres, e.g. 120.5."),
    "serial": ("text", r"[A-Z]{2}[0-9]{6}([0-9]{2})?", "2 letters + 6 or 8 digits."),
}


def spec(name: str) -> FieldSpec:
    if name in SPECS:
        return SPECS[name]
    if name.startswith(COMPONENT):
        from schemas.record import COMPONENT_KINDS

        parts = name[len(COMPONENT):].split(".")
        if parts == ["kind"]:
            return FieldSpec(name, "Component kind", "text", "|".join(COMPONENT_KINDS), ", ".join(COMPONENT_KINDS))
        field = parts[-1]
        if field.endswith("citizen_id"):
            field = "citizen_id"
        title = " ".join(p.replace("_", " ") for p in parts).capitalize()
        if field in _COMPONENT_FIELDS:
            kind, pattern, hint = _COMPONENT_FIELDS[field]
            return FieldSpec(name, title, kind, pattern, hint)  # type: ignore[arg-type]
        return FieldSpec(name, title)
    return FieldSpec(name, name.replace("_", " ").capitalize())


def value_of(record: dict[str, Any], name: str) -> Any:
    """The record's value of a reviewable name: a metadata key or component.<path>."""
    if not name.startswith(COMPONENT):
        return (record.get("metadata") or {}).get(name)
    node: Any = record.get("component") or {}
    for part in name[len(COMPONENT):].split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def set_value(record: dict[str, Any], name: str, value: Any) -> None:
    """Write `value` under `name` in `record` (copies the dicts it changes; the caller's input is kept)."""
    if not name.startswith(COMPONENT):
        record["metadata"] = dict(record.get("metadata") or {})
        record["metadata"][name] = value if value or spec(name).kind != "list" else []
        return
    parts = name[len(COMPONENT):].split(".")
    node = record["component"] = dict(record.get("component") or {})
    for part in parts[:-1]:
        node[part] = dict(node.get(part) or {})
        node = node[part]
    node[parts[-1]] = value


def evidence_of(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    """Where the machine read `name` (record.evidence, or component.evidence for component names)."""
    if name.startswith(COMPONENT):
        return ((record.get("component") or {}).get("evidence") or {}).get(name[len(COMPONENT):])
    return (record.get("evidence") or {}).get(name)


def initial(value: Any, kind: Kind) -> Any:
    """The form's starting value for the machine's `value` (no value: empty)."""
    if kind == "list":
        return [str(v) for v in value or []]
    return "" if value is None else str(value)


def form_model(record: dict[str, Any], *, reviewer: str = "", prefill: dict[str, Any] | None = None) -> type[BaseModel]:
    """The form for `record`: one input per flagged field (prefilled with the machine's values, or with
    `prefill`, e.g. an answer that was refused), the 'not administrative' mark and the reviewer's name.
    Field order is the order of `review.fields`."""
    names = list((record.get("review") or {}).get("fields") or [])
    md = {**{n: value_of(record, n) for n in names}, **(prefill or {})}
    reviewer = str((prefill or {}).get("reviewer") or reviewer)
    fields: dict[str, Any] = {}
    for name in names:
        s = spec(name)
        pattern = f"^({s.pattern})?$" if s.pattern else None
        desc = s.hint
        if s.kind == "list":
            item = Field(pattern=pattern, max_length=MAX_TEXT) if pattern else Field(max_length=MAX_TEXT)
            fields[name] = (list[_annotated(item)], Field(initial(md.get(name), "list"), title=s.title,
                                                          description=desc))
        else:
            fields[name] = (str, Field(initial(md.get(name), s.kind), title=s.title, description=desc,
                                       max_length=MAX_TEXT, **({"pattern": pattern} if pattern else {})))
    fields["not_administrative"] = (bool, Field(bool(md.get("not_administrative")), title=NOT_ADMIN_TITLE, description=(
        "Tick when the paper is not an administrative document (an application form, an ID card, a receipt …); "
        "stored as review.not_administrative.")))
    fields["reviewer"] = (str, Field(reviewer, title=REVIEWER_TITLE, min_length=1, max_length=100,
                                     pattern=r"\S", description="Stored as review.reviewed_by."))
    return create_model("DocumentReview", __doc__="Confirm, correct or clear each flagged field.", **fields)


def _annotated(field_info: Any) -> Any:
    from typing import Annotated

    return Annotated[str, field_info]


def check_value(name: str, raw: Any) -> Any:
    """One answer as the record stores it (None / [] when cleared); ReviewInputError when it does not fit."""
    s = spec(name)
    if s.kind == "list":
        items = raw if isinstance(raw, list) else re.split(r"[,;\s]+", str(raw or ""))
        values = [nfc(str(i)).strip() for i in items if str(i).strip()]
        for v in values:
            _match(s, v)
        return values
    text = nfc(re.sub(r"\s+", " ", str(raw if raw is not None else ""))).strip()
    if not text:
        return None
    _match(s, text)
    if s.kind == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ReviewInputError(f"{name}: {text!r} is not a date (YYYY-MM-DD, e.g. 2025-01-17)") from None
    if s.kind == "decimal":
        return float(text)
    return text


def _match(s: FieldSpec, value: str) -> None:
    if len(value) > MAX_TEXT:
        raise ReviewInputError(f"{s.name}: longer than {MAX_TEXT} characters")
    if s.pattern and not re.fullmatch(s.pattern, value):
        what = {"number": "is not a number: digits only, e.g. 05", "date": "is not a date (YYYY-MM-DD)"}
        raise ReviewInputError(f"{s.name}: {value!r} " + what.get(s.kind, f"does not fit: {s.hint or s.pattern}"))
