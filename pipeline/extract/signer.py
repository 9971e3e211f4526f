"""Find the signer block (authority prefix, title lines, name) on any page.

The block sits in the right half below the body, level with "Nơi nhận:". Title lines are caps lines
that snap to known titles or collective bodies; the name is the first person-name-shaped line below
them, after the signature and seal (lines in between, such as 'CHỦ TỊCH UBND TỈNH', are not titles).
The page's own read is often damaged by the red seal, so the block is re-OCR'd with red and blue ink
removed and the better-supported read wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract import parsers, vocab
from pipeline.extract.zones import Segment, is_blank, segments, zone_ocr
from pipeline.lang import syllables
from pipeline.models import BBox, Line, PageText, union_bbox

CLIPPED = 1.0  # pt: a zone line starting this close to the zone's top edge was cut by the crop


@dataclass
class SignerRead:
    titles: list[tuple[str, float, Segment]] = field(default_factory=list)  # (title, score, where)
    name: tuple[str, float, Segment] | None = None
    source: str = "ocr"

    @property
    def title(self) -> str | None:
        return " ".join(t for t, _, _ in self.titles) or None

    @property
    def score(self) -> float:
        return len(self.titles) + (2 if self.name else 0)


def _is_title_start(s: Segment) -> tuple[str, float] | None:
    parsed = parsers.parse_title_line(s.text)
    if parsed is None:
        return None
    auth, _ = parsers.split_authority(s.text)
    return parsed if (auth or parsed[1] >= 0.9) else None


def read_block(segs: list[Segment], page: PageText, *, source: str, after: float = 0.0) -> SignerRead | None:
    """The first signer block in `segs` (right half of the page, below `after`)."""
    right = [s for s in segs if s.center_x > 0.5 * page.width and s.bbox[1] >= after]
    for i, s in enumerate(right):
        first = _is_title_start(s)
        if first is None:
            continue
        read = SignerRead(source=source)
        damp = 1.0
        height = s.bbox[3] - s.bbox[1]
        above = [a for a in right[:i] if 0 <= s.bbox[1] - a.bbox[3] < 1.5 * height + 4
                 and a.confidence < 0.6 and len(a.text) >= 4]
        if above:
            damp = 0.5  # an unreadable line right above: part of the title (e.g. 'KT. …') may be lost
        read.titles.append((first[0], first[1] * s.confidence * damp, s))
        last = s
        for t in right[i + 1:]:
            if t.bbox[1] <= last.bbox[1] + 2:
                continue
            if t.bbox[1] - last.bbox[3] > 1.5 * (last.bbox[3] - last.bbox[1]) + 4:
                break
            parsed = parsers.parse_title_line(t.text)
            if parsed is None:
                break
            read.titles.append((parsed[0], parsed[1] * t.confidence, t))
            last = t
        read.name = name_below(right[i + 1:], last.bbox, page)
        return read
    return None


def name_below(segs: list[Segment], title: BBox, page: PageText) -> tuple[str, float, Segment] | None:
    """The first person-name-shaped line below the title box (after signature and seal)."""
    for t in segs:
        if t.bbox[1] <= title[3] - 2 or t.center_x <= 0.5 * page.width:
            continue
        if t.bbox[1] - title[3] > 0.3 * page.height:
            break
        name = parsers.parse_person_name(t.text)
        if name:
            words = t.line.words[1:]
            word_conf = min((w.confidence for w in words), default=100.0) / 100.0
            if any(syllables.valid(w) is False for w in name[0].split()):  # 'Thăúg': a misread, not a name
                word_conf = min(word_conf, 0.5)
            return name[0], min(name[1], word_conf), t
    return None


def find(pages: list[PageText], *, header_bottom: float = 0.0, zone: bool = True, language: str = "vie",
         tessdata: Path | None = None, timeout: float = 60) -> SignerRead | None:
    """The signer block of the document: the first complete one, searching every non-blank page."""
    best: SignerRead | None = None
    for page in pages:
        if is_blank(page):
            continue
        after = header_bottom if page.number == pages[0].number else 0.0
        segs = segments(page)
        read = read_block(segs, page, source="ocr" if page.method == "ocr" else "text_layer", after=after)
        if read is None and zone and page.method == "ocr":
            read = _around_recipients(page, segs, language=language, tessdata=tessdata, timeout=timeout)
        if read is None:
            continue
        if zone and page.method == "ocr":
            again = _reread(page, read, language=language, tessdata=tessdata, timeout=timeout)
            if again is not None:
                read = _merge(read, again)
        if read.name is None and read.titles:  # zone reads missed it: the page's own read, as it is
            read.name = name_below(segs, read.titles[-1][2].bbox, page)
        if best is None or read.score > best.score:
            best = read
        if best.name and best.titles:
            break
    return best


def _around_recipients(page: PageText, segs: list[Segment], **kw: object) -> SignerRead | None:
    """Seal over the whole block: re-OCR the right half level with 'Nơi nhận:' with the ink removed."""
    anchor = next((s for s in segs if s.center_x < 0.5 * page.width
                   and vocab.key(s.text).replace(":", "").startswith("NOI NHAN")), None)
    if anchor is None:
        return None
    box: BBox = (0.45 * page.width, max(0.0, anchor.bbox[1] - 0.06 * page.height), page.width - 10,
                 min(page.height, anchor.bbox[1] + 0.33 * page.height))
    return _zone_block(page, box, **kw)


def _reread(page: PageText, read: SignerRead, **kw: object) -> SignerRead | None:
    top = read.titles[0][2].bbox[1] - 30
    bottom = (read.name[2].bbox[3] + 12) if read.name else top + 0.3 * page.height
    box: BBox = (0.45 * page.width, max(0.0, top), page.width - 10, min(page.height, bottom))
    return _zone_block(page, box, **kw)


def _merge(a: SignerRead, b: SignerRead) -> SignerRead:
    """Keep the read with more title lines; agreement on a value raises its confidence."""
    base, other = (b, a) if len(b.titles) > len(a.titles) else (a, b)
    out = SignerRead(list(base.titles), base.name or other.name, base.source)
    if base.title == other.title:
        out.titles = [(t, min(1.0, c + 0.15), s) for t, c, s in out.titles]
    if a.name and b.name:
        if a.name[0] == b.name[0]:
            best = max(a.name, b.name, key=lambda n: n[1])
            out.name = (best[0], min(1.0, best[1] + 0.15), best[2])
        else:
            best = max(a.name, b.name, key=lambda n: n[1])
            known = [n for n in (a.name, b.name) if vocab.known_name(n[0])]
            if vocab.key(a.name[0]) == vocab.key(b.name[0]) and len(known) == 1:
                out.name = known[0]  # only marks apart (Tesseract's usual slip), and only one is a name
            else:
                out.name = (best[0], min(best[1], 0.5), best[2])  # the two reads disagree: review
    return out


def _zone_block(page: PageText, box: BBox, **kw: object) -> SignerRead | None:
    """The signer block in a zone re-OCR'd with red and blue ink removed. A line cut by the zone's top
    edge (the body line above) reads as noise and must not pass for a lost title line above the block."""
    lines = zone_ocr(page, box, psm=6, red=True, blue=True, **kw)  # type: ignore[arg-type]
    lines = [ln for ln in lines or [] if ln.bbox[1] > box[1] + CLIPPED]
    if not lines:
        return None
    zone_page = PageText(page.number, page.width, page.height, page.method, lines)
    return read_block(segments(zone_page), zone_page, source="zone_ocr")


def block_bbox(read: SignerRead) -> BBox:
    parts: list[Line] = [s.line for _, _, s in read.titles]
    if read.name:
        parts.append(read.name[2].line)
    return union_bbox(ln.bbox for ln in parts)
