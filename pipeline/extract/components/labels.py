"""Printed field labels and the values written after them ('Họ và tên: …', 'Ngày sinh / Date of birth: …').

Labels are matched on a folded copy of each line (accents stripped, upper case) that keeps every
character's position, so a match maps back to the words it covers and their boxes. A value ends at
the next label of the same line ('Ngày sinh: … Giới tính: …') or at the line's end; a label with
nothing after it takes the line below (ID cards print the value under a bilingual label).
The values themselves are parsed in `values`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.extract.fields import Field
from pipeline.models import Line, PageText, Word, union_bbox
from pipeline.text import nfc, strip_accents


def fold(text: str) -> str:
    """Accent-folded upper case with one character per character of `text` (positions line up)."""
    return "".join((strip_accents(c) or c).upper()[:1] or c for c in text)


@dataclass(frozen=True)
class Hit:
    """A value read after a label: its text, the words it came from and where."""

    value: str
    words: tuple[Word, ...]
    page: PageText
    label: str

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return union_bbox(w.bbox for w in self.words)

    @property
    def confidence(self) -> float:
        if self.page.method == "text_layer":
            return 1.0
        return min((w.confidence for w in self.words), default=0.0) / 100.0

    def field(self, value: object, confidence: float | None = None, reason: str = "") -> Field:
        conf = self.confidence if confidence is None else confidence
        return Field(value, conf, self.page.number, self.bbox,
                     "text_layer" if self.page.method == "text_layer" else "ocr", reason)


def _spans(line: Line) -> list[tuple[int, int]]:
    out, pos = [], 0
    for w in line.words:
        out.append((pos, pos + len(w.text)))
        pos += len(w.text) + 1
    return out


_BILINGUAL = re.compile(r"^\s*[/|]\s*[A-Z][A-Z ,.'()]{1,40}?\s*[:;]")  # '/ FULL NAME:' after a label
_SEPARATORS = " :;.,-_/|()"


def _words_in(line: Line, start: int, end: int) -> tuple[Word, ...]:
    return tuple(w for w, (a, b) in zip(line.words, _spans(line), strict=True) if b > start and a < end)


def _below(page: PageText, line: Line) -> Line | None:
    """The next line under `line` that starts within its horizontal extent (a value printed under its label)."""
    height = line.bbox[3] - line.bbox[1]
    for other in page.lines:
        top = other.bbox[1]
        if line.bbox[1] + 0.5 * height < top < line.bbox[3] + 1.6 * height + 2 \
                and other.bbox[0] < line.bbox[2] and other.bbox[2] > line.bbox[0]:
            return other
    return None


def find(pages: Sequence[PageText], label: re.Pattern[str], *, stops: re.Pattern[str] | None = None,
         below: bool = True, last: bool = False, continued: bool = False) -> Hit | None:
    """The first (or `last`) value written after `label`; None when the label is nowhere or has no value.
    With `continued`, lines under the value that carry no label are taken as its continuation (addresses)."""
    hits = find_all(pages, label, stops=stops, below=below)
    if hits and continued and stops is not None:
        hits = [_continue(h, label, stops) for h in hits]
    if not hits:
        return None
    return hits[-1] if last else hits[0]


def _continue(hit: Hit, label: re.Pattern[str], stops: re.Pattern[str]) -> Hit:
    words, value = hit.words, hit.value
    last = Line(tuple(w for w in hit.words if w.bbox[1] >= max(x.bbox[1] for x in hit.words) - 2))
    for _ in range(2):
        nxt = _below(hit.page, last)
        if nxt is None or abs(nxt.bbox[0] - words[0].bbox[0]) > 3 * (nxt.bbox[3] - nxt.bbox[1]):
            break
        folded = fold(nxt.text)
        if stops.search(folded) or label.search(folded) or re.match(r"^\s*\W?\s*\d{1,2}\s*[.)]", nxt.text):
            break
        sep = ", " if words[-1].text.endswith(",") else " "
        value = value + sep + nfc(nxt.text).strip(_SEPARATORS)
        words, last = words + nxt.words, nxt
    if words == hit.words:
        return hit
    return Hit(value, words, hit.page, hit.label)


def find_all(pages: Sequence[PageText], label: re.Pattern[str], *, stops: re.Pattern[str] | None = None,
             below: bool = True) -> list[Hit]:
    out = []
    for page in pages:
        for line in page.lines:
            text = line.text
            folded = fold(text)
            for m in label.finditer(folded):
                start = m.end()
                b = _BILINGUAL.match(folded[start:])
                if b:
                    start += b.end()
                while start < len(text) and text[start] in _SEPARATORS:
                    start += 1
                end = len(text)
                if stops is not None:
                    s = stops.search(folded, start)
                    if s:
                        end = s.start()
                value = text[start:end].strip(_SEPARATORS)
                if value:
                    out.append(Hit(nfc(value), _words_in(line, start, end), page, m.group(0)))
                    break
                if below and end == len(text):
                    nxt = _below(page, line)
                    if nxt is not None and not (stops is not None and stops.match(fold(nxt.text).lstrip())):
                        value = nxt.text.strip(_SEPARATORS)
                        if value:
                            out.append(Hit(nfc(value), nxt.words, page, m.group(0)))
                            break
    return out


def pattern(*labels: str) -> re.Pattern[str]:
    """A label regex over folded text from plain folded phrases ('HO VA TEN'); spaces match any spacing."""
    parts = [r"\s*".join(re.escape(w) for w in phrase.split()) for phrase in labels]
    return re.compile(r"(?<![A-Z])(?:" + "|".join(parts) + r")(?![A-Z])")


def any_label(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
