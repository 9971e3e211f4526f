"""Locate the header parts of page one: agency block, national title, number line, place-date line,
type name and summary (Decree 30/2020 Appendix I layout)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from pipeline.extract import parsers, vocab
from pipeline.extract.zones import Segment, segments
from pipeline.models import Line, PageText, Word


@dataclass
class Header:
    page: PageText
    national: list[Segment] = field(default_factory=list)
    agency: list[Segment] = field(default_factory=list)
    number: Segment | None = None
    place_date: Segment | None = None
    type_name: Segment | None = None
    summary: list[Segment] = field(default_factory=list)
    divider: float = 0.0  # x (points) between the left and right header columns


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def is_national_title(text: str) -> bool:
    k = vocab.key(text)
    return (fuzz.partial_ratio("CONG HOA XA HOI", k) >= 85 or fuzz.partial_ratio("DOC LAP - TU DO", k) >= 85
            or fuzz.partial_ratio("CHU NGHIA VIET NAM", k) >= 85)


def _is_rule(text: str) -> bool:
    """An underline under a header part, read as dashes or junk."""
    t = text.strip()
    return len(t) < 2 or sum(c in "-_—=~.·" for c in t) >= len(t) / 2


def _divider(page: PageText) -> float:
    """x where the right header column starts: the left edge of 'CỘNG HÒA …' or 'Độc lập …', or of the
    place-date line when that starts further left (a typewritten title read 'CỘNG H0OÀ' is found by the
    fuzzy title match; a long date line 'Thành phố Hồ Chí Minh, ngày …' reaches left of the title)."""
    found = _title_start(page)
    starts = [s.bbox[0] for s in segments(page) if s.bbox[1] < 0.25 * page.height and s.bbox[0] > 0.3 * page.width
              and (is_national_title(s.text) or parsers.is_place_date_line(s.text))]
    if starts and (found is None or min(starts) < found):
        found = min(starts)
    if found is None:
        return 0.45 * page.width
    return min(max(found - 4, 0.35 * page.width), 0.55 * page.width)


def _title_start(page: PageText) -> float | None:
    """Left edge of the national title by its first words, also inside a word glued to the agency."""
    for line in page.lines:
        if line.bbox[1] > 0.25 * page.height:
            break
        for i, w in enumerate(line.words):
            k = vocab.key(" ".join(x.text for x in line.words[i:i + 3]))
            x0 = w.bbox[0]
            glued = max(k.find("CONG HOA"), k.find("DOC LAP"))
            if 0 < glued < len(vocab.key(w.text)):
                # a long agency line touching the title: Tesseract read 'TRƯỜNGCỘNG' as one word
                x0 = w.bbox[0] + (w.bbox[2] - w.bbox[0]) * glued / len(vocab.key(w.text))
            elif glued != 0:
                continue
            if x0 > 0.3 * page.width:
                return x0
    return None


def _unglue(w: Word, divider: float) -> list[Word]:
    """A word straddling the divider that holds the start of the national title ('TRƯỜNGCỘNG'): the two
    words, boxes split in proportion to their letters."""
    k = vocab.key(w.text)
    j = max(k.find("CONG"), k.find("DOC"))
    if not (w.bbox[0] < divider < w.bbox[2]) or j <= 0 or len(k) != len(w.text):
        return [w]
    x = w.bbox[0] + (w.bbox[2] - w.bbox[0]) * j / len(k)
    return [Word(w.text[:j], (w.bbox[0], w.bbox[1], x, w.bbox[3]), w.confidence, w.size, w.bold),
            Word(w.text[j:], (x, w.bbox[1], w.bbox[2], w.bbox[3]), w.confidence, w.size, w.bold)]


def header_rows(page: PageText, divider: float) -> list[Segment]:
    """Top-half lines cut at the column divider; pieces of one half on one baseline joined again
    (a text layer splits 'Số:' from an inserted number and '/QĐ-UBND')."""
    halves: list[list[Word]] = []
    for line in page.lines:
        if line.bbox[1] > 0.5 * page.height:
            continue
        words = [p for w in line.words for p in _unglue(w, divider)]
        left = [w for w in words if (w.bbox[0] + w.bbox[2]) / 2 < divider]
        right = [w for w in words if (w.bbox[0] + w.bbox[2]) / 2 >= divider]
        for part in (left, right):
            if not part:
                continue
            side = (part[0].bbox[0] + part[0].bbox[2]) / 2 < divider
            for other in halves:
                o = other[0]
                if ((o.bbox[0] + o.bbox[2]) / 2 < divider) == side and abs(o.bbox[3] - part[0].bbox[3]) <= 4:
                    other.extend(part)
                    other.sort(key=lambda w: w.bbox[0])
                    break
            else:
                halves.append(list(part))
    segs = [Segment(Line(tuple(ws)), page.number) for ws in halves]
    return sorted(segs, key=lambda s: (round(s.bbox[1] / 4), s.bbox[0]))


def _split_number(s: Segment, divider: float) -> tuple[Segment, Segment] | None:
    """A left-column row where Tesseract read the agency's last line and the number line as one
    ('SỞ GIÁO DỤC VÀ ĐÀO TẠO Số: 463/SGDĐT-VP' when the two touch): (agency part, number part)."""
    words = s.line.words
    if s.bbox[0] >= divider or len(words) < 3:
        return None
    for k in range(1, len(words) - 1):
        rest = " ".join(w.text for w in words[k:])
        if parsers.clean(words[k].text)[:1] in "SsŞ" and parsers.starts_number(rest) \
                and _upper_ratio(" ".join(w.text for w in words[:k])) >= 0.6:
            return Segment(Line(words[:k]), s.page), Segment(Line(words[k:]), s.page)
    return None


def locate(page: PageText) -> Header:
    h = Header(page)
    h.divider = _divider(page)
    top_zone, glued, split = [], [], []
    for s in header_rows(page, h.divider):
        parts = _split_number(s, h.divider) if not parsers.is_number_line(s.text) else None
        if parts:
            glued.append(parts[0])
            split.append(parts[1])
        top_zone += list(parts or (s,))
    segs = segments(page)
    h.national = [s for s in top_zone if s.bbox[1] < 0.25 * page.height and is_national_title(s.text)]
    for s in top_zone:
        if h.number is None and ((s.center_x < h.divider and parsers.is_number_line(s.text)
                                  and parsers.clean(s.text)[:1] in "SsŞ") or s in split):
            h.number = s
        if h.place_date is None and s.center_x >= h.divider * 0.8 and parsers.is_place_date_line(s.text):
            h.place_date = s
    anchors = [s.bbox[1] for s in (h.number, h.place_date) if s is not None]
    limit = min(anchors) if anchors else 0.2 * page.height
    h.agency = [s for s in top_zone if (s.bbox[3] <= limit + 4 or s in glued) and s.bbox[2] <= h.divider + 30
                and s not in h.national and not _is_rule(s.text) and _upper_ratio(s.text) >= 0.6]
    after = max((s.bbox[3] for s in (h.number, h.place_date) if s is not None), default=limit)
    _type_and_summary(h, [s for s in segs if s.bbox[1] >= after - 2], page)
    return h


def _type_and_summary(h: Header, below: list[Segment], page: PageText) -> None:
    mid = page.width / 2
    anchor = h.number or h.place_date  # công văn: "V/v …" under the number (even one not read), left column
    if anchor is not None:
        vv = [s for s in below if s.center_x < h.divider + 20 and parsers.is_vv(s.text)
              and s.bbox[1] - anchor.bbox[3] < 60]
        if vv:
            h.summary = _follow(vv[0], [s for s in below if s.center_x < h.divider + 40])
            return
    for s in below:
        if s.bbox[1] > 0.5 * page.height:
            break
        if abs(s.center_x - mid) < 0.2 * page.width and parsers.parse_type_name(s.text):
            h.type_name = s
            rest = [x for x in below if x.bbox[1] > s.bbox[1] + 2 and abs(x.center_x - mid) < 0.2 * page.width]
            if rest and rest[0].bbox[1] - s.bbox[3] < 2.5 * (s.bbox[3] - s.bbox[1]) + 4:
                h.summary = _follow(rest[0], rest, margins=text_margins(page))
            return


def text_margins(page: PageText) -> tuple[float, float] | None:
    """Left and right edges of the body text (from lines wider than half the page)."""
    wide = sorted(ln.bbox for ln in page.lines if ln.bbox[2] - ln.bbox[0] > 0.55 * page.width)
    if len(wide) < 3:
        return None
    x0s = sorted(b[0] for b in wide)
    x1s = sorted(b[2] for b in wide)
    return x0s[len(x0s) // 5], x1s[-1 - len(x1s) // 5]


_STOP = ("CAN CU", "KINH GUI", "THUC HIEN", "XET DE NGHI", "THEO DE NGHI")


def _follow(first: Segment, candidates: list[Segment], *, max_lines: int = 5,
            margins: tuple[float, float] | None = None) -> list[Segment]:
    """The lines of a paragraph starting at `first`: close below each other, until a stop line."""
    out = [first]
    height = first.bbox[3] - first.bbox[1]
    for s in candidates:
        if s.bbox[1] <= out[-1].bbox[1] + 2:
            continue
        gap = s.bbox[1] - out[-1].bbox[3]
        if len(out) >= max_lines or gap > 0.9 * height + 3:
            break
        if len(out) >= 2:  # the summary's own line spacing is known: a wider gap starts the body
            h = min(x.bbox[3] - x.bbox[1] for x in out)
            if gap > max(0.6 * h, out[-1].bbox[1] - out[-2].bbox[3] + 0.5 * h):
                break
        if margins and s.bbox[0] < margins[0] + 12 and s.bbox[2] > margins[1] - 12:
            break  # a full-width body line after a centred summary
        k = vocab.key(s.text)
        if _is_rule(s.text) or any(k.startswith(p) for p in _STOP) or (_upper_ratio(s.text) > 0.8 and len(k) > 6):
            break
        out.append(s)
    return out


def agency_groups(agency: list[Segment]) -> list[list[Segment]]:
    """Split the agency block into bodies: a line starting with an agency head word starts a new one."""
    groups: list[list[Segment]] = []
    for s in sorted(agency, key=lambda s: s.bbox[1]):
        if vocab.agency_head(s.text) or not groups:
            groups.append([s])
        else:
            groups[-1].append(s)
    if len(groups) > 1 and vocab.agency_head(groups[0][0].text) is None:
        groups = groups[1:]  # a stamp or junk above the block
    return groups
