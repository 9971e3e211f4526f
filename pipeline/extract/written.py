"""Values written into the blanks of the number and date lines: locate, read, judge.

Handwritten values are read by `digits.read_blank`: four independent readers (the MNIST, UCI and font
classifiers, and Tesseract). How far their agreement is trusted is measured, not felt: for every
agreement pattern of a value (which readers give it, which give another value, which give none),
`handcalibration` holds how often a value with that pattern was right on held-out handwriting
(`bench/handwriting.py` renders MNIST digits no model trained on into blanks, reads them as a run does,
and writes the table). A value is accepted when that rate reaches `ACCEPT`; otherwise it is shown for a
person to check. Values the signing system stamped into a born-digital PDF are typed: the zone is
rendered from the PDF with its widgets drawn and read the same way, judged by a table of typed digits
(inserted ones, and numbers printed glued to their symbol, which OCR read already).
Judging applies the conventions of Decree 30 (and Circular 01/2011 before it): numbers and days below
10 are written with a leading zero ('01', 'ngày 05'), so a single handwritten digit, or a leading zero
on a longer number, means a digit was lost or invented and the value goes to a person.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.extract import blanks, digits
from pipeline.extract.zones import crop_zone
from pipeline.models import BBox, PageText, Word

log = logging.getLogger(__name__)

Kind = Literal["number", "day", "month"]
READERS = ("mnist", "uci", "fonts", "tesseract")  # the independent opinions, in pattern order
# A read whose pattern was right this often on held-out handwriting is trusted: the lowest rate whose
# cross-validated result (`bench/handwriting.py`: calibrate on half the pages, judge the other) kept
# the values trusted wrongly under 1.5 % of all values in both halves (0.95: 1.5-2.3 %; 0.96: 1.1-1.2 %,
# 35-37 % of the values accepted, 3-4 % of those wrong; docs/extraction.md).
ACCEPT = 0.96
MIN_SEEN = 20  # a pattern seen fewer times on held-out handwriting is judged by its agreement counts
SURE = 0.5  # MNIST margin from which held-out digits were read right 99 % of the time (93 % overall)
DOUBT = 0.6  # a value is shown to the person but flagged
PADDED_FROM = 2011  # Circular 01/2011/TT-BNV, then Decree 30/2020: days below 10 get a leading zero


@dataclass
class Written:
    value: str | None
    confidence: float
    bbox: BBox | None
    reason: str = ""
    source: str = "zone_ocr"
    support: int = 0  # independent readers giving `value`
    rivals: tuple[str, ...] = ()  # other values the readers gave (for cross-checks to choose among)
    reads: dict[str, str | None] = field(default_factory=dict)  # each reader's value


def opinions(reads: dict[str, str | None]) -> dict[str, str | None]:
    """The four readers' values. Tesseract's three reads (the page's own OCR, the zone as a line, each
    digit alone) count as one opinion: the value two of them give, or the only one given; '?' when they
    only contradict each other."""
    tess = [v for v in (reads.get("page"), reads.get("tesseract"), reads.get("tesseract_digits")) if v]
    top = Counter(tess).most_common(2)
    if not top:
        one = None
    elif len(top) == 1 or top[0][1] > top[1][1]:
        one = top[0][0] if top[0][1] >= 2 or len(top) == 1 else "?"
    else:
        one = "?"
    return {"mnist": reads.get("mnist"), "uci": reads.get("uci"), "fonts": reads.get("fonts"), "tesseract": one}


def sure(reads: dict[str, str | None]) -> bool:
    """Whether the MNIST model read every digit surely (its smallest one-vs-one margin ≥ `SURE`)."""
    try:
        return float(reads.get("mnist_sure") or "nan") >= SURE
    except ValueError:
        return False


def pattern(ops: dict[str, str | None], value: str, surely: bool = False) -> str:
    """Per reader in `READERS` order: '+' gives `value`, '-' another value, '0' none ('++-0'); '!' after
    it when the MNIST model gives `value` and read it `surely`."""
    marks = "".join("0" if ops.get(r) is None else "+" if ops[r] == value else "-" for r in READERS)
    return marks + ("!" if surely and ops.get("mnist") == value else "")


def coarse(pat: str) -> str:
    """The agreement counts of a pattern, for patterns too rare to be judged alone ('a2d1', 'a2d1!')."""
    return f"a{pat.count('+')}d{pat.count('-')}" + ("!" if pat.endswith("!") else "")


Table = dict[str, tuple[int, int]]  # pattern → (seen, right)


def _general(pat: str, typed: bool = False) -> list[str]:
    """`pat`, then ever more general keys that pool it with others: sure or not, then agreement counts.
    Typed digits are pooled first by what the font model and Tesseract say (print is their ground:
    measured, the two agreeing were right on every printed or inserted value)."""
    keys = [pat, pat.rstrip("!") + "*", *([f"ft{pat[2:4]}"] if typed else []), coarse(pat),
            coarse(pat).rstrip("!") + "*"]
    return list(dict.fromkeys(keys))


def pooled(counts: Table, typed: bool = False) -> Table:
    """The counts with those of every more general key (see `_general`) added."""
    table: Table = {}
    for p, (seen, right) in counts.items():
        for k in _general(p, typed):
            s, r = table.get(k, (0, 0))
            table[k] = (s + seen, r + right)
    return table


@functools.cache
def _table(typed: bool = False) -> Table:
    """Pattern (and coarse key) → (seen, right) on held-out handwriting (or inserted digits); empty
    without the table."""
    try:
        from pipeline.extract import handcalibration
    except ImportError:
        return {}
    return pooled(handcalibration.TYPED, typed=True) if typed else pooled(handcalibration.PATTERNS)


def measured(pat: str, *, typed: bool = False, table: Table | None = None) -> float:
    """How often a value read with `pat` was right on held-out handwriting: the rate of the most specific
    key of `_general` seen `MIN_SEEN` times, else 0. Inserted digits are judged by their own table and,
    for patterns it has not seen, by handwriting's (they are no harder to read). `table` (pooled) stands
    in for the committed one (the bench's cross-validation)."""
    tables = [(table, typed)] if table is not None else [(_table(True), True), (_table(), False)] if typed \
        else [(_table(), False)]
    for t, as_typed in tables:
        for k in _general(pat, as_typed):
            seen, right = t.get(k, (0, 0))
            if seen >= MIN_SEEN:
                return right / seen
    return 0.0


def plausible(v: str, kind: Kind) -> str:
    """'' when `v` can be a `kind` (Decree 30's forms), else why not."""
    n = int(v)
    if kind == "number" and (not 1 <= n <= 9999 or (v.startswith("0") and len(v) != 2)):
        return f"read '{v}' is not a plausible number"
    if kind == "day" and (not 1 <= n <= 31 or (v.startswith("0") and len(v) != 2)):
        return f"read '{v}' is not a day"
    if kind == "month" and (not 1 <= n <= 12 or (v.startswith("0") and len(v) != 2)):
        return f"read '{v}' is not a month"
    return ""


def judge(read: digits.DigitRead, kind: Kind, *, typed: bool, padded: bool = True,
          table: Table | None = None) -> tuple[str | None, float, str]:
    """(value, confidence, reason) from an ensemble read; `padded` when the document is of the years of
    the leading-zero rule; `table` as for `measured`."""
    if not any(read.reads.values()):
        return None, 0.0, read.reason or "unreadable"
    ops = opinions(read.reads)
    found = [v for v in dict.fromkeys(ops.values()) if v and v != "?"]
    if not found:
        return None, 0.0, "no read of the handwriting"
    why = {v: plausible(v, kind) for v in found}
    fits = [v for v in found if not why[v]]
    if not fits:
        return None, 0.0, why[found[0]]
    surely = sure(read.reads)
    scored = {v: measured(pattern(ops, v, surely), typed=typed, table=table) for v in fits}
    v = max(fits, key=lambda v: (scored[v], pattern(ops, v).count("+"), -READERS.index(_first(ops, v))))
    rate, pat = scored[v], pattern(ops, v)
    if typed:  # digits a signing system inserted: measured on inserted digits, no rule of the hand
        return (v, round(rate, 3), "") if rate >= ACCEPT else (v, min(DOUBT, rate),
                                                               "reads of the inserted digits disagree")
    if kind != "month" and len(v) == 1 and padded:
        return v, DOUBT, "single handwritten digit (Decree 30 writes a leading zero): a digit may be lost"
    if rate >= ACCEPT:
        return v, round(rate, 3), ""
    agree = pat.count("+")
    reason = ("independent reads of the handwriting disagree" if "-" in pat else
              f"only {agree} of {len(READERS)} readers read the handwriting" if agree < len(READERS) else
              "the readers agree, but not as surely as accepted")
    return v, min(DOUBT, rate) if agree >= 2 else min(0.4, rate), f"{reason} (right {rate:.1%} when measured)"


def _first(ops: dict[str, str | None], value: str) -> str:
    return next(r for r in READERS if ops.get(r) == value)


def read(page: PageText, words: list[Word], kind: Kind, *, language: str = "vie", tessdata: Path | None = None,
         timeout: float = 60, year: int | None = None, page_read: str | None = None,
         printed: bool = False) -> Written | None:
    """Read the value written in the blank of `kind` on a line (`words`); None when no blank is found.
    `year`, when known, tells whether the leading-zero rule applies; `page_read` is what the page's OCR
    read in the blank; `printed` digits (not handwriting) are judged as typed ones."""
    finder = {"number": blanks.number_blank, "day": blanks.day_blank, "month": blanks.month_blank}[kind]
    blank = finder(words)
    if blank is None or blank.x1 - blank.x0 < 2:
        return None
    zone = blank.zone()
    got = crop_zone(page, zone, dpi=300)
    if got is None:
        return None
    img, k = got
    typed = page.method == "text_layer" or printed
    r = digits.read_blank(img, (blank.x0 - zone[0]) * k, (blank.x1 - zone[0]) * k, (blank.top - zone[1]) * k,
                          (blank.bottom - zone[1]) * k, max_digits=4 if kind == "number" else 2,
                          expect=2 if kind == "day" else None, page_read=page_read,
                          language=language, tessdata=tessdata, timeout=timeout)
    value, conf, reason = judge(r, kind, typed=typed, padded=year is None or year >= PADDED_FROM)
    if r.blank:
        reason = "blank left empty"
    log.debug("%s blank on page %d: %s (%s) %s", kind, page.number, value, r.reads, reason)
    box = (blank.x0, blank.top, blank.x1, blank.bottom)
    ops = opinions(r.reads)
    support = sum(v == value for v in ops.values()) if value else 0
    rivals = tuple(dict.fromkeys(v for v in ops.values() if v and v != "?" and v != value))
    source = "rendered_pdf" if page.method == "text_layer" else "zone_ocr"
    return Written(value, conf, box, reason, source, support, rivals, dict(r.reads))


def iso_date(day: str | int | None, month: str | int | None, year: int | None) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat() if day and month and year else None  # type: ignore[arg-type]
    except ValueError:
        return None
