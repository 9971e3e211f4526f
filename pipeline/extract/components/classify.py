"""Which component of a dossier a document is, from its printed title, its field labels and its header.

Rules, in order (chosen over a trained model: the official forms name themselves, and a rule says
why it fired — measured on the rendered set of bench/components.py):

1. A title line: an upper-case line (or two, for a wrapped title) starting with a kind's title —
   'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', 'ĐƠN ĐỀ NGHỊ …', 'TỜ KHAI …', 'GIẤY CHỨNG NHẬN QUYỀN SỬ
   DỤNG ĐẤT', 'HỢP ĐỒNG …', 'CĂN CƯỚC CÔNG DÂN'. The topmost title on the first printed page decides
   (a form titled 'ĐƠN ĐỀ NGHỊ CẤP / GIẤY CHỨNG NHẬN …' is a form). Sentence-case mentions in a body
   ('Về việc cấp Giấy chứng nhận …') never count. The kind's field labels raise the confidence.
2. Otherwise a Decree 30 header (national title, 'Số: …/SYMBOL', type name or 'V/v', agency block —
   pipeline.extract.header) makes an administrative document of the type it names. A contract titled
   'HỢP ĐỒNG' under an agency block and a number line ('Số: 1024/HĐ-UBND') is one of these: Decree 30
   lists HĐ among the administrative types; citizens' contracts carry no such header.
3. Otherwise the field labels alone, only with a clear lead (ID cards: their bilingual labels).
4. Otherwise 'other', flagged for review with the best guess in the cues: never a confident wrong kind.
A QR code of a known shape (a receipt's, an ID card's) counts as a label of its kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from pipeline.extract import header as hdr
from pipeline.extract import parsers
from pipeline.extract.components.labels import fold
from pipeline.extract.zones import is_blank
from pipeline.models import BBox, PageText, union_bbox
from schemas.record import Code

KIND_BELOW = 0.8  # below this the kind is 'other' (flagged), with the guess in the cues

TITLES: dict[str, tuple[str, ...]] = {
    "receipt": ("GIAY TIEP NHAN HO SO VA HEN TRA KET QUA", "PHIEU TIEP NHAN HO SO VA HEN TRA KET QUA",
                "GIAY TIEP NHAN HO SO", "PHIEU TIEP NHAN HO SO", "GIAY BIEN NHAN HO SO", "PHIEU BIEN NHAN HO SO",
                "BIEN NHAN HO SO"),
    "application_form": ("DON DE NGHI", "DON DANG KY", "DON XIN", "DON DE XUAT", "DON KHIEU NAI", "TO KHAI",
                         "PHIEU YEU CAU", "PHIEU DE NGHI", "BAN KHAI", "DON YEU CAU"),
    "land_certificate": ("GIAY CHUNG NHAN QUYEN SU DUNG DAT", "GIAY CHUNG NHAN QUYEN SO HUU NHA O"),
    "contract": ("HOP DONG",),
    "id_card": ("CAN CUOC CONG DAN", "CITIZEN IDENTITY CARD", "CAN CUOC", "IDENTITY CARD", "CHUNG MINH NHAN DAN"),
}

LABELS: dict[str, tuple[str, ...]] = {
    "receipt": (r"MA\s*HO\s*SO", r"HEN\s*TRA", r"TIEP\s*NHAN\s*HO\s*SO\s*CUA", r"THANH\s*PHAN\s*HO\s*SO",
                r"SO\s*LUONG\s*HO\s*SO", r"THOI\s*GIAN\s*GIAI\s*QUYET", r"NHAN\s*KET\s*QUA\s*TAI"),
    "application_form": (r"KINH\s*GUI", r"HO\s*(?:VA|,\s*CHU\s*DEM\s*VA)\s*TEN", r"(?:NGAY|NAM)\s*SINH",
                         r"DIEN\s*THOAI", r"CAM\s*DOAN", r"NGUOI\s*(?:VIET|LAM)\s*DON|NGUOI\s*KHAI",
                         r"NGUOI\s*DE\s*NGHI", r"NOI\s*CU\s*TRU|DIA\s*CHI"),
    "land_certificate": (r"THUA\s*DAT\s*SO", r"TO\s*BAN\s*DO\s*SO", r"DIEN\s*TICH", r"MUC\s*DICH\s*SU\s*DUNG",
                         r"THOI\s*HAN\s*SU\s*DUNG", r"NGUON\s*GOC\s*SU\s*DUNG", r"NGUOI\s*SU\s*DUNG\s*DAT",
                         r"SO\s*VAO\s*SO"),
    "contract": (r"\bBEN\s*A\b", r"\bBEN\s*B\b", r"BEN\s*(?:NHAN\s*)?CHUYEN\s*NHUONG", r"BEN\s*(?:DUOC\s*)?UY\s*QUYEN",
                 r"\bDIEU\s*1\b", r"CONG\s*CHUNG", r"HAI\s*BEN"),
    "id_card": (r"NGON\s*TRO", r"CUC\s*CANH\s*SAT",
                r"FULL\s*NAME", r"DATE\s*OF\s*BIRTH", r"PLACE\s*OF\s*(?:ORIGIN|RESIDENCE)", r"DATE\s*OF\s*EXPIRY",
                r"NATIONALITY", r"QUE\s*QUAN", r"QUOC\s*TICH", r"SO\s*DINH\s*DANH\s*CA\s*NHAN",
                r"PERSONAL\s*IDENTIFICATION", r"IDVNM", r"DAC\s*DIEM\s*NHAN\s*DANG", r"CO\s*GIA\s*TRI\s*DEN",
                r"SOCIALIST\s*REPUBLIC"),
}
_LABEL_RX = {k: [re.compile(p) for p in v] for k, v in LABELS.items()}
CODE_KINDS = {"dossier_receipt": "receipt", "citizen_id_card": "id_card"}


@dataclass
class Decision:
    kind: str
    confidence: float
    cues: list[str] = field(default_factory=list)
    title: str | None = None
    page: int | None = None
    bbox: BBox | None = None
    document_type: str | None = None
    guess: str | None = None  # the kind 'other' stands in for, when unsure


@dataclass
class _Title:
    kind: str
    score: float  # 0–1
    text: str
    page: int
    bbox: BBox
    top: float


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


_MRZ = re.compile(r"^I[DO0]VNM\d{6}")  # first line of a Vietnamese ID card's machine-readable zone (back)


def _titles(page: PageText) -> list[_Title]:
    out = []
    lines = [ln for ln in page.lines if ln.words]
    for i, line in enumerate(lines):
        text = line.text.strip(" .:-_*")
        if _MRZ.match(fold(text).replace(" ", "")):
            out.append(_Title("id_card", 0.95, "IDVNM…", page.number, line.bbox, line.bbox[1]))
            continue
        if len(text) < 6 or _upper_ratio(text) < 0.75:
            continue
        joined, box = text, line.bbox
        if i + 1 < len(lines) and _upper_ratio(lines[i + 1].text) >= 0.75 \
                and lines[i + 1].bbox[1] - line.bbox[3] < 1.2 * (line.bbox[3] - line.bbox[1]) + 2:
            joined = f"{text} {lines[i + 1].text.strip()}"
        folded = " ".join(re.sub(r"[^A-Z0-9 ]", " ", fold(joined)).split())
        best: tuple[float, str] | None = None
        for kind, titles in TITLES.items():
            for t in titles:
                head = folded[:len(t)]
                score = fuzz.ratio(t, head) / 100.0
                if len(t) <= 10:  # short titles ('HỢP ĐỒNG', 'CĂN CƯỚC') must stand at a word end
                    nxt = folded[len(t):len(t) + 1]
                    score = score if nxt in ("", " ") and score >= 0.99 else 0.0
                if score >= 0.85 and (best is None or score > best[0]):
                    best = (score, kind)
        if best:
            if joined != text:
                box = union_bbox([box, lines[i + 1].bbox])
            out.append(_Title(best[1], best[0], joined, page.number, box, line.bbox[1]))
    return out


def label_counts(pages: Sequence[PageText]) -> dict[str, list[str]]:
    """Per kind, the labels of that kind found anywhere in the document (each counted once)."""
    text = fold("\n".join(p.text for p in pages))
    return {kind: [rx.pattern for rx in rxs if rx.search(text)] for kind, rxs in _LABEL_RX.items()}


def _header(page: PageText) -> tuple[float, list[str], str | None, hdr.Header]:
    """How much of a Decree 30 header the page has (0–1), the parts found and the type name it names."""
    h = hdr.locate(page)
    parts, score = [], 0.0
    if h.national:
        parts.append("national title")
        score += 0.25
    doc_type = None
    if h.number is not None:
        ns = parsers.parse_number_line(h.number.text)
        if ns and ns.symbol:
            parts.append("number line")
            score += 0.3
            doc_type = parsers.type_of_symbol(ns.symbol)
    if h.type_name is not None:
        s = parsers.parse_type_name(h.type_name.text)
        if s:
            doc_type = s.value
            parts.append("type name")
            score += 0.3
    elif h.summary and parsers.is_vv(h.summary[0].text):
        doc_type = doc_type or "Công văn"
        parts.append("V/v summary")
        score += 0.3
    if h.agency:
        parts.append("agency block")
        score += 0.15
    return min(score, 1.0), parts, doc_type, h


def classify(pages: Sequence[PageText], codes: Sequence[Code] = ()) -> Decision:
    printed = [p for p in pages if not is_blank(p)] or list(pages[:1])
    if not printed:
        return Decision("other", 0.0, ["no text"])
    counts = label_counts(printed)
    for c in codes:
        if c.scheme in CODE_KINDS:
            counts[CODE_KINDS[c.scheme]].append(f"QR code ({c.scheme})")
    first = printed[0]
    titles = sorted(_titles(first), key=lambda t: t.top)
    if not titles and len(printed) > 1:
        titles = sorted(_titles(printed[1]), key=lambda t: t.top)
    score, parts, doc_type, h = _header(first)
    if titles and titles[0].kind == "contract" and doc_type and {"agency block", "number line"} <= set(parts):
        titles = []  # an agency's contract under its Decree 30 header ('Số: 1024/HĐ-UBND'): a document of type HĐ
    if titles:
        t = titles[0]
        support = counts[t.kind]
        conf = min(0.99, 0.8 + 0.1 * (t.score - 0.85) / 0.15 + 0.03 * min(len(support), 3))
        cues = [f"title: {t.kind} ({t.score:.2f})"] + [f"label: {s}" for s in support[:6]]
        return Decision(t.kind, round(conf, 3), cues, " ".join(t.text.split()), t.page, t.bbox)
    if score >= 0.8 and doc_type:
        box = (h.type_name or h.number).bbox if (h.type_name or h.number) else None
        return Decision("administrative", round(min(0.98, score), 3), [f"header: {p}" for p in parts], None,
                        first.number, box, doc_type)
    ranked = sorted(counts.items(), key=lambda kv: len(kv[1]), reverse=True)
    (kind, found), (_, second) = ranked[0], ranked[1]
    need = 3 if kind == "id_card" else 4
    if len(found) >= need and len(found) - len(second) >= 2:
        cues = ["no title"] + [f"label: {s}" for s in found[:6]]
        return Decision(kind, round(min(0.9, 0.74 + 0.03 * len(found)), 3), cues, None, first.number, None)
    guess = kind if found else ("administrative" if doc_type else None)
    cues = ["no title or Decree 30 header"] + ([f"best guess: {guess}"] if guess else [])
    if parts:
        cues.append("header: " + ", ".join(parts))
    return Decision("other", round(0.5 if guess else 0.3, 3), cues, guess=guess, document_type=doc_type)
