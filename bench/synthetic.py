"""Generalisation check: varied synthetic Decree-30 documents through the real OCR and `extract()`.

usage: python bench/synthetic.py [--set all|base|layouts] [--n 30] [--per-layout 4] [--seed 7] [--jobs 2]
       [--show] [--only syn03,commune_2025-1] [--save DIR]

The real-dev set is one People's Committee of one province; documents the project has never seen come
from other provinces and cities (old and new names), other agencies and levels (Sở, Ban quản lý, Văn
phòng đăng ký đất đai, district, commune, People's Council), every common type, legal normative numbers,
all authority prefixes, two-line summaries, other scanners (dpi, skew, blur, grey, JPEG). The `layouts` set
(`bench/layouts.py`) adds named layouts: a Sở's công văn, a city's and a 2025 commune's People's Committee,
a number line touching the agency block, typewritten documents of 1996–2004, handwritten blanks. Each document is
rendered with `pipeline.synth`, saved as an image-only PDF and read exactly as `pipeline.document` does
(`bench/devcache.ocr_document`: plan_pages → ocr_page → PageText), then extracted. Prints per-field
correct / flagged-or-null / unflagged-wrong, the documents needing review and a table per layout (markdown),
and writes bench/results/synthetic.json. `--save DIR` only writes the PDFs and a truth.jsonl (to score
another checkout with `bench/accuracy.py --set DIR --tree …`). Needs no data outside the repository.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import layouts  # noqa: E402
from devcache import ocr_document  # noqa: E402

from bench.common import emit  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.synth import Document, font, render_page, save_pdf  # noqa: E402

FIELDS = ["document_type", "number", "symbol", "number_symbol", "issued_date", "issued_place", "issuing_agency",
          "parent_agency", "summary", "signer_title", "signer_name", "citizen_ids"]


@dataclass(frozen=True)
class Body:
    """An issuing body: header lines, symbol suffix, place written on the date line, collective for TM."""

    parent: str | None
    lines: tuple[str, ...]
    suffix: str
    place: str
    collective: str  # "TM. <collective>" on decisions of a board; "" when the body has a single head
    head: str  # title of its head ("CHỦ TỊCH", "GIÁM ĐỐC", "TRƯỞNG BAN")


BODIES = (
    Body(None, ("ỦY BAN NHÂN DÂN", "TỈNH HẬU GIANG"), "UBND", "Hậu Giang", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ"), "UBND", "Cần Thơ", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"), "UBND", "Thành phố Hồ Chí Minh", "ỦY BAN NHÂN DÂN",
         "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "TỈNH THỪA THIÊN HUẾ"), "UBND", "Thừa Thiên Huế", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HUẾ"), "UBND", "Huế", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body("UBND TỈNH ĐỒNG NAI", ("SỞ TÀI NGUYÊN", "VÀ MÔI TRƯỜNG"), "STNMT", "Đồng Nai", "", "GIÁM ĐỐC"),
    Body("UBND TỈNH SÓC TRĂNG", ("SỞ Y TẾ",), "SYT", "Sóc Trăng", "", "GIÁM ĐỐC"),
    Body("UBND THÀNH PHỐ HÀ NỘI", ("SỞ NỘI VỤ",), "SNV", "Hà Nội", "", "GIÁM ĐỐC"),
    Body(None, ("ỦY BAN NHÂN DÂN", "HUYỆN CHÂU THÀNH"), "UBND", "Châu Thành", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body("UBND HUYỆN PHONG ĐIỀN", ("UBND XÃ TÂN THỚI",), "UBND", "Tân Thới", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "QUẬN BA ĐÌNH"), "UBND", "Ba Đình", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body("UBND TỈNH KHÁNH HÒA", ("BAN QUẢN LÝ", "KHU KINH TẾ VÂN PHONG"), "BQL", "Khánh Hòa", "", "TRƯỞNG BAN"),
    Body("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", ("VĂN PHÒNG ĐĂNG KÝ", "ĐẤT ĐAI"), "VPĐK", "Vĩnh Long", "", "GIÁM ĐỐC"),
    Body(None, ("HỘI ĐỒNG NHÂN DÂN", "TỈNH LÂM ĐỒNG"), "HĐND", "Lâm Đồng", "HỘI ĐỒNG NHÂN DÂN", "CHỦ TỊCH"),
    Body("UBND TỈNH BÌNH DƯƠNG", ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ",), "SKHĐT", "Bình Dương", "", "GIÁM ĐỐC"),
    Body(None, ("ỦY BAN NHÂN DÂN", "TỈNH BÀ RỊA - VŨNG TÀU"), "UBND", "Bà Rịa - Vũng Tàu", "ỦY BAN NHÂN DÂN",
         "CHỦ TỊCH"),
    Body(None, ("ỦY BAN NHÂN DÂN", "TỈNH ĐẮK LẮK"), "UBND", "Đắk Lắk", "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    Body("UBND TỈNH AN GIANG", ("SỞ GIÁO DỤC VÀ ĐÀO TẠO",), "SGDĐT", "An Giang", "", "GIÁM ĐỐC"),
)

# type name printed (None: công văn), type code, summaries (one or two lines)
TYPES: tuple[tuple[str | None, str, tuple[tuple[str, ...], ...]], ...] = (
    ("QUYẾT ĐỊNH", "QĐ", (("Về việc phê duyệt kế hoạch sử dụng đất năm 2025", "của huyện Châu Thành"),
                          ("Về việc công bố danh mục thủ tục hành chính",))),
    ("CHỈ THỊ", "CT", (("Về việc tăng cường công tác phòng, chống thiên tai", "và tìm kiếm cứu nạn năm 2024"),)),
    ("THÔNG BÁO", "TB", (("Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp", "về công tác giải phóng mặt bằng"),)),
    ("KẾ HOẠCH", "KH", (("Triển khai thực hiện Đề án phát triển ứng dụng", "dữ liệu về dân cư năm 2025"),)),
    ("BÁO CÁO", "BC", (("Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội", "sáu tháng đầu năm 2024"),)),
    ("TỜ TRÌNH", "TTr", (("Về việc đề nghị phê duyệt dự toán kinh phí",),)),
    (None, "", (("V/v đôn đốc thực hiện chuyển đổi số", "trong giải quyết thủ tục hành chính"),
                ("V/v góp ý dự thảo Nghị quyết",))),
    ("GIẤY MỜI", "GM", (("Dự hội nghị sơ kết công tác cải cách hành chính",),)),
    ("BIÊN BẢN", "BB", (("Họp Hội đồng thẩm định giá đất cụ thể",),)),
    ("HỢP ĐỒNG", "HĐ", (("Về việc cung cấp dịch vụ số hóa hồ sơ lưu trữ",),)),
    ("NGHỊ QUYẾT", "NQ", (("Về việc thông qua danh mục các dự án cần thu hồi đất", "năm 2025 trên địa bàn tỉnh"),)),
    ("KẾ HOẠCH", "KH", (("Kiểm tra công tác văn thư, lưu trữ năm 2024",),)),
)

NAMES = ("Nguyễn Văn An", "Trần Thị Bích Hạnh", "Lê Hoàng Phúc", "Phạm Minh Đức", "Huỳnh Thị Mỹ Linh",
         "Đỗ Quang Hưng", "Võ Thành Nhân", "Trương Công Lý", "Đặng Thị Ngọc Ánh", "Bùi Xuân Trường",
         "Lâm Văn Út", "Hồ Thị Kim Chi", "Dương Tấn Hiển", "Ngô Đức Thắng", "Phan Thị Thu Sương")


def _title_lines(body: Body, code: str, rng: random.Random) -> tuple[str, ...]:
    head = body.head
    deputy = "PHÓ " + head
    options: list[tuple[str, ...]] = [(head,), (f"KT. {head}", deputy)]
    if body.collective and code in ("QĐ", "CT", "NQ", "TTr"):
        options += [(f"TM. {body.collective}", head), (f"TM. {body.collective}", f"KT. {head}", deputy)]
    if code in ("", "TB", "GM", "BC", "KH"):
        if head == "CHỦ TỊCH":
            options += [(f"TL. {head}", "CHÁNH VĂN PHÒNG"), (f"TL. {head}", "KT. CHÁNH VĂN PHÒNG",
                                                            "PHÓ CHÁNH VĂN PHÒNG")]
        else:
            options += [(f"TUQ. {head}", "TRƯỞNG PHÒNG"), (f"Q. {head}",)]
    return rng.choice(options)


def make(i: int, rng: random.Random) -> tuple[Document, dict[str, object], dict[str, object]]:
    """Document i, its truth, and how it is scanned."""
    body = BODIES[i % len(BODIES)]
    type_name, code, summaries = TYPES[(i * 5) % len(TYPES)]
    summary = rng.choice(summaries)
    if type_name is None:
        symbol = f"{body.suffix}-{rng.choice(['VP', 'TTHC', 'KGVX', 'KT'])}"
    else:
        symbol = f"{code}-{body.suffix}"
    number = rng.choice(["05", "12", "135", "47", "09", "1024", "231", "88"])
    year = rng.choice(["2019", "2021", "2023", "2024", "2025"])
    legal = code in ("QĐ", "NQ", "CT") and rng.random() < 0.4
    printed_number = f"{number}/{year}" if legal else number
    day = rng.choice(["05", "01", "31", "17", "28", "10", "09", "22"])
    month = rng.choice(["01", "02", "3", "6", "10", "12", "11", "7"])
    if day == "31" and month in ("02", "6", "11"):
        day = "30" if month != "02" else "28"
    cid = rng.choice([None, None, "092085001234", "093190004567", "079301012345"])
    doc = Document(parent_agency=body.parent, agency_lines=body.lines, number=printed_number, symbol=symbol,
                   place=body.place, day=day, month=month, year=year, type_name=type_name, summary_lines=summary,
                   signer_lines=_title_lines(body, code, rng), signer_name=rng.choice(NAMES),
                   red_seal=False, citizen_id=cid)
    sentence = type_name[0] + type_name[1:].lower() if type_name else "Công văn"
    truth: dict[str, object] = {
        "document_type": sentence, "number": number, "symbol": symbol,
        "number_symbol": f"{printed_number}/{symbol}", "issued_date": f"{year}-{int(month):02d}-{int(day):02d}",
        "issued_place": body.place, "issuing_agency": " ".join(body.lines), "parent_agency": body.parent,
        "summary": " ".join(summary), "signer_title": " ".join(doc.signer_lines), "signer_name": doc.signer_name,
        "citizen_ids": [cid] if cid else [],
    }
    scan = {"seal": rng.random() < 0.5, "dpi": rng.choice([300, 300, 200]),
            "skew": rng.choice([0.0, 0.0, 0.4, -0.7, 1.2]), "blur": rng.choice([0.0, 0.0, 0.6]),
            "grey": rng.random() < 0.25, "quality": rng.choice([60, 80, 92])}
    return doc, truth, scan


def _stamp(im: Image.Image, dpi: int) -> Image.Image:
    """A red seal stamped over the signature: its ink multiplies with the print under it (print shows
    through, as on real scans), left of the signer column's centre, from the last title line down to
    just above the name."""
    grey = np.asarray(im.convert("L"))
    x_sig = round(0.8 * dpi) + round(3.4 * dpi)  # synth's signer column
    rows = np.nonzero((grey[:, x_sig:] < 128).any(axis=1))[0]
    if not len(rows):
        return im
    name_bottom = int(rows[-1])
    step = round(round(13 * dpi / 72) * 1.45)
    r = round(0.62 * dpi)
    cx = (x_sig + im.width - round(0.6 * dpi)) // 2 - round(0.45 * dpi)
    cy = name_bottom - round(2.6 * step)
    layer = Image.new("RGB", im.size, "white")
    d = ImageDraw.Draw(layer)
    red = (200, 45, 50)
    for k in range(3):
        d.ellipse((cx - r + 9 * k, cy - r + 9 * k, cx + r - 9 * k, cy + r - 9 * k), outline=red,
                  width=max(3, dpi // 60))
    d.text((cx - r // 2, cy - dpi // 20), "* UBND *", fill=red, font=font("bold", round(11 * dpi / 72)))
    return ImageChops.multiply(im.convert("RGB"), layer)


def scanned(doc: Document, scan: dict[str, object]) -> Image.Image:
    """The rendered page as a scanner would give it: seal, resolution, skew, blur, grey."""
    dpi = int(scan["dpi"])  # type: ignore[call-overload]
    im, _ = render_page(doc, dpi=dpi)
    if scan.get("seal"):
        im = _stamp(im, dpi)
    if scan["skew"]:
        im = im.rotate(float(scan["skew"]), resample=Image.Resampling.BICUBIC, expand=False,  # type: ignore[arg-type]
                       fillcolor="white")
    if scan["blur"]:
        im = im.filter(ImageFilter.GaussianBlur(float(scan["blur"])))  # type: ignore[arg-type]
    if scan["grey"]:
        im = im.convert("L")
    return im


def case(which: str, i: int, seed: int) -> tuple[str, Document, dict[str, object], dict[str, object]]:
    """(id, document, truth, scan) of document i of the `base` set or of the `layouts` set."""
    rng = random.Random(seed * 1000 + i)
    if which == "base":
        return (f"syn{i:02d}", *make(i, rng))
    layout = layouts.LAYOUTS[i % len(layouts.LAYOUTS)]
    return (f"{layout}-{i // len(layouts.LAYOUTS)}", *layouts.make(layout, i, rng))


def run_one(args: tuple[str, int, int]) -> dict[str, object]:
    name, doc, truth, scan = case(*args)
    with tempfile.TemporaryDirectory(prefix="sohoa-synth-") as t:
        tmp = Path(t)
        pdf = save_pdf([scanned(doc, scan)], tmp / f"{name}.pdf", dpi=int(scan["dpi"]),  # type: ignore[call-overload]
                       quality=int(scan["quality"]))  # type: ignore[call-overload]
        work = tmp / "work"
        work.mkdir()
        ex = extract(ocr_document(pdf, work))
    md = ex.metadata.model_dump()
    return {"id": name, "set": args[0], "truth": truth, "got": {f: md.get(f) for f in FIELDS},
            "review": list(ex.review.fields), "scan": scan}


def save_set(folder: Path, todo: list[tuple[str, int, int]]) -> None:
    """The documents as image-only PDFs with a `truth.jsonl` (score.py's fields), for `bench/accuracy.py
    --set` (which wants `score.py` one folder up) against another checkout's pipeline."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as f:
        for args in todo:
            name, doc, truth, scan = case(*args)
            save_pdf([scanned(doc, scan)], folder / f"{name}.pdf", dpi=int(scan["dpi"]),  # type: ignore[call-overload]
                     quality=int(scan["quality"]))  # type: ignore[call-overload]
            f.write(json.dumps({"id": name, **truth, "handwritten": list(doc.hand)}, ensure_ascii=False) + "\n")


_TONE = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy",
         "uỹ": "ũy", "uỵ": "ụy"}


def norm(v: object, field: str) -> str | None:
    """The comparison of `../shared/eval/score.py` (case, spacing, tone placement, 'Về việc'/'V/v')."""
    if v is None or v == []:
        return None
    if isinstance(v, list):
        return ",".join(sorted(str(x) for x in v))
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(v)).strip().lower())
    for a, b in _TONE.items():
        s = re.sub(a + r"(?=\W|$)", b, s)
    if field == "number":
        s = re.sub(r"\D", "", s)
    if field in ("symbol", "number_symbol"):
        s = s.replace(" ", "")
    if field == "summary":
        s = re.sub(r"^(về việc|v/v)\s*:?\s*", "", s)
    return s.strip(" .,:;") or None


def score(results: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[str]]:
    tally = {f: [0, 0, 0] for f in FIELDS}
    wrong: list[str] = []
    for r in results:
        truth, got, review = r["truth"], r["got"], set(r["review"])  # type: ignore[arg-type]
        for f in FIELDS:
            tv, pv = norm(truth[f], f), norm(got[f], f)  # type: ignore[index]
            if tv == pv:
                tally[f][0] += 1
            elif pv is None or f in review:
                tally[f][1] += 1
                wrong.append(f"flagged {r['id']} {f}: truth={truth[f]!r} got={got[f]!r}")  # type: ignore[index]
            else:
                tally[f][2] += 1
                wrong.append(f"WRONG   {r['id']} {f}: truth={truth[f]!r} got={got[f]!r}")  # type: ignore[index]
    n = len(results)
    rows: list[dict[str, object]] = [{"field": f, "correct": round(c / n, 3), "flagged or null": round(a / n, 3),
                                      "unflagged wrong": round(w / n, 3)} for f, (c, a, w) in tally.items()]
    c = sum(v[0] for v in tally.values())
    w = sum(v[2] for v in tally.values())
    rows.append({"field": "overall", "correct": round(c / (n * len(FIELDS)), 3),
                 "flagged or null": round(1 - (c + w) / (n * len(FIELDS)), 3),
                 "unflagged wrong": round(w / (n * len(FIELDS)), 3)})
    return rows, wrong


def by_layout(results: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per layout (the base set is one): documents, overall correct, unflagged wrong, needing review."""
    rows = []
    for layout in ("base", *layouts.LAYOUTS):
        rs = [r for r in results if (r["set"] == "base") == (layout == "base")
              and (layout == "base" or str(r["id"]).rsplit("-", 1)[0] == layout)]
        if rs:
            fields, _ = score(rs)
            overall = fields[-1]
            rows.append({"layout": layout, "documents": len(rs), "correct": overall["correct"],
                         "unflagged wrong": overall["unflagged wrong"],
                         "needing review": sum(bool(r["review"]) for r in rs)})
    return rows


def main(argv: list[str]) -> None:
    def opt(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default
    n, seed, jobs = int(opt("--n", "30")), int(opt("--seed", "7")), int(opt("--jobs", "2"))
    per = int(opt("--per-layout", "4"))
    which = opt("--set", "all")
    only = [x for x in opt("--only", "").split(",") if x]
    started = time.monotonic()
    todo = ([("base", i, seed) for i in range(n)] if which in ("all", "base") else []) + \
        ([("layouts", i, seed) for i in range(per * len(layouts.LAYOUTS))] if which in ("all", "layouts") else [])
    if only:
        todo = [t for t in todo if case(*t)[0] in only or f"{t[1]}" in only]
    if "--save" in argv:
        save_set(Path(opt("--save", "")), todo)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run_one, todo))
    rows, wrong = score(results)
    for line in wrong:
        print(line)
    if "--show" in argv:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    review = sum(bool(r["review"]) for r in results)
    emit("synthetic", rows, title=f"Synthetic generalisation set ({which}): {len(results)} documents, seed {seed}",
         notes=[f"{time.monotonic() - started:.0f} s; flagged-or-null counts null values and values listed in "
                "review.fields; unflagged wrong is what an operator would trust wrongly.",
                f"documents needing review: {review} of {len(results)}"],
         extra={"documents": results, "mistakes": wrong})
    emit("synthetic-layouts", by_layout(results), title="Synthetic set by layout")


if __name__ == "__main__":
    main(sys.argv[1:])
