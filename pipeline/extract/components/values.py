"""Values written after labels, parsed, and the fields they make (with the confidence rules of extraction).

Parsers never raise and return None for what they cannot read. A field's confidence starts from the
OCR confidence of its words (1.0 on a text layer) and is capped by doubt about its shape: a name
without a known surname, a CCCD number that fails its checks. Agreement of two independent reads
(the number's birth-year digits and the printed birth date) raises it.
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.extract import parsers, vocab
from pipeline.extract.components.labels import Hit, fold
from pipeline.extract.fields import PRINTED, Field
from pipeline.text import nfc

_DIGIT_LIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "!": "1", "Z": "2",
                             "S": "5", "B": "8", "g": "9"})


def digits_of(value: str, *, lengths: tuple[int, ...]) -> str | None:
    """A run of exactly one of `lengths` digits (spaces and dots inside allowed; O/l read as 0/1 in it)."""
    for m in re.finditer(r"[0-9OoDIl|!ZSBg][0-9OoDIl|!ZSBg .]{4,20}[0-9OoDIl|!ZSBg]", value):
        run = m.group(0).translate(_DIGIT_LIKE).replace(" ", "").replace(".", "")
        if run.isdigit() and len(run) in lengths and sum(c.isdigit() for c in m.group(0)) >= len(run) - 2:
            return run
    return None


_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*((?:19|20)\d\d)(?!\d)")
_VI = re.compile(r"NGAY\s*(\d{1,2})\s*(?:/|THANG)\s*(\d{1,2})\s*(?:/|NAM)\s*((?:19|20)\d\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def parse_date(value: str, *, year_only: bool = False) -> str | None:
    """'01/02/1985', '01-02-1985', 'ngày 01 tháng 02 năm 1985' → '1985-02-01'; with `year_only`, '1985'."""
    t = fold(value).translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    for rx in (_DMY, _VI):
        m = rx.search(t)
        if m:
            try:
                return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
            except ValueError:
                return None
    if year_only:
        m = _YEAR.search(t)
        return m.group(1) if m else None
    return None


def parse_name(value: str) -> tuple[str, float] | None:
    """A person's name from the start of a value ('NGUYỄN VĂN AN, sinh năm …', 'Ông Trần Thị B'): the text and a
    0–1 shape score (known surname, 2–6 syllables, letters only). None when there is no name at all."""
    t = re.split(r"[,;(]|\s-\s|\s{3,}", nfc(value), maxsplit=1)[0]
    words = [w.strip(".:") for w in t.split()]
    while words and fold(words[0]) in ("ONG", "BA", "HO", "ANH", "CHI", "BAC", "ONG/BA", "ONG/", "/BA"):
        words = words[1:]
    words = [w for w in words if w]
    if not words:
        return None
    letters_only = all(re.fullmatch(r"[^\W\d_]+", w) for w in words)
    surname = vocab.snap_surname(words[0][:1].upper() + words[0][1:].lower())
    score = 0.5
    if letters_only and 2 <= len(words) <= 6 and surname is not None:
        score = 1.0 if surname.exact else 0.85
    return " ".join(words[:6]), score


def parse_sex(value: str) -> str | None:
    k = fold(value).split()
    if not k:
        return None
    if k[0] in ("NAM", "MALE", "M"):
        return "Nam"
    if k[0] in ("NU", "FEMALE", "F"):
        return "Nữ"
    return None


def parse_area(value: str) -> float | None:
    """'120,5 m²' → 120.5; '1.250,0 m2' → 1250.0 (Vietnamese decimal comma, dot for thousands)."""
    m = re.search(r"(\d[\d.,]*)\s*(?:M2|M²|M\s*2|MET)?", fold(value))
    if not m:
        return None
    s = m.group(1).rstrip(".,")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        s = s.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
        s = s.replace(".", "")
    try:
        v = float(s)
    except ValueError:
        return None
    return v if 0 < v < 1e8 else None


def parse_phone(value: str) -> str | None:
    """'0912 345 678', '+84 912.345.678' → '0912345678' (10 digits starting with 0)."""
    t = value.replace("+84", "0").replace("(+84)", "0")
    run = digits_of(t, lengths=(10, 11))
    if run and run.startswith("00"):
        run = run[1:]
    return run if run and len(run) == 10 and run.startswith("0") else None


def clean_value(value: str) -> str:
    """Dotted leaders and underscores of an unfilled blank removed, spaces folded."""
    t = re.sub(r"[._…]{2,}", " ", nfc(value))
    return " ".join(t.split()).strip(" ,;:")


# -- fields -------------------------------------------------------------------------------------

def missing(what: str) -> Field:
    return Field(reason=f"{what} not found")


def blue_ink(hit: Hit) -> bool:
    """Whether the value's words are written in blue (a ballpoint fill-in), from the page image."""
    from pipeline.extract import zones

    got = zones.crop_zone(hit.page, hit.bbox, dpi=100)
    if got is None:
        return False
    import numpy as np

    a = np.asarray(got[0]).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    ink = a.mean(axis=2) < 170
    blue = ink & (b - r > 30) & (b - g > 10)
    return bool(ink.sum()) and blue.sum() > 0.3 * ink.sum()


def handwritten(f: Field, hit: Hit | None, *, checked: bool = False, filled: bool = False) -> Field:
    """A value filled in by hand — in blue ink, or read below clean print's confidence — is kept for a person
    to check unless a check confirmed it (the rule of pipeline.extract.fields for handwritten numbers).
    A `filled` blank of a form counts as handwritten whatever its ink: a grey scan loses the blue."""
    if hit is None or hit.page.method != "ocr" or f.value is None:
        return f
    if f.confidence < PRINTED or (not checked and (filled or blue_ink(hit))):
        f.confidence = min(f.confidence, 0.75)
        f.reason = f.reason or "handwritten or unclear"
    return f


def text_field(hit: Hit | None, what: str, *, max_len: int = 250) -> Field:
    if hit is None:
        return missing(what)
    value = clean_value(hit.value)[:max_len]
    if len(value) < 2:
        return Field(None, 0.0, hit.page.number, hit.bbox, reason=f"{what} blank or unreadable")
    return hit.field(value)


def name_field(hit: Hit | None, what: str = "name") -> Field:
    if hit is None:
        return missing(what)
    got = parse_name(clean_value(hit.value))
    if got is None:
        return Field(None, 0.0, hit.page.number, hit.bbox, reason=f"{what} blank or unreadable")
    name, shape = got
    f = hit.field(name, min(hit.confidence, shape))
    if shape < 0.85:
        f.reason = f"{what} not in the usual shape (surname, 2–6 syllables)"
    return f


def date_field(hit: Hit | None, what: str, *, year_only: bool = False) -> Field:
    if hit is None:
        return missing(what)
    value = parse_date(hit.value, year_only=year_only)
    if value is None:
        return Field(None, hit.confidence, hit.page.number, hit.bbox, reason=f"{what} unreadable")
    return hit.field(value)


def citizen_id_field(hit: Hit | None, what: str = "CCCD number", *, allow_cmnd: bool = True) -> Field:
    """A CCCD (12 digits, checked) or, when allowed, a CMND (9 digits) number after its label."""
    if hit is None:
        return missing(what)
    run = digits_of(hit.value, lengths=(12, 9) if allow_cmnd else (12,))
    if run is None:
        return Field(None, hit.confidence, hit.page.number, hit.bbox, reason=f"{what} unreadable")
    if len(run) == 12 and not parsers.valid_cccd(run):
        return Field(run, min(hit.confidence, 0.5), hit.page.number, hit.bbox,
                     reason=f"{what} fails the CCCD checks (province code, century digit, birth year)")
    return hit.field(run)


def cross_check_id(number: Field, birth: Field | None, sex: Field | None) -> None:
    """A CCCD's century/sex digit and birth-year digits against the printed birth date and sex: agreement
    raises the number's confidence (two independent reads), disagreement flags it."""
    v = number.value
    if not isinstance(v, str) or len(v) != 12:
        return
    female = int(v[3]) % 2
    checks = []
    if birth is not None and isinstance(birth.value, str) and re.match(r"^\d{4}", birth.value):
        checks.append(int(birth.value[:4]) == parsers.cccd_birth_year(v))
    if sex is not None and sex.value in ("Nam", "Nữ"):
        checks.append((sex.value == "Nữ") == bool(female))
    if not checks:
        return
    if all(checks):
        number.confidence = max(number.confidence, 0.95) if number.confidence >= 0.6 else number.confidence
    else:
        number.confidence = min(number.confidence, 0.5)
        number.reason = "CCCD number disagrees with the date of birth or sex printed beside it"


def agree(field: Field, other: str | None, what: str) -> None:
    """A value read twice (print and QR code): agreement raises it, disagreement flags it."""
    if other is None or field.value is None:
        return
    if fold(str(field.value)).replace(" ", "") == fold(other).replace(" ", ""):
        field.confidence = max(field.confidence, 0.98)
    else:
        field.confidence = min(field.confidence, 0.5)
        field.reason = f"{what}: the printed value and the QR code disagree"


def from_code(value: str, page: int, bbox: tuple[float, float, float, float], confidence: float = 0.9) -> Field:
    """A value only the QR code gave (the print was unreadable): decoded with error correction, but checked
    against nothing, so kept below the trust of a cross-checked read."""
    return Field(nfc(value), confidence, page, bbox, "qr_code")
