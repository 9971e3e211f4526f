"""Scanned-page throughput: `sohoa digitize` vs raw Tesseract (the physical bound) vs OCRmyPDF.

All three read the same image-only A4 300-dpi PDFs (or, for raw Tesseract, the JPEG page images inside
them) with the same parallelism and single-threaded Tesseract. Rounds are interleaved (raw, sohoa,
ocrmypdf, raw, …) because the machine is shared; the best round of each is reported with the median.

    .venv/bin/python bench/throughput.py [--pages 12] [--per-doc 4] [--repeat 2] [--seal] [--no-ocrmypdf]
                                         [--baseline CHECKOUT] [--server]

`--server` adds `sohoa digitize` runs reporting to a running `prefect server` (as the nightly runs do in
production) beside the default ones, which boot the CLI's temporary server each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    ScanSet,
    archived_pdfs,
    archived_texts,
    cer,
    emit,
    extract_jpegs,
    pdf_page_texts,
    prefect_server,
    raw_tesseract,
    scanned_set,
    sohoa_digitize,
)


def mean_cer(texts: list[str], truths: list[str]) -> float:
    return sum(cer(t, g) for t, g in zip(texts, truths, strict=True)) / max(1, len(truths))


def run_sohoa(scans: ScanSet, tmp: Path, jobs: int, k: int, tree: Path | None = None,
              api_url: str | None = None) -> dict[str, float]:
    tag = f"{k}-{'base' if tree else 'this'}-{'server' if api_url else 'temporary'}"
    inbox, archive = tmp / f"inbox{tag}", tmp / f"archive{tag}"
    (inbox / "dossier-bench").mkdir(parents=True)
    for p in scans.pdfs:
        shutil.copy2(p, inbox / "dossier-bench" / p.name)
    run = sohoa_digitize(inbox, archive, jobs, tree=tree or ROOT, api_url=api_url)
    texts, pdfs = archived_texts(archive), archived_pdfs(archive)
    assert run.report["totals"]["pages"] == scans.pages, run.report["totals"]
    got_txt = [t for p in scans.pdfs for t in texts[p.name]]
    got_pdf = [t for p in scans.pdfs for t in pdf_page_texts(pdfs[p.name])]
    truths = [t for ts in scans.truths for t in ts]
    out_bytes = sum(pdfs[p.name].stat().st_size for p in scans.pdfs)
    result = {"seconds": run.seconds, "pipeline_seconds": float(run.report["totals"]["seconds"]),
              "cer": mean_cer(got_pdf, truths), "cer_text_txt": mean_cer(got_txt, truths),
              "size_ratio": out_bytes / scans.input_bytes}
    shutil.rmtree(inbox)
    shutil.rmtree(archive)
    return result


def run_ocrmypdf(scans: ScanSet, tmp: Path, jobs: int) -> dict[str, float]:
    exe = Path(sys.executable).with_name("ocrmypdf")
    out_dir = tmp / "ocrmypdf"
    out_dir.mkdir(exist_ok=True)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t0 = time.perf_counter()
    outs = []
    for p in scans.pdfs:
        out = out_dir / p.name
        subprocess.run([str(exe), "-q", "-l", "vie", "--jobs", str(jobs), "--output-type", "pdfa", str(p), str(out)],
                       env=env, check=True, capture_output=True)
        outs.append(out)
    seconds = time.perf_counter() - t0
    got = [t for o in outs for t in pdf_page_texts(o)]
    truths = [t for ts in scans.truths for t in ts]
    size = sum(o.stat().st_size for o in outs) / scans.input_bytes
    shutil.rmtree(out_dir)
    return {"seconds": seconds, "cer": mean_cer(got, truths), "size_ratio": size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--per-doc", type=int, default=4, help="pages per input PDF")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sparse", action="store_true", help="short pages (per-page overhead) instead of dense ones")
    ap.add_argument("--seal", action="store_true", help="a red seal on every page: colour scans")
    ap.add_argument("--no-ocrmypdf", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another checkout to run as `sohoa (baseline)`, interleaved")
    ap.add_argument("--server", action="store_true", help="also run sohoa against a running `prefect server`")
    args = ap.parse_args()
    has_ocrmypdf = not args.no_ocrmypdf and Path(sys.executable).with_name("ocrmypdf").exists()

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as t, ExitStack() as stack:
        tmp = Path(t)
        api = stack.enter_context(prefect_server(tmp / "prefect-home")) if args.server else None
        scans = scanned_set(tmp / "in", args.pages, args.per_doc, dense=not args.sparse, seal=args.seal)
        images = extract_jpegs(scans.pdfs, tmp / "jpeg")
        truths = [t for ts in scans.truths for t in ts]
        runs: dict[str, list[dict[str, float]]] = {
            "raw": [], "sohoa": [], "baseline": [], "sohoa_server": [], "baseline_server": [], "ocrmypdf": []}
        for k in range(args.repeat):
            seconds, texts = raw_tesseract(images, args.jobs)
            runs["raw"].append({"seconds": seconds, "cer": mean_cer(texts, truths), "size_ratio": float("nan")})
            runs["sohoa"].append(run_sohoa(scans, tmp, args.jobs, k))
            if args.baseline:
                runs["baseline"].append(run_sohoa(scans, tmp, args.jobs, k, args.baseline))
            if api:
                runs["sohoa_server"].append(run_sohoa(scans, tmp, args.jobs, k, api_url=api))
                if args.baseline:
                    runs["baseline_server"].append(run_sohoa(scans, tmp, args.jobs, k, args.baseline, api))
            if has_ocrmypdf:
                runs["ocrmypdf"].append(run_ocrmypdf(scans, tmp, args.jobs))
            print(f"round {k + 1}: " + ", ".join(f"{n} {r[-1]['seconds']:.1f} s" for n, r in runs.items() if r),
                  file=sys.stderr)

    n = scans.pages
    best = {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items() if r}
    raw_ppm = 60 * n / best["raw"]["seconds"]
    rows = []
    labels = {"raw": "raw `tesseract IMG - -l vie` (bound)", "sohoa": "`sohoa digitize` (whole CLI)",
              "ocrmypdf": "`ocrmypdf -l vie --output-type pdfa`", "baseline": f"`sohoa digitize` @ {args.baseline}",
              "sohoa_server": "`sohoa digitize` (whole CLI), running Prefect server",
              "baseline_server": f"`sohoa digitize` @ {args.baseline}, running Prefect server"}
    for name, b in best.items():
        ppm = 60 * n / b["seconds"]
        rows.append({"system": labels[name], "pages": n, "best s": b["seconds"],
                     "median s": statistics.median(x["seconds"] for x in runs[name]),
                     "pages/min": ppm, "× bound": ppm / raw_ppm, "CER": b["cer"],
                     "out/in size": None if name == "raw" else b["size_ratio"]})
        if name in ("sohoa", "baseline", "sohoa_server", "baseline_server"):
            pps = 60 * n / b["pipeline_seconds"]
            rows.append({"system": f"{labels[name]} (run report: from the flow's start, pages begun ahead not in it)",
                         "pages": n,
                         "best s": b["pipeline_seconds"],
                         "median s": statistics.median(x["pipeline_seconds"] for x in runs[name]),
                         "pages/min": pps, "× bound": pps / raw_ppm, "CER": b["cer_text_txt"],
                         "out/in size": b["size_ratio"]})
    notes = [f"{n} A4 300-dpi pages ({'sparse' if args.sparse else '~2,000 characters'} each"
             f"{', a red seal on each (colour)' if args.seal else ''}), "
             f"{len(scans.pdfs)} image-only PDFs, --jobs {args.jobs}, OMP_THREAD_LIMIT=1, best of {args.repeat} "
             "interleaved rounds. CER on sorted words vs the rendered text; sohoa's first CER is on the "
             "searchable PDF's text layer (as OCRmyPDF's), the pipeline row's on text.txt."]
    if "ocrmypdf" in best:
        ratio = best["ocrmypdf"]["seconds"] / best["sohoa"]["seconds"]
        notes.append(f"sohoa / OCRmyPDF throughput: {ratio:.2f}× (whole CLI).")
    if "baseline" in best:
        notes.append(f"this tree / baseline throughput: {best['baseline']['seconds'] / best['sohoa']['seconds']:.2f}× "
                     "(whole CLI).")
    emit("throughput", rows, title="Scanned pages: throughput, CER and output size", notes=notes,
         extra={"runs": runs, "args": vars(args)})


if __name__ == "__main__":
    main()
