"""Assemble the header fields with confidence and evidence from the located zones.

Confidence starts from Tesseract's word confidences (1.0 for a text layer) and is raised by agreement
(vocabulary snap, a second zone read, type name vs symbol, symbol vs agency) and lowered by doubt.
Number and day are often handwritten: `written` reads them and trusts a value only as far as its readers'
agreement was right on held-out handwriting.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline import beside
from pipeline.extract import crosschecks, parsers, signer, signing, summary, vocab, written
from pipeline.extract import header as hdr
from pipeline.extract.zones import Segment, is_blank, occluded, zone_ocr
from pipeline.models import BBox, Line, PageText, Word, union_bbox
from pipeline.signatures import Signature
from pipeline.text import new_tone_placement

REVIEW_BELOW = 0.8
PRINTED = 0.93  # word confidence of clean print; handwriting seen on real scans stays below ~0.85


@dataclass
class Field:
    value: object = None
    confidence: float = 0.0
    page: int | None = None
    bbox: BBox | None = None
    source: str = "ocr"
    reason: str = ""
    detail: str = ""  # e.g. the year of '12/2024/QĐ-UBND', kept for number_symbol


def _conf(words: list[Word] | tuple[Word, ...]) -> float:
    return min((w.confidence for w in words), default=0.0) / 100.0


def _src(page: PageText) -> str:
    return "text_layer" if page.method == "text_layer" else "ocr"


def _at(seg: Segment, page: PageText, value: object, conf: float, reason: str = "", source: str = "") -> Field:
    return Field(value, conf, seg.page, seg.bbox, source or _src(page), reason)


def read_all(pages: list[PageText], *, language: str = "vie", tessdata: Path | None = None,
             timeout: float = 60, zone: bool = True, signatures: Sequence[Signature] = ()) -> dict[str, Field]:
    kw = {"language": language, "tessdata": tessdata, "timeout": timeout}
    out: dict[str, Field] = {}
    first = next((p for p in pages if not is_blank(p)), pages[0] if pages else None)
    if first is None:
        return out
    h = hdr.locate(first)
    # Summary and signer are read beside number and date: all mostly wait on zone re-reads (Tesseract
    # processes), and the last document of a run has a core to itself for them. Each writes its own fields.
    summary_out: dict[str, Field] = {}
    signer_out: dict[str, Field] = {}
    with ThreadPoolExecutor(2, thread_name_prefix="sohoa-fields") as pool:
        summary_done = beside.submit(pool, _summary, h, summary_out, zone, kw, pages)
        signer_done = beside.submit(pool, _signer, pages, h, signer_out, zone, kw)
        _agency(h, out)
        _number(h, out, zone, kw)
        _place_date(h, out, zone, kw, signing.first_signing_day(signatures))
        _type(h, out)
        summary_done.result()
        signer_done.result()
    out.update(summary_out)
    out.update(signer_out)
    _identifiers(pages, out)
    crosschecks.apply(pages, out)
    _number_symbol(out)
    return out


def _number_symbol(out: dict[str, Field]) -> None:
    num, sym = out.get("number"), out.get("symbol")
    if num and sym and num.value and sym.value:
        year = f"{num.detail}/" if num.detail else ""
        out["number_symbol"] = Field(f"{num.value}/{year}{sym.value}", min(num.confidence, sym.confidence),
                                     num.page, num.bbox, num.source, num.reason or sym.reason)
    elif sym and sym.value:
        out["number_symbol"] = Field(reason="number not read")


# -- agency ---------------------------------------------------------------------------------------

def _agency(h: hdr.Header, out: dict[str, Field]) -> None:
    groups = hdr.agency_groups(h.agency)
    if not groups:
        out["issuing_agency"] = Field(reason="agency block not found")
        return
    fixed = []
    for g in groups:
        text, score = vocab.fix_agency(" ".join(s.text for s in g))
        ocr = min(s.confidence for s in g)
        conf = max(ocr, score) if score >= 0.95 else min(ocr, max(score, 0.85))
        fixed.append((text, conf, union_bbox(s.bbox for s in g), g[0].page))
    text, conf, box, page = fixed[-1]
    out["issuing_agency"] = Field(text, conf, page, box, _src(h.page))
    if len(fixed) > 1:
        ptext = " ".join(f[0] for f in fixed[:-1])
        pconf = min(f[1] for f in fixed[:-1])
        out["parent_agency"] = Field(ptext, pconf, fixed[0][3], union_bbox(f[2] for f in fixed[:-1]), _src(h.page))


# -- number and symbol --------------------------------------------------------------------------

def _number_words(seg: Segment) -> tuple[list[Word], Word | None, Word | None]:
    """(words between 'Số:' and the symbol, the 'Số' word, the word holding the first '/')."""
    words = list(seg.line.words)
    so = words[0] if words and parsers.clean(words[0].text)[:1] in "SsŞ" else None
    rest = words[1:] if so else words
    between: list[Word] = []
    slash = None
    for w in rest:
        if "/" in w.text or "⁄" in w.text:
            slash = w
            if re.match(r"^\d", w.text):
                between.append(w)
            break
        between.append(w)
    return between, so, slash


def _number(h: hdr.Header, out: dict[str, Field], zone: bool, kw: dict[str, object]) -> None:
    seg = h.number
    if seg is None:
        out["number"] = Field(reason="number line not found")
        out["symbol"] = Field(reason="number line not found")
        return
    ns = parsers.parse_number_line(seg.text)
    if ns is None:
        out["number"] = Field(reason="number line unreadable")
        return
    between, _so, slash = _number_words(seg)
    sym_words = [slash] if slash else list(seg.line.words[-1:])
    sym_conf = _conf(sym_words)
    if ns.symbol:
        if sym_conf < 0.9 and zone and h.page.method == "ocr":
            again = zone_ocr(h.page, _pad(seg.bbox, 3, 4), psm=7, red=True, blue=True, scale=1.5, **kw)  # type: ignore[arg-type]
            parsed = parsers.parse_number_line(" ".join(ln.text for ln in again)) if again else None
            if parsed and parsed.symbol == ns.symbol:
                sym_conf = max(sym_conf, 0.9)
        out["symbol"] = _at(seg, h.page, ns.symbol, sym_conf)
    else:
        out["symbol"] = Field(reason="symbol unreadable")

    num_conf = _conf(between) if between else 0.0
    number = ns.number
    if number and (num_conf >= PRINTED or h.page.method == "text_layer"):
        out["number"] = _at(seg, h.page, number, num_conf)
        out["number"].detail = ns.year or ""
        return
    dated = parsers.parse_place_date(h.place_date.text) if h.place_date is not None else None
    printed = bool(number and slash and re.match(rf"^{number}[/⁄]", slash.text))  # '06/QĐ-UBND': no blank
    w = written.read(h.page, list(seg.line.words), "number", year=dated.year if dated else None,
                     page_read=number, printed=printed, **kw) if zone else None  # type: ignore[arg-type]
    if w is not None and w.value:
        out["number"] = Field(w.value, w.confidence, seg.page, w.bbox, w.source, w.reason)
        out["number"].detail = ns.year or ""
    elif h.page.method == "text_layer":
        out["number"] = Field(reason=(w.reason if w else "") or "number not printed in the text layer")
    else:
        out["number"] = Field(None, num_conf, seg.page, seg.bbox,
                              reason=f"number handwritten or unclear{': ' + w.reason if w and w.reason else ''}")


def _pad(b: BBox, dx: float, dy: float) -> BBox:
    return (b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy)


# -- place and date -----------------------------------------------------------------------------

def _place_date(h: hdr.Header, out: dict[str, Field], zone: bool, kw: dict[str, object],
                signed: dt.date | None = None) -> None:
    seg = h.place_date
    if seg is None:
        out["issued_date"] = Field(reason="place-date line not found")
        out["issued_place"] = Field(reason="place-date line not found")
        return
    pd = parsers.parse_place_date(seg.text)
    if pd is None:
        return
    words = list(seg.line.words)
    keys = [parsers.strip_accents(w.text).lower() for w in words]
    i_ngay = next((i for i, k in enumerate(keys) if k.startswith("ngay") or k.startswith("ngà")), None)
    # 'tháng' may be glued to a handwritten day ('ngày4†tháng'): then that word holds both keywords
    i_thang = next((i for i, k in enumerate(keys) if k.startswith("thang")
                    or (i == i_ngay and "thang" in k[4:])), None)
    i_nam = next((i for i, k in enumerate(keys) if k.startswith("nam") and i > (i_thang or 0)), None)
    place_words = words[:i_ngay] if i_ngay is not None else words[:1]
    if pd.place:
        s = vocab.snap_province(pd.place)
        pconf = _conf(place_words)
        if s and s.score >= 0.85:
            prefix = re.match(r"^(TP\.?\s*|Thành phố\s+)", parsers.clean(pd.place), re.IGNORECASE)
            value = (prefix.group(0).strip() + " " if prefix else "") + s.value
            out["issued_place"] = _at(seg, h.page, value, max(pconf, 0.95 * s.score))
        elif ward := vocab.ward_name(pd.place):  # a commune or ward (2025 units), marks restored
            out["issued_place"] = _at(seg, h.page, ward, max(pconf, 0.9))
        else:
            out["issued_place"] = _at(seg, h.page, pd.place, min(pconf, 0.85))
    # day: the words from 'ngày' up to 'tháng' (a handwritten day is often glued to 'ngày')
    day_words = words[i_ngay:i_thang] if i_ngay is not None and i_thang is not None else []
    month_words = words[i_thang + 1:i_nam] if i_thang is not None and i_nam is not None else []
    year_words = words[i_nam + 1:] if i_nam is not None else []
    day_conf, month_conf, year_conf = _conf(day_words), _conf(month_words) if month_words else 0.0, \
        _conf(year_words)
    if h.page.method == "text_layer":
        day_conf, month_conf, year_conf = float(pd.day is not None), float(pd.month is not None), 1.0
    iso = pd.iso
    conf = min(day_conf, month_conf, year_conf)
    if iso and conf >= PRINTED:
        checked = signing.cross_check(signing.DateRead(iso, conf), signed)
        out["issued_date"] = _at(seg, h.page, checked.value, checked.confidence, checked.reason)
        return
    if zone and pd.year and year_conf >= 0.8:
        day = written.Written(f"{pd.day:02d}" if pd.day else None, day_conf, None, support=3)
        month = written.Written(str(pd.month) if pd.month else None, month_conf, None, support=3)
        for kind in ("day", "month"):
            if kind == "month" and pd.month is not None and month_conf >= 0.8:
                continue
            raw = pd.day_raw if kind == "day" else pd.month_raw
            w = written.read(h.page, words, kind, year=pd.year, page_read=raw, **kw)  # type: ignore[arg-type]
            got = w if w is not None else written.Written(None, 0.0, None, f"{kind} blank not found")
            if kind == "day":
                day = got
            else:
                month = got
        read = _date_read(day, month, pd.year, year_conf)
        checked = signing.cross_check(read, signed)
        if checked.value:
            source = "rendered_pdf" if h.page.method == "text_layer" else "zone_ocr"
            out["issued_date"] = Field(checked.value, checked.confidence, seg.page, seg.bbox, source, checked.reason)
            return
        if checked.reason != read.reason:
            out["issued_date"] = Field(None, 0.0, seg.page, seg.bbox, reason=checked.reason)
            return
    reason = "day or month handwritten or unclear" if pd.year else "date unreadable"
    out["issued_date"] = Field(None, conf, seg.page, seg.bbox, reason=reason)


def _date_read(day: written.Written, month: written.Written, year: int, year_conf: float) -> signing.DateRead:
    """The date the day and month reads give, with the rival dates of their other reads."""
    value = written.iso_date(day.value, month.value, year)
    rivals = [written.iso_date(d, m, year) for d in (day.value, *day.rivals) for m in (month.value, *month.rivals)]
    reason = "; ".join(r for r in (day.reason, month.reason) if r)
    two = day.value is None or len(day.value) == 2
    return signing.DateRead(value, min(day.confidence, month.confidence, year_conf) if value else 0.0, reason,
                            True, min(day.support, month.support), two,
                            tuple(r for r in dict.fromkeys(rivals) if r and r != value))


# -- type and summary ---------------------------------------------------------------------------

def _type(h: hdr.Header, out: dict[str, Field]) -> None:
    sym = out.get("symbol")
    sym_type = parsers.type_of_symbol(sym.value if sym else None)  # type: ignore[arg-type]
    if h.type_name is not None:
        s = parsers.parse_type_name(h.type_name.text)
        if s:
            conf = max(h.type_name.confidence, s.score * 0.9)
            if sym_type == s.value:
                conf = max(conf, 0.98)
            elif sym_type is not None:
                conf = min(conf, 0.6)  # type name and symbol disagree
            out["document_type"] = _at(h.type_name, h.page, s.value, conf)
            out["document_type_code"] = _at(h.type_name, h.page, vocab.DOC_TYPES[s.value] or None, conf)
            return
    is_cv = bool(h.summary) and parsers.is_vv(h.summary[0].text)
    if sym is not None and sym.value and sym_type is None:
        # no type name, a symbol starting with the body's abbreviation: a công văn
        conf = 0.95 if is_cv else 0.8
        out["document_type"] = Field("Công văn", conf, sym.page, sym.bbox, sym.source)
    elif sym_type is not None and sym is not None:
        out["document_type"] = Field(sym_type, 0.85 * sym.confidence, sym.page, sym.bbox, sym.source)
        out["document_type_code"] = Field(vocab.DOC_TYPES[sym_type] or None, 0.85 * sym.confidence, sym.page,
                                          sym.bbox, sym.source)
    elif is_cv:
        out["document_type"] = _at(h.summary[0], h.page, "Công văn", 0.85)
    else:
        out["document_type"] = Field(reason="type name not found")


_VE_VIEC = re.compile(r"\b(V[eềê]\s*vi[eệê]c|V\s*/\s*v)\b", re.IGNORECASE)


def _summary(h: hdr.Header, out: dict[str, Field], zone: bool, kw: dict[str, object], pages: list[PageText]) -> None:
    if not h.summary:
        out["summary"] = Field(reason="summary not found")
        return
    centre = h.type_name.center_x if h.type_name is not None else None
    got = summary.read(h.summary, h.page, pages, centre=centre, zone=zone, **kw)  # type: ignore[arg-type]
    text = got.text
    m = _VE_VIEC.search(text)
    if m and m.start() > 0:  # a stamp glued to the left of the first line
        text = text[m.start():]
    value = parsers.normalise_summary(text)
    words = [w for s in summary.trim_stamp(h.summary, centre) for w in s.line.words]
    confs = [w.confidence / 100.0 for w in words] or [0.0]
    conf = 0.5 * min(confs) + 0.5 * sum(confs) / len(confs)
    box = union_bbox(s.bbox for s in h.summary)
    reason = ""
    if h.page.method == "ocr" and zone:
        # every read agrees: trust more; they disagree: the best-supported words, for a person to check
        conf = max(conf, 0.9) if got.agreed else min(conf, 0.7)
        if not got.agreed:
            reason = "reads of the summary disagree" + (
                f" ({', '.join(f'{a}→{b}' for a, b in got.changed[:4])})" if got.changed else "")
    out["summary"] = Field(value, conf, h.summary[0].page, box, _src(h.page), reason)


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        s = new_tone_placement(unicodedata.normalize("NFC", s)).lower()
        return re.sub(r"[\s.,;:]+", " ", s).strip()
    return norm(a) == norm(b)


# -- signer -------------------------------------------------------------------------------------

def _signer(pages: list[PageText], h: hdr.Header, out: dict[str, Field], zone: bool,
            kw: dict[str, object]) -> None:
    bottom = max((s.bbox[3] for s in h.summary), default=0.0)
    read = signer.find(pages, header_bottom=bottom, zone=zone, **kw)  # type: ignore[arg-type]
    if read is None or not read.titles:
        out["signer_title"] = Field(reason="signer block not found")
        out["signer_name"] = Field(reason="signer block not found")
        return
    box = union_bbox(s.bbox for _, _, s in read.titles)
    out["signer_title"] = Field(read.title, min(c for _, c, _ in read.titles), read.titles[0][2].page, box,
                                read.source)
    page = next((p for p in pages if p.number == read.titles[0][2].page), None)
    last_auth, _ = parsers.split_authority(read.titles[-1][0])
    if last_auth in parsers.AUTHORITIES and last_auth != "Q.":
        # Decree 30: a title follows 'TM. ỦY BAN NHÂN DÂN', 'KT. CHỦ TỊCH' …; it was not read (seal, stamp)
        out["signer_title"].confidence = min(out["signer_title"].confidence, 0.5)
        out["signer_title"].reason = f"the title after '{read.titles[-1][0]}' was not read"
    elif zone and page is not None and occluded(page, box):
        out["signer_title"].confidence = min(out["signer_title"].confidence, 0.6)
        out["signer_title"].reason = "a seal or stamp lies over the title: lines or prefixes may be hidden"
    if read.name:
        name, conf, seg = read.name
        out["signer_name"] = Field(name, conf, seg.page, seg.bbox, read.source)
    else:
        out["signer_name"] = Field(reason="signer name not read (signature or seal over it?)")


# -- identifiers and cross-checks ---------------------------------------------------------------

def identifiers(pages: list[PageText]) -> dict[str, Field]:
    """Citizen IDs, dossier and procedure codes anywhere in the text (for papers without a Decree 30 header)."""
    out: dict[str, Field] = {}
    _identifiers(pages, out)
    return out


def _identifiers(pages: list[PageText], out: dict[str, Field]) -> None:
    for name, finder in (("citizen_ids", parsers.citizen_ids), ("dossier_codes", parsers.dossier_codes),
                         ("procedure_codes", parsers.procedure_codes)):
        found: list[str] = []
        where: tuple[int, Line] | None = None
        for page in pages:
            for line in page.lines:
                for v in finder(line.text):
                    if v not in found:
                        found.append(v)
                        where = where or (page.number, line)
        if found and where:
            page_no, line = where
            conf = min(0.95, line.confidence / 100.0 + 0.1)
            out[name] = Field(found, conf, page_no, line.bbox, "ocr")


__all__ = ["REVIEW_BELOW", "Field", "identifiers", "read_all"]
