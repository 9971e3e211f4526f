"""Where a handwritten or stamped-in value sits: the blank between two printed words of a line.

Decree 30 documents leave blanks after "Số:" (up to the "/" of the symbol), after "ngày" (up to
"tháng") and after "tháng" (up to "năm"); the number, day and often the month are written in by hand
or inserted by the signing system. The blank is found from the printed words' boxes. Tesseract often
glues the handwriting to a neighbouring word ("ngày4†tháng"); then only the box edge on the printed side
is trusted, and the printed part's extent is measured in the font of the line: letter advance widths of
Times New Roman (the font Decree 30 prescribes), scaled by the clean words of the same line. A median
character width would not do: italic 'ngày' is narrow and a crop starting 10–18 pt too far right cuts
the first handwritten digit.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.models import BBox, Word
from pipeline.text import strip_accents


@dataclass(frozen=True)
class Blank:
    """A blank on a line: `x0`–`x1` (points) between the printed anchors, the printed line's
    vertical extent `top`–`bottom`, and the anchors' own boxes (their ink is not part of the value)."""

    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def zone(self) -> BBox:
        """The crop to read: the blank with room for handwriting rising above and below the line."""
        h = self.height
        return (self.x0 - 0.6 * h, self.top - 0.9 * h, self.x1 + 0.6 * h, self.bottom + 0.7 * h)


def fold(text: str) -> str:
    return strip_accents(text).lower().replace("đ", "d")


def char_width(words: list[Word]) -> float:
    """Median width of one printed character on the line (from clean, longer words)."""
    ws = [(w.bbox[2] - w.bbox[0]) / len(w.text) for w in words if w.confidence >= 80 and len(w.text) >= 3
          and sum(c.isalpha() for c in w.text) >= 2]
    if ws:
        return statistics.median(ws)
    hs = [w.bbox[3] - w.bbox[1] for w in words]
    return 0.5 * statistics.median(hs) if hs else 6.0


# Advance widths (1/1000 em) of Times New Roman Italic letters (the place-date line is italic; the upright
# face differs by a few percent, which the per-line scale absorbs). Accented letters take their base letter.
_ADVANCE = {
    **dict.fromkeys("acdeghnopqu", 500), **dict.fromkeys("bfijlt", 278), "k": 444, "m": 722, "r": 389,
    "s": 389, "v": 444, "w": 667, "x": 444, "y": 444, "z": 389, "f": 278, "b": 500, "ð": 500,
    **dict.fromkeys("ABCDEKNRUVXY", 667), **dict.fromkeys("GHOQMW", 722), "F": 611, "I": 333, "J": 444,
    "L": 556, "P": 611, "S": 500, "T": 556, "Z": 556, "Đ": 722, "M": 833, "W": 833,
    **dict.fromkeys("0123456789", 500), ",": 250, ".": 250, ":": 333, ";": 333, "/": 278, "-": 333,
}
_AVERAGE = 480


def advance(text: str) -> float:
    """Advance width of `text` in 1/1000 em (Times New Roman Italic)."""
    base = strip_accents(text).replace("đ", "ð")
    return float(sum(_ADVANCE.get(c, _AVERAGE) for c in base))


def em_scale(words: list[Word]) -> float | None:
    """Points per 1/1000 em of the line's print: clean words' box widths against their advance widths
    (median, so one odd word does not count). None when no word is clean enough to measure."""
    ratios = [(w.bbox[2] - w.bbox[0]) / advance(w.text) for w in words
              if w.confidence >= 80 and len(w.text) >= 3 and sum(c.isalpha() for c in w.text) >= len(w.text) - 1]
    return statistics.median(ratios) if ratios else None


def _printed_width(text: str, n: int, scale: float | None, cw: float) -> float:
    """Width of the first `n` characters of `text` (a printed keyword inside a word)."""
    return advance(text[:n]) * scale if scale else n * cw * 1.1


def line_extent(words: list[Word]) -> tuple[float, float]:
    """Top and bottom of the printed text (median over confident words, so handwriting does not count)."""
    good = [w for w in words if w.confidence >= 80] or words
    return statistics.median(w.bbox[1] for w in good), statistics.median(w.bbox[3] for w in good)


def between(words: list[Word], left: Callable[[str], int | None], right: Callable[[str], int | None]) -> Blank | None:
    """The blank after the word matched by `left` and before the one matched by `right`.

    A matcher takes a folded word and returns the character index where the printed keyword ends
    (`left`) or starts (`right`) inside that word, or None when the word does not hold it.
    """
    if not words:
        return None
    cw = char_width(words)
    scale = em_scale(words)
    top, bottom = line_extent(words)
    for i, w in enumerate(words):
        k = fold(w.text)
        end = left(k)
        if end is None:
            continue
        text = w.text if len(w.text) == len(k) else k
        # Tesseract stretches a word's box over handwriting glued to it: trust its left edge only
        x0 = min(w.bbox[2], w.bbox[0] + _printed_width(text, end, scale, cw))
        # the right anchor may be glued to the left one ("ngày4†tháng"): its right edge is the word's
        start = right(k[end:]) if end < len(k) else None
        if start is not None and start > 0:
            x1 = max(x0, w.bbox[2] - _tail_width(text, end + start, scale, cw))
            return Blank(x0, x1, top, bottom)
        for v in words[i + 1:]:
            kv = fold(v.text)
            start = right(kv)
            if start is None:
                continue
            # a prefix glued before the keyword ('12/QĐ-UBND', '4tháng') is the value itself: digits (read:
            # printed) take their share of the word's box by advance widths (whatever the face and size);
            # handwriting, of unknown width, ends where the printed rest of the word does, from its right edge
            tv = v.text if len(v.text) == len(kv) else kv
            if start == 0:
                x1 = v.bbox[0]
            elif tv[:start].isdigit():
                x1 = v.bbox[0] + (v.bbox[2] - v.bbox[0]) * advance(tv[:start]) / advance(tv)
            else:  # less half a slash: a face wider than Times would put the slash inside the blank
                tail = _tail_width(tv, start, scale, cw) + _printed_width("/", 1, scale, cw) / 2
                x1 = max(v.bbox[0], v.bbox[2] - tail)
            return Blank(x0, max(x0, x1), top, bottom)
        return None
    return None


def _tail_width(text: str, start: int, scale: float | None, cw: float) -> float:
    """Width of `text` from character `start` to its end (a printed keyword ending a word)."""
    return advance(text[start:]) * scale if scale else (len(text) - start) * cw


def keyword_end(*keys: str) -> Callable[[str], int | None]:
    """Matcher for a left anchor: the word starts with one of `keys` (accent-folded)."""
    def match(k: str) -> int | None:
        for key in keys:
            if k.startswith(key):
                return len(key) + (1 if k[len(key):len(key) + 1] in (":", ";", ".") and len(k) > len(key) else 0)
        return None
    return match


def keyword_start(*keys: str) -> Callable[[str], int | None]:
    """Matcher for a right anchor: the word holds one of `keys`; returns where it starts."""
    def match(k: str) -> int | None:
        found = [k.find(key) for key in keys if key in k]
        return min(found) if found else None
    return match


_SYMBOL_SLASH = re.compile(r"[/⁄](?=[a-zđ]|(?:19|20)\d\d[/⁄])")


def _symbol_slash(k: str) -> int | None:
    """Where '/QĐ-UBND' (or '/2024/QĐ-UBND') starts in a folded word: a slash in the handwriting ('1⁄2',
    '©#/') is not the anchor."""
    m = _SYMBOL_SLASH.search(k)
    return m.start() if m else None


def number_blank(words: list[Word]) -> Blank | None:
    """'Số: ___ /QĐ-UBND': after 'Số:' up to the '/' of the symbol."""
    return between(words, keyword_end("so", "s0", "sô"), _symbol_slash)


def day_blank(words: list[Word]) -> Blank | None:
    return between(words, keyword_end("ngay"), keyword_start("thang"))


def month_blank(words: list[Word]) -> Blank | None:
    return between(words, keyword_end("thang"), keyword_start("nam"))
