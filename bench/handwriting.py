"""Calibrate and measure the handwritten-digit ensemble on held-out handwriting-like pages.

usage: python bench/handwriting.py [--pages 240] [--typed 0] [--printed 0] [--seed 11] [--jobs 2] [--reads FILE]
       [--from FILE,… [--how "ARGS OF THE RUN THAT MADE THEM"]] [--write]

The committed table was made with `--pages 700 --typed 80 --printed 120 --seed 13 --write` (~35 min on 2 cores).

Each page is a rendered Decree-30 header (`pipeline.synth`) whose number and day (sometimes month) are
written by hand from MNIST digits the classifiers never trained on (`digittraining.mnist('heldout')`),
in blue or black (`--typed` pages: digits a signing system inserted, read as on a born-digital page;
`--printed`: a number printed glued to its symbol, which a run reads as typed digits too),
scanned as JPEG; the header is OCR'd by Tesseract as a run does, located by
`header.locate`, and each blank read by `written.read`: the real path from blank to judged value.
Every reader's value is kept (bench/results/handwriting-reads.jsonl; `--from` re-tabulates it without
OCR). Printed: per agreement pattern of a value (readers mnist, uci, fonts, tesseract: '+' gives the
value, '-' another, '0' none; '!' when the MNIST model read it surely) how often it was right, and per
kind the judged outcome (correct, flagged or null, unflagged wrong). `--write` stores the pattern counts as
`pipeline/extract/handcalibration.py`, the table `written.judge` accepts reads by.
"""

from __future__ import annotations

import json
import math
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, emit  # noqa: E402
from pipeline import layout, tesseract  # noqa: E402
from pipeline.extract import digits, header, parsers, written  # noqa: E402
from pipeline.extract.fields import REVIEW_BELOW  # noqa: E402
from pipeline.models import PageText  # noqa: E402
from pipeline.synth import Document, render_page  # noqa: E402

READS = RESULTS / "handwriting-reads.jsonl"
TABLE = ROOT / "pipeline" / "extract" / "handcalibration.py"
SYMBOLS = ("QĐ-UBND", "CT-UBND", "TB-UBND", "UBND-VP", "KH-UBND", "TTr-SNV", "BC-STC", "QĐ-BCĐ")


def _number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return f"0{rng.randint(1, 9)}"
    if r < 0.75:
        return str(rng.randint(10, 99))
    return str(rng.randint(100, 999)) if r < 0.95 else str(rng.randint(1000, 2999))


STYLES = ("hand", "inserted", "printed")


def page_doc(i: int, seed: int, style: str = "hand") -> tuple[Document, dict[str, object]]:
    """Page i: handwritten blanks, digits a signing system inserted into them, or a printed number."""
    rng = random.Random(seed * 1000 + i + 500_000 * STYLES.index(style))
    month = rng.choice(["01", "02", *[str(m) for m in range(3, 13)]])
    hand = ("number", "day", "month") if rng.random() < 0.3 else ("number", "day")
    doc = Document(number=_number(rng), symbol=rng.choice(SYMBOLS), day=f"{rng.randint(1, 31):02d}", month=month,
                   year=str(rng.randint(2019, 2025)), hand=() if style == "printed" else hand,
                   hand_seed=seed * 1000 + i, rules=rng.random() < 0.5,
                   ink=(28, 42, 160) if rng.random() < 0.7 else (35, 35, 40), inserted=style == "inserted",
                   typewriter=style == "printed" and rng.random() < 0.25)
    scan = {"quality": rng.choice([60, 75, 90]), "blur": rng.choice([0.0, 0.0, 0.5]), "grey": rng.random() < 0.2}
    return doc, scan


def read_page(args: tuple[int, int, str]) -> list[dict[str, object]]:
    i, seed, style = args
    doc, scan = page_doc(i, seed, style)
    im, _ = render_page(doc)
    if scan["blur"]:
        im = im.filter(ImageFilter.GaussianBlur(float(scan["blur"])))  # type: ignore[arg-type]
    if scan["grey"]:
        im = im.convert("L").convert("RGB")
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="sohoa-hand-") as t:
        tmp = Path(t)
        im.save(tmp / "scan.jpg", quality=int(scan["quality"]))  # type: ignore[call-overload]
        page_png = tmp / "page.png"
        Image.open(tmp / "scan.jpg").save(page_png)
        top = Image.open(page_png).crop((0, 0, im.width, im.height // 4))
        top.save(tmp / "top.png")
        got = tesseract.run(tmp / "top.png", tmp / "top", psm=3, dpi=300, outputs=("tsv",))
        # inserted digits come on born-digital pages (the text layer lacks them): read as `written` reads those
        page = PageText(1, im.width * 72 / 300, im.height * 72 / 300, "text_layer" if style == "inserted" else "ocr",
                        layout.parse_tsv(got.tsv, 300), page_png, 300)
        h = header.locate(page)
        truth = {"number": doc.number, "day": doc.day, "month": doc.month}
        for kind in ("number",) if style == "printed" else doc.hand:
            seg = h.number if kind == "number" else h.place_date
            rec: dict[str, object] = {"page": i, "kind": kind, "truth": truth[kind], "year": int(doc.year),
                                      "typed": style != "hand", "style": style}
            w = written.read(page, list(seg.line.words), kind, year=int(doc.year),  # type: ignore[arg-type]
                             page_read=None if style == "inserted" else _page_read(seg.text, kind),
                             printed=style == "printed") if seg else None
            rec.update(reads=w.reads if w else None, value=w.value if w else None,
                       confidence=w.confidence if w else 0.0, reason=w.reason if w else "line or blank not found")
            out.append(rec)
    return out


def wilson_low(right: int, seen: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval of `right`/`seen` (how sure a pattern's rate is)."""
    if seen == 0:
        return 0.0
    p = right / seen
    centre = p + z * z / (2 * seen)
    spread = z * math.sqrt(p * (1 - p) / seen + z * z / (4 * seen * seen))
    return (centre - spread) / (1 + z * z / seen)


def _page_read(text: str, kind: str) -> str | None:
    """What the page's OCR read in the blank, as `fields` passes it on."""
    if kind == "number":
        ns = parsers.parse_number_line(text)
        return ns.number if ns else None
    pd = parsers.parse_place_date(text)
    return (pd.day_raw if kind == "day" else pd.month_raw) if pd else None


def patterns(records: list[dict[str, object]], typed: bool = False) -> dict[str, list[int]]:
    """Pattern → [seen, right] over every plausible value the readers gave (of handwritten or of `typed`
    values)."""
    table: dict[str, list[int]] = {}
    for r in records:
        if not r["reads"] or bool(r.get("typed")) != typed:
            continue
        ops = written.opinions(r["reads"])  # type: ignore[arg-type]
        for v in dict.fromkeys(x for x in ops.values() if x and x != "?"):
            if written.plausible(v, r["kind"]):  # type: ignore[arg-type]
                continue
            seen_right = table.setdefault(written.pattern(ops, v, written.sure(r["reads"])), [0, 0])  # type: ignore[arg-type]
            seen_right[0] += 1
            seen_right[1] += v == r["truth"]
    return dict(sorted(table.items(), key=lambda kv: -kv[1][0]))


def judged(records: list[dict[str, object]], table: written.Table | None = None,
           kinds: tuple[str, ...] = ("number", "day", "month", "all", "typed")) -> list[dict[str, object]]:
    """Per kind: the judged value against the truth (judge re-run on the kept reads, by the committed
    table or by `table`)."""
    rows = []
    for kind in kinds:
        rs = [r for r in records if (kind == "typed") == bool(r.get("typed")) and kind in ("all", "typed", r["kind"])]
        tally = Counter()
        for r in rs:
            if r["reads"]:
                read = digits.DigitRead(r["reads"])  # type: ignore[arg-type]
                value, conf, _ = written.judge(read, r["kind"], typed=bool(r.get("typed")),  # type: ignore[arg-type]
                                               padded=int(r["year"]) >= written.PADDED_FROM,  # type: ignore[call-overload]
                                               table=table)
            else:
                value, conf = None, 0.0
            flagged = value is None or conf < REVIEW_BELOW
            tally["correct" if value == r["truth"] else "flagged or null" if flagged else "unflagged wrong"] += 1
            tally["accepted"] += not flagged
            tally["accepted, correct"] += not flagged and value == r["truth"]
        n = max(1, len(rs))
        rows.append({"kind": kind, "values": len(rs), "correct": round(tally["correct"] / n, 3),
                     "flagged or null": round(tally["flagged or null"] / n, 3),
                     "unflagged wrong": round(tally["unflagged wrong"] / n, 3),
                     "accepted": round(tally["accepted"] / n, 3),
                     "correct when accepted": round(tally["accepted, correct"] / max(1, tally["accepted"]), 3)})
    return rows


def crossvalidated(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rule judged on pages it was not calibrated on: patterns counted on the even pages judge the
    odd ones, and the other way round."""
    rows = []
    for name, calibrate, judge in (("even → odd", 0, 1), ("odd → even", 1, 0)):
        cal = [r for r in records if int(r["page"]) % 2 == calibrate and not r.get("typed")]  # type: ignore[call-overload]
        test = [r for r in records if int(r["page"]) % 2 == judge and not r.get("typed")]  # type: ignore[call-overload]
        table = written.pooled({p: (s, r) for p, (s, r) in patterns(cal).items()})
        rows += [{"calibrated → judged": name, **row} for row in judged(test, table, kinds=("all",))]
    return rows


def write_table(table: dict[str, list[int]], typed: dict[str, list[int]], how: str) -> None:
    lines = ['"""Agreement patterns of handwritten reads and how often each was right (generated: do not edit).',
             "",
             "Written by `bench/handwriting.py … --write` from held-out MNIST digits rendered into Decree-30",
             "blanks (TYPED: digits a signing system inserted) and read as a run reads them; here:",
             f"    bench/handwriting.py {how} --write",
             "Key: per reader (mnist, uci, fonts, tesseract) '+' gives the value, '-' another value, '0' none;",
             "'!' when the MNIST model read the value surely; value: (seen, right).",
             '"""', "", "PATTERNS: dict[str, tuple[int, int]] = {"]
    lines += [f'    "{p}": ({seen}, {right}),' for p, (seen, right) in table.items()]
    lines += ["}", "TYPED: dict[str, tuple[int, int]] = {"]
    lines += [f'    "{p}": ({seen}, {right}),' for p, (seen, right) in typed.items()]
    lines += ["}", ""]
    TABLE.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {TABLE}")


def main(argv: list[str]) -> None:
    def opt(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default
    pages, seed, jobs = int(opt("--pages", "240")), int(opt("--seed", "11")), int(opt("--jobs", "2"))
    typed_pages, printed_pages = int(opt("--typed", "0")), int(opt("--printed", "0"))
    started = time.monotonic()
    if "--from" in argv:
        records = [json.loads(line) for f in opt("--from", "").split(",")
                   for line in Path(f).read_text(encoding="utf-8").splitlines()]
        how = opt("--how", f"--from {opt('--from', '')}")  # the run that made the reads, for the table's header
    else:
        todo = [(i, seed, "hand") for i in range(pages)] + [(i, seed, "inserted") for i in range(typed_pages)] \
            + [(i, seed, "printed") for i in range(printed_pages)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            records = [r for got in pool.map(read_page, todo) for r in got]
        out = Path(opt("--reads", str(READS)))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        how = f"--pages {pages} --typed {typed_pages} --printed {printed_pages} --seed {seed}"
    table = patterns(records)
    if "--write" in argv:
        write_table(table, patterns(records, typed=True), how)
        written._table.cache_clear()
    rows = [{"pattern": p, "seen": s, "right": r, "rate": round(r / s, 3),
             "lower bound": round(wilson_low(r, s), 3)} for p, (s, r) in table.items()]
    emit("handwriting-patterns", rows, title=f"Agreement patterns on held-out handwriting ({len(records)} values)",
         notes=["pattern: mnist, uci, fonts, tesseract; '+' gives the value, '-' another, '0' none"])
    emit("handwriting-crossvalidated", crossvalidated(records),
         title="The rule on pages it was not calibrated on (handwritten values)")
    emit("handwriting", judged(records), title=f"Handwritten values judged (bench/handwriting.py {how})",
         notes=[f"{time.monotonic() - started:.0f} s; accepted = not flagged (confidence ≥ "
                f"{REVIEW_BELOW}); the rule: accept when the pattern's rate ≥ {written.ACCEPT}"],
         extra={"records": records})


if __name__ == "__main__":
    main(sys.argv[1:])
