"""Values written into the blanks of the number and date lines: locate, read, judge.

Handwritten values are read by `digits.read_blank` (independent reads that must agree). Values the
signing system stamped into a born-digital PDF are typed: the zone is rendered from the PDF with its
widgets drawn and read the same way, with more trust. Judging applies Decree 30's conventions: numbers
and days below 10 are written with a leading zero ('01', 'ngày 05'), so a handwritten single digit, or
a leading zero on a longer number, means a digit was lost or invented and the value goes to a person.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.extract import blanks, digits
from pipeline.extract.zones import crop_zone
from pipeline.models import BBox, PageText, Word

log = logging.getLogger(__name__)

Kind = Literal["number", "day", "month"]
ACCEPT_ALL = 0.92  # every independent read gives the value
ACCEPT_TWO = 0.85  # two agree, none contradicts
DOUBT = 0.6  # a value is shown to the person but flagged
GUESS = 0.4  # one read only: a suggestion for the person


@dataclass
class Written:
    value: str | None
    confidence: float
    bbox: BBox | None
    reason: str = ""
    source: str = "zone_ocr"
    support: int = 0  # independent readers giving `value`
    rivals: tuple[str, ...] = ()  # other values the readers gave (for cross-checks to choose among)


def _families(reads: dict[str, str | None]) -> list[str | None]:
    """The independent opinions: the two classifiers and Tesseract (its two passes count as one)."""
    whole, each = reads.get("tesseract"), reads.get("tesseract_digits")
    tess = whole if each is None or whole == each else (each if whole is None else "?")
    return [reads.get("uci"), reads.get("fonts"), tess]


def judge(read: digits.DigitRead, kind: Kind, *, typed: bool) -> tuple[str | None, float, str]:
    """(value, confidence, reason) from an ensemble read."""
    if read.value is None and read.guess is None:
        return None, 0.0, read.reason or "unreadable"
    fams = _families(read.reads)
    if read.value is None:  # no agreement: the best guess, for a person to check
        read = digits.DigitRead(read.guess, read.votes, read.reads, read.reason)
    votes = sum(f == read.value for f in fams)
    against = sum(f is not None and f != read.value for f in fams)
    v = read.value
    n = int(v)
    if kind == "number":
        if not 1 <= n <= 9999 or (v.startswith("0") and len(v) != 2):
            return None, 0.0, f"read '{v}' is not a plausible number"
    elif kind == "day" and not 1 <= n <= 31:
        return None, 0.0, f"read '{v}' is not a day"
    elif kind == "month" and not 1 <= n <= 12:
        return None, 0.0, f"read '{v}' is not a month"
    if typed:  # printed digits: the font-trained classifier and Tesseract are the apt readers
        ok = fams[1] == v and fams[2] == v
        return v, (0.95 if ok else DOUBT), "" if ok else "reads of the inserted digits disagree"
    if kind != "month" and len(v) == 1:
        return v, DOUBT, "single handwritten digit (Decree 30 writes a leading zero): a digit may be lost"
    if votes >= 2 and not against:
        return v, ACCEPT_ALL if votes == 3 else ACCEPT_TWO, ""
    return v, DOUBT if votes >= 2 else GUESS, "independent reads of the handwriting disagree"


def read(page: PageText, words: list[Word], kind: Kind, *, language: str = "vie", tessdata: Path | None = None,
         timeout: float = 60) -> Written | None:
    """Read the value written in the blank of `kind` on a line (`words`); None when no blank is found."""
    finder = {"number": blanks.number_blank, "day": blanks.day_blank, "month": blanks.month_blank}[kind]
    blank = finder(words)
    if blank is None or blank.x1 - blank.x0 < 2:
        return None
    zone = blank.zone()
    got = crop_zone(page, zone, dpi=300)
    if got is None:
        return None
    img, k = got
    typed = page.method == "text_layer"
    r = digits.read_blank(img, (blank.x0 - zone[0]) * k, (blank.x1 - zone[0]) * k, (blank.top - zone[1]) * k,
                          (blank.bottom - zone[1]) * k, max_digits=4 if kind == "number" else 2,
                          expect=2 if kind == "day" else None,
                          language=language, tessdata=tessdata, timeout=timeout)
    value, conf, reason = judge(r, kind, typed=typed)
    if r.blank:
        reason = "blank left empty"
    log.debug("%s blank on page %d: %s (%s) %s", kind, page.number, value, r.reads, reason)
    box = (blank.x0, blank.top, blank.x1, blank.bottom)
    support = sum(f == value for f in _families(r.reads)) if value else 0
    rivals = tuple(dict.fromkeys(v for v in r.reads.values() if v and v != value))
    return Written(value, conf, box, reason, "rendered_pdf" if typed else "zone_ocr", support, rivals)


def iso_date(day: str | int | None, month: str | int | None, year: int | None) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat() if day and month and year else None  # type: ignore[arg-type]
    except ValueError:
        return None
