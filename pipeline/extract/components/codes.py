"""What a decoded QR code says: the dossier system's receipt code, a citizen ID card's code, or nothing known.

Receipt codes (Circular 01/2023: at least the dossier code, the procedure code, the applicant's ID
number and the paper's name) come from several provincial systems in several shapes: JSON objects,
`key=value` / `key: value` lists and bare `|`-separated fields are all seen. A code is read as a
receipt's only when it holds a dossier code of the national format (pipeline.extract.parsers);
its other values are then taken by key, or by their own formats. The chip ID card's QR is
`CCCD|CMND|full name|ddmmyyyy birth|sex|address|ddmmyyyy issue`. Anything else stays `unknown`:
kept as raw text, never used as a code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable

from pipeline.barcodes import Code as Decoded
from pipeline.extract import parsers
from pipeline.extract.components.labels import fold
from pipeline.text import nfc
from schemas.record import Code

_KEYS = {
    "dossier_code": ("MAHOSO", "MA_HO_SO", "DOSSIERCODE", "DOSSIER_CODE", "CODE", "MAHS", "HOSO"),
    "procedure_code": ("MATTHC", "MA_TTHC", "MATHUTUC", "PROCEDURECODE", "PROCEDURE_CODE", "PROCEDURE", "TTHC"),
    "citizen_id": ("SOGIAYTO", "CCCD", "SOCCCD", "SODINHDANH", "IDENTITYNUMBER", "CITIZENID", "CITIZEN_ID",
                   "APPLICANTID", "CMND", "SOCMND"),
    "paper_name": ("TENGIAYTO", "TENGIAY", "PAPERNAME", "DOCUMENTNAME", "TEN"),
}


def _pairs(text: str) -> dict[str, str]:
    """Key → value of a JSON object or a 'key=value' / 'key: value' list (keys folded, no separators)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        return {re.sub(r"[^A-Z_]", "", fold(str(k))): str(v) for k, v in data.items()
                if isinstance(v, str | int | float)}
    out = {}
    for part in re.split(r"[\n;|&]+", text):
        m = re.match(r"\s*([^=:]{1,40}?)\s*[=:]\s*(.+?)\s*$", part)
        if m:
            out[re.sub(r"[^A-Z_]", "", fold(m.group(1)))] = m.group(2)
    return out


def _by_key(pairs: dict[str, str], name: str) -> str | None:
    for k in _KEYS[name]:
        if k in pairs and pairs[k].strip():
            return pairs[k].strip()
    return None


def read_receipt(text: str) -> dict[str, str] | None:
    """The receipt values of a code's text, None when it holds no dossier code of the national format."""
    pairs = _pairs(text)
    keyed = _by_key(pairs, "dossier_code")
    codes = parsers.dossier_codes(keyed) if keyed else []
    if keyed and codes != [keyed]:
        return None  # a key named 'dossier code' holding something else: foreign content
    codes = codes or parsers.dossier_codes(text)
    if len(codes) != 1:
        return None
    out = {"dossier_code": codes[0]}
    proc = _by_key(pairs, "procedure_code")
    procs = parsers.procedure_codes(proc) if proc else parsers.procedure_codes(text.replace(codes[0], " "))
    if procs:
        out["procedure_code"] = procs[0]
    cid = _by_key(pairs, "citizen_id")
    ids = parsers.citizen_ids(cid) if cid else parsers.citizen_ids(text.replace(codes[0], " "))
    if ids:
        out["citizen_id"] = ids[0]
    name = _by_key(pairs, "paper_name")
    if name:
        out["paper_name"] = nfc(name)[:200]
    return out


def ddmmyyyy(s: str) -> str | None:
    """ISO date of eight digits 'ddmmyyyy' (a chip ID's QR, a form's date of birth); None if no date."""
    if not re.fullmatch(r"\d{8}", s):
        return None
    try:
        return dt.date(int(s[4:]), int(s[2:4]), int(s[:2])).isoformat()
    except ValueError:
        return None


def read_id_card(text: str) -> dict[str, str] | None:
    """The values of a chip ID card's QR code ('CCCD|CMND|name|ddmmyyyy|sex|address|ddmmyyyy')."""
    parts = nfc(text).split("|")
    if len(parts) < 6 or not parsers.valid_cccd(parts[0].strip()):
        return None
    birth = ddmmyyyy(parts[3].strip())
    sex = {"NAM": "Nam", "NU": "Nữ"}.get(fold(parts[4].strip()))
    if birth is None or sex is None:
        return None
    out = {"citizen_id": parts[0].strip(), "full_name": parts[2].strip(), "date_of_birth": birth, "sex": sex,
           "address": parts[5].strip()}
    if re.fullmatch(r"\d{9}", parts[1].strip()):
        out["old_id"] = parts[1].strip()
    if len(parts) > 6 and (issued := ddmmyyyy(parts[6].strip())):
        out["issued_date"] = issued
    return out


def interpret(decoded: Iterable[Decoded]) -> list[Code]:
    """Record form of decoded codes, each with the scheme its content has (if any)."""
    out = []
    for d in decoded:
        text = nfc(d.text)
        scheme, values = "unknown", {}
        if d.valid and (v := read_id_card(text)):
            scheme, values = "citizen_id_card", v
        elif d.valid and (v := read_receipt(text)):
            scheme, values = "dossier_receipt", v
        out.append(Code(format=d.format, text=text[:4000], page=d.page, bbox=tuple(round(x, 1) for x in d.bbox),
                        valid=d.valid, error=d.error or None, scheme=scheme, values=values))
    return out
