"""Pure string parsers for the header lines of a Decree 30/2020 document.

They take one line of text (possibly noisy OCR) and return what they could read, or None; they never
raise on arbitrary text (a hypothesis test checks that). Keywords are matched accent-folded because
OCR damages marks more than letters ("ngảy", "thang", "Sô").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline.extract import vocab
from pipeline.text import nfc, strip_accents

_D = str.maketrans({"Ð": "Đ", "ð": "đ", "—": "-", "–": "-", "‐": "-", "‑": "-", "⁄": "/", "|": "/"})


def clean(s: str) -> str:
    return " ".join(nfc(s).translate(_D).split())


# -- number / symbol ---------------------------------------------------------------------------

_NUMBER_LINE = re.compile(r"^\W{0,3}S\s?[ốoôồổỗộớờởỡợóòỏõọ0ôố6ồ]\s*(?P<colon>[:;.,]?)\s*(?P<rest>.*)$", re.IGNORECASE)
_SYMBOL_GROUP = re.compile(r"^[A-Za-zĐđ][A-Za-zĐđ0-9]*$")
# 'QĐ-UBND', 'UBND-TTHC', 'SGDĐT-VP': a symbol without the '/' before it (misread or lost)
_BARE_SYMBOL = re.compile(r"(?<![\w-])[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)+(?![\w-])")
_WORDS = re.compile(r"^[^\W\d_]+\s+[^\W\d_]+(\s|$)")


def _number_rest(t: str) -> str | None:
    """What follows 'Số:' on a number line; None when the line is not one ('SỞ TÀI CHÍNH': the 'Số'-like
    word of an agency is followed by words, never by a colon, digits or a blank)."""
    m = _NUMBER_LINE.match(t)
    if not m or (not m.group("colon") and _WORDS.match(m.group("rest"))):
        return None
    return m.group("rest")


@dataclass(frozen=True)
class NumberSymbol:
    number: str | None  # digits as printed (leading zero kept), None when unreadable
    year: str | None  # legal normative documents: "12/2024/QĐ-UBND"
    symbol: str | None  # "QĐ-UBND"
    number_raw: str  # what stood between "Số:" and the first "/"

    @property
    def number_symbol(self) -> str | None:
        if not self.number or not self.symbol:
            return None
        return "/".join(p for p in (self.number, self.year, self.symbol) if p)


def is_number_line(text: str) -> bool:
    """'Số: 12/QĐ-UBND', 'Số: __ /QĐ-UBND', also 'Số: 463Y SGDĐT-VP' (the '/' lost in handwriting)."""
    rest = _number_rest(clean(text))
    return rest is not None and ("/" in rest or bool(_BARE_SYMBOL.search(rest)))


def starts_number(text: str) -> bool:
    """Whether `text` begins like a number line ('Số:', 'S6: 463…'), readable or not."""
    t = clean(text)
    m = _NUMBER_LINE.match(t)
    return bool(m) and (bool(m.group("colon")) or m.group("rest")[:1].isdigit()) and _number_rest(t) is not None


def parse_number_line(text: str) -> NumberSymbol | None:
    """'Số: 12/2024/QĐ-UBND' → ('12', '2024', 'QĐ-UBND'); 'Số: 51 /QĐ-UBND' → ('51', None, 'QĐ-UBND');
    also a bare '299/UBND-TTHC', and 'Số: 463Y QĐ-UBND' → (None, None, 'QĐ-UBND') (no '/': the number's
    end is unknown, so it is not read from the line)."""
    t = clean(text)
    rest = _number_rest(t)
    if rest is None:
        rest = t
    if "/" not in rest:
        bare = _BARE_SYMBOL.search(rest) if rest is not t else None
        return NumberSymbol(None, None, parse_symbol(bare.group(0)), rest[:bare.start()].strip()) if bare else None
    head, _, tail = rest.partition("/")
    parts = [p.strip() for p in tail.split("/")]
    year = None
    if len(parts) >= 2 and re.fullmatch(r"(19|20)\d\d", parts[0].replace(" ", "")):
        year = parts[0].replace(" ", "")
        parts = parts[1:]
    symbol = parse_symbol(" ".join(parts[:1]))
    number_raw = head.strip()
    digits = number_raw.replace(" ", "")
    if not re.fullmatch(r"\d{1,5}", digits) and (m := re.fullmatch(r"\D{1,2}\s+(\d{1,5})", number_raw)):
        digits = m.group(1)  # 'Sôí 01/QĐ-UB': the colon read as a letter before the number
    number = digits if re.fullmatch(r"\d{1,5}", digits) else None
    return NumberSymbol(number, year, symbol, number_raw)


def parse_symbol(text: str) -> str | None:
    """'QD - UBND.' → 'QĐ-UBND' (type code snapped to Appendix III; the rest kept as letters/digits)."""
    t = re.sub(r"\s*-\s*", "-", clean(text)).strip(" .,;:")
    t = t.split(" ")[0] if t else t
    groups = [g for g in t.split("-") if g]
    if groups and groups[0][:1] in "0O" and (code := snap_type_code("Q" + groups[0][1:])):
        groups[0] = code  # Tesseract's '0' for the Q of 'QĐ' (typewritten, faded)
    if not groups or not all(_SYMBOL_GROUP.match(g) for g in groups):
        return None
    groups[0] = snap_type_code(groups[0]) or groups[0]
    return "-".join(groups)


def snap_type_code(code: str) -> str | None:
    """'QD' → 'QĐ', 'TTR' → 'TTr' when unambiguous; None when not a type code. Đ/D are distinct
    symbols (HĐ ≠ HD), so an exact match wins and a Đ-less read only snaps when one code fits."""
    if code in vocab.TYPE_BY_CODE:
        return code
    cands = [c for c in vocab.TYPE_BY_CODE if c.upper() == code.upper()]
    if len(cands) == 1:
        return cands[0]
    folded = [c for c in vocab.TYPE_BY_CODE if strip_accents(c).upper() == strip_accents(code).upper()]
    if len(folded) == 1:
        return folded[0]
    # a letter read twice ('QĐĐ' from 'QĐ' with a stroke seen as a second Đ): only when one code fits
    undoubled = {code[:i] + code[i + 1:] for i in range(1, len(code)) if code[i].upper() == code[i - 1].upper()}
    fits = [c for c in vocab.TYPE_BY_CODE if c in undoubled]
    return fits[0] if len(fits) == 1 else None


def type_of_symbol(symbol: str | None) -> str | None:
    """The type name a symbol implies ('QĐ-UBND' → 'Quyết định'); None for a công văn symbol."""
    if not symbol:
        return None
    code = symbol.split("-")[0]
    if code == "NĐ" or code == "TT" or code in vocab.TYPE_BY_CODE:
        return vocab.TYPE_BY_CODE.get(code)
    return None


# -- place and date ----------------------------------------------------------------------------

# The day and month may be handwriting Tesseract read as several junk tokens ('ngày 2À ? tháng').
_DATE = re.compile(
    r"^(?P<place>.*?)[,.]?\s*ng[aà]y\s*(?P<d>.*?)\s*th[aá]ng\s*(?P<m>.*?)\s*n[aă]m\s*(?P<y>[^\s]*)\s*$",
    re.IGNORECASE)


@dataclass(frozen=True)
class PlaceDate:
    place: str | None
    day: int | None
    month: int | None
    year: int | None
    day_raw: str
    month_raw: str

    @property
    def iso(self) -> str | None:
        if self.day is None or self.month is None or self.year is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day).isoformat()
        except ValueError:
            return None


def _int(s: str, lo: int, hi: int) -> int | None:
    s = s.strip(" .,;:")
    if not re.fullmatch(r"\d{1,4}", s):
        return None
    v = int(s)
    return v if lo <= v <= hi else None


def is_place_date_line(text: str) -> bool:
    return parse_place_date(text) is not None


def parse_place_date(text: str) -> PlaceDate | None:
    """'Quảng Ngãi, ngày 05 tháng 01 năm 2020' → PlaceDate('Quảng Ngãi', 5, 1, 2020)."""
    t = clean(text)
    folded = strip_accents(t)
    m = _DATE.match(folded)
    if not m:
        return None
    place = t[: m.end("place")].strip(" ,.;:-") or None
    year = _int(m.group("y")[:4], 1945, 2100)
    if year is None:
        return None
    return PlaceDate(place, _int(m.group("d"), 1, 31), _int(m.group("m"), 1, 12), year,
                     m.group("d"), m.group("m"))


# -- type name, summary, signer ----------------------------------------------------------------

def parse_type_name(text: str) -> vocab.Snap | None:
    """A centred capital line like 'QUYÉT ĐỊNH' → Snap('Quyết định')."""
    t = clean(text).strip(" .:;")
    if not t or len(t) > 30 or t.upper() != t:
        return None
    names = tuple(n for n in vocab.DOC_TYPES if n != "Công văn")
    return vocab.snap(t, names, cutoff=0.8)


_VV = re.compile(r"^\s*[VY]\s*[/|l1]\s*[vV]\s*[:.,]?\s*", re.IGNORECASE)


def is_vv(text: str) -> bool:
    return bool(_VV.match(clean(text)))


def normalise_summary(text: str) -> str:
    """'V/v: xyz' → 'V/v xyz'; 'về việc' at the start capitalised; spaces folded."""
    t = clean(text)
    if _VV.match(t):
        return "V/v " + _VV.sub("", t)
    m = _VE_VIEC_START.match(t)
    if m:  # 'Vêviệc', 'về viêc' → 'Về việc' (marks of the set phrase damaged by OCR)
        return "Về việc " + t[m.end():].lstrip()
    return t


_VE_VIEC_START = re.compile(r"^\W{0,2}V[eềêếệểễè]\s*vi[eệêềếểễ]c\b\s*:?", re.IGNORECASE)


_AUTH = re.compile(r"^\s*(?P<a>TM|KT|TL|TUQ|Q|1L|IL|K\.T|T\.L|T\.M)\s*[.,:]\s*(?P<rest>.*)$", re.IGNORECASE)
_AUTH_FIX = {"1L": "TL", "IL": "TL", "K.T": "KT", "T.L": "TL", "T.M": "TM"}
# Before Circular 55/2005 the prefixes were written with a slash ('T/M', 'K/T', 'T/L', 'T/UQ'); kept as printed.
_OLD_AUTH = re.compile(r"^\s*(?P<a>T\s?/\s?M|K\s?/\s?T|T\s?/\s?L|T\s?/\s?U\.?\s?Q)\s*[.,:]?\s+(?P<rest>.*)$",
                       re.IGNORECASE)
AUTHORITIES = ("TM.", "KT.", "TL.", "TUQ.", "Q.", "T/M", "K/T", "T/L", "T/UQ")


def split_authority(text: str) -> tuple[str | None, str]:
    """'KT. CHỦ TỊCH' → ('KT.', 'CHỦ TỊCH'); '1L. CHỦ TỊCH' → ('TL.', 'CHỦ TỊCH'); 'K/T CHỦ TỊCH' →
    ('K/T', 'CHỦ TỊCH')."""
    t = clean(text)
    old = _OLD_AUTH.match(t)
    if old:
        return re.sub(r"[\s.]", "", old.group("a")).upper(), old.group("rest").strip()
    m = _AUTH.match(t)
    if not m:
        return None, t
    a = m.group("a").upper()
    return _AUTH_FIX.get(a, a) + ".", m.group("rest").strip()


def parse_title_line(text: str) -> tuple[str, float] | None:
    """One signer title line → (normalised text, 0–1 confidence), or None when it is not a title. After
    'TM.' a collective may name its level and place ('TM. ỦY BAN NHÂN DÂN TỈNH CAO BẰNG')."""
    auth, rest = split_authority(text)
    if not rest:
        return None
    if auth in ("TM.", "T/M") and (placed := _collective_of_place(rest)):
        return f"{auth} {placed[0]}", placed[1]
    s = vocab.snap_title(rest)
    if s is None:
        return None
    value = f"{auth} {s.value}" if auth else s.value
    return value, min(1.0, s.score)


def _collective_of_place(rest: str) -> tuple[str, float] | None:
    """'ỦY BAN NHÂN DÂN TỈNH CAO BẰNG' (a People's Committee or Council with its level and place, or its
    level alone) → the normalised text and its vocabulary score; None for anything else."""
    body, score = vocab.fix_agency(rest)
    head = vocab.agency_head(body)
    after = body.split()[len(head.split()):] if head in vocab.COLLECTIVES else []
    if not after:
        return None
    level = vocab.snap(" ".join(after), vocab.LEVELS, cutoff=0.8)
    if level is not None:  # 'TM. ỦY BAN NHÂN DÂN THÀNH PHỐ'
        return f"{head} {level.value}", level.score
    return (body, score) if score >= 0.9 else None


_NAME_WORD = re.compile(r"^[A-ZÀ-ỸĐ][a-zà-ỹđ]+$")


def parse_person_name(text: str) -> tuple[str, float] | None:
    """'Äguyến Quốc Việt' → ('Nguyễn Quốc Việt', score): 2–6 capitalised syllables, first one a surname.
    Tokens without a letter at either end ('_', '-', '…') are signature and seal debris, not the name."""
    words = clean(text).strip(" .,;:").split()
    while words and not any(c.isalpha() for c in words[0]):
        words.pop(0)
    while words and not any(c.isalpha() for c in words[-1]):
        words.pop()
    if not 2 <= len(words) <= 6:
        return None
    s = vocab.snap_surname(words[0])
    if s is None:
        return None
    words[0] = s.value
    shaped = sum(bool(_NAME_WORD.match(w)) for w in words[1:]) / (len(words) - 1)
    if shaped < 1.0:
        return None
    return " ".join(words), s.score


# -- identifiers -------------------------------------------------------------------------------

_DOSSIER = re.compile(r"(?<![\d.])\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?:-KQ\d+)?(?![\d])")
_PROCEDURE = re.compile(r"(?<![\d.])[12]\.\d{6}(?:\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?(?![\d])")
_DIGITS = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")


def valid_cccd(s: str, *, today: dt.date | None = None) -> bool:
    """12 digits: known province code, century/sex digit of 1900–2099, birth year not in the future."""
    if not re.fullmatch(r"\d{12}", s):
        return False
    if s[:3] not in vocab.CCCD_PROVINCE_CODES:
        return False
    if int(s[3]) > 3:  # 4-9: born in the 22nd century and later
        return False
    return cccd_birth_year(s) <= (today or dt.date.today()).year


def cccd_birth_year(s: str) -> int:
    """The birth year a 12-digit CCCD number encodes: its 4th digit the century (0-1: 1900s, 2-3: 2000s,
    … even male, odd female), its 5th-6th the year's last two digits."""
    return 1900 + 100 * (int(s[3]) // 2) + int(s[4:6])


def citizen_ids(text: str) -> list[str]:
    """Valid CCCD (12 digits) and CMND (9 digits) numbers, in order of appearance, de-duplicated."""
    out: list[str] = []
    for m in _DIGITS.finditer(nfc(text)):
        v = m.group(1)
        if ((len(v) == 12 and valid_cccd(v)) or len(v) == 9) and v not in out:
            out.append(v)
    return out


def dossier_codes(text: str) -> list[str]:
    return list(dict.fromkeys(_DOSSIER.findall(nfc(text))))


def procedure_codes(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in _PROCEDURE.finditer(nfc(text))))


_SIGN_TIME = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](20\d\d)")


def signing_dates(text: str) -> list[dt.date]:
    """Dates in a digital-signature text layer ('Thời gian ký: 21.01.2025 09:30:22 +07:00')."""
    out = []
    for d, m, y in _SIGN_TIME.findall(nfc(text)):
        try:
            out.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out
