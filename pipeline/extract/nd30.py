"""Map an archived record to the metadata names of Decree 30/2020/NĐ-CP Appendix VI.

Pure function over the record dict (as stored in record.json), for `sohoa records export --format nd30`.
Lengths follow the appendix: Subject ≤ 500, Position ≤ 100, FullName ≤ 50 characters.
"""

from __future__ import annotations

from typing import Any

LANGUAGE_NAMES = {"vie": "Tiếng Việt", "eng": "Tiếng Anh"}


def _cut(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s[:limit] if s else None


def to_nd30(record: dict[str, Any]) -> dict[str, Any]:
    """record.json (dict) → {TypeName, CodeNumber, CodeNotation, IssuedDate, OrganName, Subject,
    SignerInfo{Position, FullName}, PageAmount, Language, FileCode}. Unknown values stay None."""
    md: dict[str, Any] = record.get("metadata") or {}
    source: dict[str, Any] = record.get("source") or {}
    engine: dict[str, Any] = record.get("engine") or {}
    languages = [LANGUAGE_NAMES.get(code, code) for code in str(engine.get("language") or "vie").split("+")]
    pages = source.get("page_count")
    if pages is None and isinstance(record.get("pages"), list):
        pages = len(record["pages"])
    return {
        "TypeName": md.get("document_type"),
        "CodeNumber": md.get("number"),
        "CodeNotation": md.get("symbol"),
        "IssuedDate": md.get("issued_date"),
        "OrganName": md.get("issuing_agency"),
        "Subject": _cut(md.get("summary"), 500),
        "SignerInfo": {"Position": _cut(md.get("signer_title"), 100), "FullName": _cut(md.get("signer_name"), 50)},
        "PageAmount": pages,
        "Language": ", ".join(languages),
        "FileCode": record.get("dossier_id") or ((md.get("dossier_codes") or [None])[0]),
    }
