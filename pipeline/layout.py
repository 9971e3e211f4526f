"""Positioned words → lines, for both OCR (TSV) and text-layer words; lines → the order a person reads.

Decree 30 pages put blocks side by side: the agency and number on the left, the national title and
date on the right; the recipients ("Nơi nhận") on the left, the signer on the right. `reading_order`
finds such bands (rows split by one common vertical gutter) and reads each band's left column, then
its right one; everything else (titles, body text) is read row by row, top to bottom.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable

from pipeline.models import Line, Word
from pipeline.text import nfc


def parse_tsv(tsv: str, dpi: float, *, offset: tuple[float, float] = (0.0, 0.0)) -> list[Line]:
    """Tesseract TSV → lines in points. `offset` (points) places a zone crop back on its page."""
    scale = 72.0 / dpi
    ox, oy = offset
    lines: dict[tuple[int, int, int, int], list[Word]] = {}
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = nfc(row[11]).strip()
        if not text:
            continue
        left, top, width, height = (float(v) for v in row[6:10])
        conf = max(0.0, float(row[10]))
        key = (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        bbox = (ox + left * scale, oy + top * scale, ox + (left + width) * scale, oy + (top + height) * scale)
        lines.setdefault(key, []).append(Word(text, bbox, conf))
    return [Line(tuple(ws)) for _, ws in sorted(lines.items())]


def group_words(words: Iterable[Word], *, y_tolerance: float = 3.0, gap: float = 25.0) -> list[Line]:
    """Group text-layer words into lines (same baseline, no wide gap), top to bottom, left to right.

    A wide horizontal gap splits a line: the agency block and the national title sit side by side
    on the same baseline and must stay separate lines, as Tesseract's blocks keep them.
    """
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.bbox[3]), w.bbox[0])):
        for row in rows:
            if abs(row[-1].bbox[3] - w.bbox[3]) <= y_tolerance:
                row.append(w)
                break
        else:
            rows.append([w])
    out: list[Line] = []
    for row in sorted(rows, key=lambda r: min(w.bbox[1] for w in r)):
        row.sort(key=lambda w: w.bbox[0])
        current = [row[0]]
        for w in row[1:]:
            if w.bbox[0] - current[-1].bbox[2] > gap:
                out.append(Line(tuple(current)))
                current = []
            current.append(w)
        out.append(Line(tuple(current)))
    return out


COLUMN_GAP = 32.0  # points; wider than any word gap in justified body text at 13–14 pt
MIN_GUTTER = 6.0  # points of white a band's gutter keeps after every row of the band


def split(line: Line, gap: float = COLUMN_GAP) -> list[Line]:
    """A line cut at horizontal gaps wider than `gap` (Tesseract joins columns of one baseline)."""
    out: list[Line] = []
    current = [line.words[0]] if line.words else []
    for w in line.words[1:]:
        if w.bbox[0] - current[-1].bbox[2] > gap:
            out.append(Line(tuple(current)))
            current = []
        current.append(w)
    if current:
        out.append(Line(tuple(current)))
    return out


def _rows(pieces: list[Line]) -> list[list[Line]]:
    """Pieces on the same height (vertical overlap of half the smaller one), top to bottom, left to right."""
    rows: list[list[Line]] = []
    for p in sorted(pieces, key=lambda p: (p.bbox[1], p.bbox[0])):
        top, bottom = p.bbox[1], p.bbox[3]
        for row in rows[-3:]:
            r_top, r_bottom = min(q.bbox[1] for q in row), max(q.bbox[3] for q in row)
            if min(bottom, r_bottom) - max(top, r_top) >= 0.5 * min(bottom - top, r_bottom - r_top):
                row.append(p)
                break
        else:
            rows.append([p])
    for row in rows:
        row.sort(key=lambda p: p.bbox[0])
    return rows


def _gutter(row: list[Line], gap: float) -> tuple[float, float] | None:
    """The widest gap between two pieces of a row, when wider than `gap`."""
    gaps = [(b.bbox[0] - a.bbox[2], (a.bbox[2], b.bbox[0])) for a, b in itertools.pairwise(row)]
    best = max(gaps, default=(0.0, (0.0, 0.0)))
    return best[1] if best[0] > gap else None


def _fits(row: list[Line], g: tuple[float, float]) -> tuple[float, float] | None:
    """The gutter narrowed by a row whose pieces each keep to one side of it; None if one crosses it."""
    g0, g1 = g
    for p in row:
        x0, x1 = p.bbox[0], p.bbox[2]
        if x1 <= g1 and (x0 + x1) / 2 < g0:
            g0 = max(g0, x1)
        elif x0 >= g0 and (x0 + x1) / 2 > g1:
            g1 = min(g1, x0)
        else:
            return None
    return (g0, g1) if g1 - g0 >= MIN_GUTTER else None


def _close(above: list[Line], below: list[Line]) -> bool:
    """No blank line between two rows: a short body line after a blank is no part of the block above."""
    height = min(p.bbox[3] - p.bbox[1] for p in above + below)
    return min(p.bbox[1] for p in below) - max(p.bbox[3] for p in above) <= 1.5 * height


def reading_order(lines: list[Line], *, gap: float = COLUMN_GAP) -> list[Line]:
    """The page's lines as a person reads them: a band of side-by-side blocks column by column (left
    block, then right), each piece of it a line; other rows whole, top to bottom."""
    rows = _rows([p for ln in lines for p in split(ln, gap)])
    out: list[Line] = []
    done = 0  # rows before this index are emitted
    i = 0
    while i < len(rows):
        g = _gutter(rows[i], gap)
        if g is None:
            i += 1
            continue
        start = i
        while start > done and _close(rows[start - 1], rows[start]) and (up := _fits(rows[start - 1], g)):
            start, g = start - 1, up  # rows above, each on one side
        end = i + 1
        while end < len(rows) and _close(rows[end - 1], rows[end]) and (down := _fits(rows[end], g)):
            end, g = end + 1, down
        out += [Line(tuple(w for p in row for w in p.words)) for row in rows[done:start]]
        mid = (g[0] + g[1]) / 2
        band = [p for row in rows[start:end] for p in row]
        out += [p for p in band if p.bbox[2] <= mid] + [p for p in band if p.bbox[2] > mid]
        done = i = end
    out += [Line(tuple(w for p in row for w in p.words)) for row in rows[done:]]
    return out
