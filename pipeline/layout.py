"""Positioned words → reading-order lines, for both OCR (TSV) and text-layer words."""

from __future__ import annotations

import csv
import io
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
