"""Second reads of a form's handwritten fill-ins, judged by the conventions the values follow.

The page's OCR reads a value written by hand after its printed label once, and Tesseract reads
slanted handwriting badly ('1' as '7', '8' as '6'). The zone right of the label is read again:
digits by the ensemble of `digits.read_blank` (MNIST, UCI and font classifiers, and Tesseract, the
page's own read counted with Tesseract's), words by zone re-OCR at twice the scale with the blue ink
kept (psm 7). A number or date is trusted only when three of the four independent readers give it
and it has the structure its convention requires — a CCCD number's province code, century/sex
digit and birth year (Law on Identification 2023), a phone number's length and network prefix, a
real date of birth of a plausible age — and the number and the date of birth do not contradict
each other. Two Tesseract reads agreeing are no such check (they share their errors: both read
'1981' as '1961' on the same scan), so anything else stays flagged for the operator.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.extract import digits, parsers, written, zones
from pipeline.extract.components import codes, values
from pipeline.extract.components.labels import Hit
from pipeline.extract.fields import Field
from pipeline.models import BBox
from pipeline.text import nfc

TRUSTED = 0.9  # three of four independent readers and the value's structure agree
HAND = 0.75  # a handwritten value nothing confirmed: shown to the operator
MIN_SUPPORT = 3
MAX_AGE = 120
# Mobile network prefixes after the 2018 renumbering (Viettel, VinaPhone, MobiFone, Vietnamobile,
# Gmobile, Itelecom, Reddi); landlines are 0 + a two- or three-digit area code from 2x + subscriber.
MOBILE = frozenset({"032", "033", "034", "035", "036", "037", "038", "039", "052", "055", "056", "058", "059",
                    "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "087", "088",
                    "089", "090", "091", "092", "093", "094", "096", "097", "098", "099"})


@dataclass
class Reread:
    """The value most independent readers gave, how many gave it, and what else they read."""

    value: str | None
    support: int = 0
    rivals: tuple[str, ...] = ()
    reads: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Ocr:
    """The run's Tesseract settings for the zone re-reads (its language and model folder)."""

    language: str = "vie"
    tessdata: Path | None = None
    timeout: float = 60

    def kw(self) -> dict[str, Any]:
        return {"language": self.language, "tessdata": self.tessdata, "timeout": self.timeout}


DEFAULT_OCR = Ocr()


def phone_ok(v: str) -> bool:
    """A Vietnamese phone number: 10 digits with a mobile prefix, or 11 digits of a landline (02x)."""
    return (len(v) == 10 and v[:3] in MOBILE) or bool(re.fullmatch(r"02\d{9}", v))


def birth_ok(iso: str, on: dt.date | None = None) -> bool:
    """A date of birth that is a real date in the past of an age a living applicant can have."""
    try:
        born = dt.date.fromisoformat(iso)
    except ValueError:
        return False
    today = on or dt.date.today()
    return born < today and today.year - born.year <= MAX_AGE


def _zone(hit: Hit) -> BBox:
    """The value's place right of its label, with room for the slant and size of handwriting."""
    b = hit.bbox
    h = max(8.0, b[3] - b[1])
    return max(0.0, b[0] - 0.5 * h), b[1] - 0.6 * h, min(hit.page.width, b[2] + 1.5 * h), b[3] + 0.5 * h


def read_digits(hit: Hit, *, max_digits: int, page_read: str | None = None,
                keep: Callable[[list[np.ndarray]], list[np.ndarray] | None] | None = None,
                ocr: Ocr = DEFAULT_OCR) -> digits.DigitRead | None:
    """Every reader's digits of the value zone (None on a text layer or when nothing can be cropped)."""
    if hit.page.method != "ocr":
        return None
    zone = _zone(hit)
    got = zones.crop_zone(hit.page, zone, dpi=300)
    if got is None:
        return None
    img, k = got
    b = hit.bbox
    h = b[3] - b[1]
    return digits.read_blank(img, (b[0] - zone[0] - 0.3 * h) * k, (b[2] - zone[0] + h) * k, (b[1] - zone[1]) * k,
                             (b[3] - zone[1]) * k, max_digits=max_digits, page_read=page_read, keep=keep,
                             **ocr.kw())


def consensus(read: digits.DigitRead | None, fits: Callable[[str], bool]) -> Reread:
    """The structurally valid value most of the four opinions give (ties: Tesseract's, then the font
    model's, whose print-trained shapes differ most from the handwriting models)."""
    if read is None:
        return Reread(None)
    ops = written.opinions(read.reads)
    given = [v for v in ops.values() if v and v != "?"]
    counted = Counter(v for v in given if fits(v))
    if not counted:
        return Reread(None, 0, tuple(dict.fromkeys(given)), dict(read.reads))
    order = ("tesseract", "fonts", "mnist", "uci")
    best = max(counted, key=lambda v: (counted[v], -min(order.index(r) for r in order if ops.get(r) == v)))
    return Reread(best, counted[best], tuple(dict.fromkeys(v for v in given if v != best)), dict(read.reads))


def judged(hit: Hit, got: Reread, fallback: str | None, what: str) -> Field:
    """The field of a re-read value: trusted with `MIN_SUPPORT` readers, else flagged with why."""
    if got.value is None:
        if fallback is None:
            return Field(None, 0.0, hit.page.number, hit.bbox, reason=f"{what} unreadable")
        return hit.field(fallback, min(hit.confidence, 0.5),
                         f"{what} read once by the page's OCR; the readers of the handwriting found no valid value")
    if got.support >= MIN_SUPPORT:
        return hit.field(got.value, TRUSTED)
    why = "independent reads of the handwriting disagree" if got.rivals else "handwriting read by too few readers"
    return hit.field(got.value, min(HAND, 0.4 + 0.15 * got.support), f"{what}: {why}")


def _digits(value: str, n: tuple[int, ...]) -> str | None:
    run = re.sub(r"\D", "", value)
    return run if len(run) in n else None


def citizen_id(hit: Hit | None, *, zone: bool = True, ocr: Ocr = DEFAULT_OCR) -> Field:
    """The CCCD number (12 digits) or old CMND number (9) written on the form."""
    if hit is None:
        return values.missing("CCCD number")
    if hit.page.method != "ocr" or not zone:
        return values.citizen_id_field(hit)
    page = values.digits_of(hit.value, lengths=(12, 9))
    got = consensus(read_digits(hit, max_digits=12, page_read=_digits(hit.value, (12, 9)), ocr=ocr),
                    lambda v: parsers.valid_cccd(v) or len(v) == 9)
    if got.value is not None and len(got.value) == 9:  # a CMND number has no structure to check
        got.support = min(got.support, MIN_SUPPORT - 1)
    return judged(hit, got, page if page and (len(page) == 9 or parsers.valid_cccd(page)) else None, "CCCD number")


def phone(hit: Hit | None, *, zone: bool = True, ocr: Ocr = DEFAULT_OCR) -> Field:
    if hit is None:
        return values.missing("phone")
    page = values.parse_phone(hit.value)
    if hit.page.method != "ocr" or not zone:
        return hit.field(page) if page else Field(reason="phone unreadable")
    got = consensus(read_digits(hit, max_digits=12, page_read=_digits(hit.value, (10, 11)), ocr=ocr), phone_ok)
    return judged(hit, got, page if page and phone_ok(page) else None, "phone")


def _date_marks(parts: list[np.ndarray]) -> list[np.ndarray] | None:
    """The eight digits of 'dd/mm/yyyy' (ten marks, the slashes third and sixth)."""
    return parts[:2] + parts[3:5] + parts[6:] if len(parts) == 10 else None


def birth_date(hit: Hit | None, on: dt.date | None = None, *, zone: bool = True, ocr: Ocr = DEFAULT_OCR) -> Field:
    """The date of birth: the digit readers on its eight digits, else the zone's or page's text read."""
    if hit is None:
        return values.missing("date of birth")
    if hit.page.method != "ocr" or not zone:
        return values.date_field(hit, "date of birth", year_only=True)
    page = values.parse_date(hit.value, year_only=True)
    page_digits = "".join(reversed(page.split("-"))) if page and len(page) == 10 else None
    got = consensus(read_digits(hit, max_digits=8, page_read=page_digits, keep=_date_marks, ocr=ocr),
                    lambda v: len(v) == 8 and (iso := codes.ddmmyyyy(v)) is not None and birth_ok(iso, on))
    if got.value is not None:
        got.value = codes.ddmmyyyy(got.value)
        return judged(hit, got, None, "date of birth")
    lines = zones.zone_ocr(hit.page, _zone(hit), psm=7, blue=False, scale=2.0, **ocr.kw())
    zone = values.parse_date(" ".join(ln.text for ln in lines or []), year_only=True)
    best = next((v for v in (zone, page) if v and (len(v) == 4 or birth_ok(v, on))), None)
    if best is None:
        return Field(None, 0.0, hit.page.number, hit.bbox, reason="date of birth unreadable")
    return hit.field(best, 0.5, "date of birth: handwriting read by Tesseract alone"
                     + ("" if zone == page else " (the page and zone reads differ)"))


def cross_check(number: Field, birth: Field) -> None:
    """A CCCD number's century and birth-year digits against the date of birth: they are two
    independent records of one year, so a disagreement flags both (the operator sees which is off)."""
    v, b = number.value, birth.value
    if not (isinstance(v, str) and len(v) == 12 and isinstance(b, str) and re.match(r"^\d{4}", b)):
        return
    if parsers.cccd_birth_year(v) == int(b[:4]):
        return
    for f in (number, birth):
        f.confidence = min(f.confidence, 0.5)
        f.reason = "the CCCD number's birth-year digits and the date of birth disagree"


def name(hit: Hit | None, what: str = "applicant name", *, zone: bool = True, ocr: Ocr = DEFAULT_OCR) -> Field:
    """The name of the page read and of two zone re-reads (scale 2 and 3, blue kept), by votes among the
    reads in the shape of a Vietnamese name: a known surname, title-case valid syllables. A handwritten
    name stays flagged: nothing structural confirms the given name."""
    base = values.name_field(hit, what)
    if hit is None or hit.page.method != "ocr" or not zone:
        return base
    reads = [nfc(" ".join(ln.text for ln in zones.zone_ocr(hit.page, _zone(hit), psm=7, blue=False, scale=s,
                                                            **ocr.kw()) or []))
             for s in (2.0, 3.0)]
    cands = [c for c in (_shaped(r) for r in (reads[0], hit.value, reads[1])) if c]
    if not cands:
        return base
    votes = Counter(cands)
    best = max(cands, key=lambda c: votes[c])  # first of the most voted: zone at scale 2, then the page
    return hit.field(best, min(HAND, base.confidence if best == base.value else HAND),
                     f"{what} handwritten" + ("" if votes[best] > 1 else " (the reads differ)"))


def _shaped(text: str) -> str | None:
    """The name in `text` when it is in the shape of one, else None."""
    from pipeline.extract import vocab
    from pipeline.lang import syllables

    got = values.parse_name(values.clean_value(text).lstrip("-–—|'\"‘“ "))  # the label's colon read as a dash
    if got is None or got[1] < 1.0:
        return None
    words = got[0].split()
    if not all(w[:1].isupper() and w[1:].islower() and syllables.valid(w) for w in words):
        return None
    return got[0] if vocab.snap_surname(words[0]) else None
