"""Component kinds and per-kind fields on a generated set (pipeline/synth/components.py).

usage: python bench/components.py [--n 105] [--seed 19] [--jobs 2] [--cache] [--verbose]

Every document of the set (receipts with QR codes in three content shapes, application forms with
handwriting-like fill-ins, ID cards front/back/photocopy/phone photo, land certificates, contracts,
decisions, an unnamed paper; clean, scanned, skewed and stamped) is OCR'd by the pipeline's own page
path (plan_pages → ocr_page → PageText) and extracted (`pipeline.extract.extract`, QR codes decoded).
Reports kind accuracy, confident-wrong kinds (a kind other than the truth and other than 'other',
not flagged), and per kind field accuracy: a field counts right when equal to the truth (names and
addresses compared case-, space- and tone-placement-insensitively), and 'unflagged wrong' when a
wrong or missing value is not in `review.fields`. `--cache` keeps the OCR'd pages in
bench/.cache/components/ (git-ignored) so a rule change is measured in seconds.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit  # noqa: E402
from pipeline import document, pages  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.models import PageText  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.synth.components import Sample, sample  # noqa: E402
from pipeline.text import fold  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "components"


def save(sample: Sample, folder: Path) -> tuple[Path, str]:
    """The sample as an input file: a phone photo as JPEG, a card side as PNG, pages as a scanned PDF."""
    if sample.quality == "photo":
        path = folder / f"{sample.name}.jpg"
        sample.images[0].save(path, quality=85)
        return path, "image/jpeg"
    if sample.images[0].width < 1500:
        path = folder / f"{sample.name}.png"
        sample.images[0].save(path, dpi=(340, 340))
        return path, "image/png"
    path = folder / f"{sample.name}.pdf"
    sample.images[0].save(path, "PDF", resolution=300, save_all=True, append_images=sample.images[1:], quality=80)
    return path, "application/pdf"


def ocr(path: Path, media: str, work: Path, options: Options) -> list[PageText]:
    plans = pages.plan_pages(path, media, max_pages=options.max_pages, max_megapixels=options.max_page_megapixels,
                             dpi=options.ocr_dpi)
    outcome = document.Outcome(path.name, path.name, None, "archived")
    result = document._run_ocr(path, media, plans, work, options, None, outcome)
    pdf = path if media == "application/pdf" else None
    return [document._page_text(plan, result.get(plan.number), pdf) for plan in plans]


def pages_of(sample: Sample, cache: bool) -> list[PageText]:
    folder = CACHE / sample.name if cache else Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    pkl = folder / "pages.pkl"
    if cache and pkl.exists():
        with pkl.open("rb") as f:
            got: list[PageText] = pickle.load(f)
        return got
    folder.mkdir(parents=True, exist_ok=True)
    path, media = save(sample, folder)
    got = ocr(path, media, folder, Options(jobs=1))
    with pkl.open("wb") as f:
        pickle.dump(got, f)
    return got


def norm(v: object) -> object:
    if isinstance(v, float):
        return round(v, 1)
    if isinstance(v, str):
        return fold(v).replace(" ", "").replace(",", "")
    return v


def run_one(args: tuple[int, int, bool]) -> dict[str, Any]:
    i, seed, cache = args
    doc = sample(i, seed)
    t0 = time.monotonic()
    ps = pages_of(doc, cache)
    t1 = time.monotonic()
    ex = extract(ps)
    t2 = time.monotonic()
    comp = ex.component.model_dump(mode="json") if ex.component else {}
    part = comp.get(doc.kind) or ({"document_type": comp.get("document_type")} if doc.kind == "administrative"
                                     else {})
    return {"name": doc.name, "kind": doc.kind, "quality": doc.quality, "got_kind": comp.get("kind"),
            "confidence": comp.get("confidence"), "cues": comp.get("cues"), "truth": doc.fields,
            "got": {k: part.get(k) for k in doc.fields} if doc.kind in (
                "receipt", "application_form", "id_card", "land_certificate", "administrative") else {},
            "review": list(ex.review.fields), "ocr_s": round(t1 - t0, 2), "extract_s": round(t2 - t1, 3),
            "codes": [c["scheme"] for c in comp.get("codes", [])]}


def score(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    table = []
    kinds = sorted({r["kind"] for r in rows})
    right = sum(r["got_kind"] == r["kind"] for r in rows)
    confident_wrong = [r["name"] for r in rows if r["got_kind"] not in (r["kind"], "other")
                       and "component.kind" not in r["review"]]
    for kind in kinds:
        rs = [r for r in rows if r["kind"] == kind]
        fields = sorted({f for r in rs for f in r["truth"]} - {"side"}) if kind != "id_card" else \
            sorted({f for r in rs for f in r["truth"]})
        ok = sum(r["got_kind"] == kind for r in rs)
        table.append({"kind": kind, "field": "(kind)", "n": len(rs), "accuracy": round(ok / len(rs), 3),
                      "unflagged_wrong": 0})
        for f in fields:
            scored = [r for r in rs if f in r["truth"]]
            good = sum(norm(r["got"].get(f)) == norm(r["truth"][f]) for r in scored)
            bad = sum(norm(r["got"].get(f)) != norm(r["truth"][f])
                      and f"component.{kind}.{f}" not in r["review"] for r in scored)
            table.append({"kind": kind, "field": f, "n": len(scored), "accuracy": round(good / len(scored), 3),
                          "unflagged_wrong": bad})
    summary = {"documents": len(rows), "kind_accuracy": round(right / len(rows), 3),
               "confident_wrong_kinds": confident_wrong,
               "extract_seconds_mean": round(sum(r["extract_s"] for r in rows) / len(rows), 3)}
    return table, summary


def main(argv: list[str]) -> None:
    def opt(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default

    n, seed, jobs = int(opt("--n", "105")), int(opt("--seed", "19")), int(opt("--jobs", "2"))
    cache = "--cache" in argv
    args = [(i, seed, cache) for i in range(n)]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(run_one, args))
    table, summary = score(rows)
    misses = [{"name": r["name"], "got": r["got_kind"], "conf": r["confidence"], "cues": r["cues"]}
              for r in rows if r["got_kind"] != r["kind"]]
    if "--verbose" in argv:
        for r in rows:
            wrong = {f: (r["got"].get(f), r["truth"][f]) for f in r["got"]
                     if norm(r["got"].get(f)) != norm(r["truth"][f])}
            if wrong or r["got_kind"] != r["kind"]:
                print(r["name"], r["got_kind"], r["codes"], wrong, file=sys.stderr)
    notes = [f"{summary['documents']} documents (seed {seed}); kind accuracy {summary['kind_accuracy']}; "
             f"confident wrong kinds: {len(summary['confident_wrong_kinds'])}; "
             f"extraction {summary['extract_seconds_mean']} s per document (mean, OCR excluded)."]
    emit("components", table, title="Component kinds and fields (generated set)", notes=notes,
         extra={"summary": summary, "misses": misses})


if __name__ == "__main__":
    main(sys.argv[1:])
