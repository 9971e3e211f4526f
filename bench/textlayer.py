"""Born-digital PDFs through the text-layer path: pages/s of page planning and of the whole document.

Office-style PDFs (fpdf2, embedded Unicode TrueType font, ~2,000 characters a page) need no OCR;
their cost is reading and judging the text layer (pages.plan_pages), then the searchable copy,
extraction and archiving (document.process, inline, no Prefect).

    .venv/bin/python bench/textlayer.py [--pages 200] [--per-doc 20] [--repeat 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fpdf import FPDF

from bench.common import SENTENCES, emit
from flows.runtime import page_pool
from pipeline import document, intake, pages, textlayer
from pipeline.archive import LocalArchive
from pipeline.options import Options
from pipeline.synth import FONT_DIRS


def _font(name: str, fallback: str) -> str:
    for d in FONT_DIRS:
        for n in (name, fallback):
            if (d / n).exists():
                return str(d / n)
    raise FileNotFoundError("apt-get install fonts-noto-core fonts-dejavu-core")


def born_digital(path: Path, n_pages: int, seed: int) -> Path:
    """A decree-like PDF of `n_pages` full pages with a real text layer."""
    rng = random.Random(seed)
    pdf = FPDF(format="A4")
    pdf.add_font("serif", "", _font("NotoSerif-Regular.ttf", "DejaVuSerif.ttf"))
    pdf.add_font("serif", "B", _font("NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"))
    for p in range(n_pages):
        pdf.add_page()
        if p == 0:
            pdf.set_font("serif", "B", 13)
            pdf.cell(90, 7, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
            pdf.cell(0, 7, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("serif", "", 13)
            pdf.cell(90, 7, f"Số: {seed}/QĐ-UBND")
            pdf.cell(0, 7, "Quảng Ngãi, ngày 05 tháng 01 năm 2025", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        pdf.set_font("serif", "", 13)
        text = " ".join(rng.choice(SENTENCES) for _ in range(14))
        pdf.multi_cell(0, 6.5, text)
    pdf.output(str(path))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--per-doc", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-text-") as t, page_pool(args.jobs) as pool:
        tmp = Path(t)
        pdfs = [born_digital(tmp / f"born{i:03d}.pdf", min(args.per_doc, args.pages - s), i)
                for i, s in enumerate(range(0, args.pages, args.per_doc))]
        plan_s, proc_s, pool_s, fast_s = [], [], [], []
        for k in range(args.repeat):
            t0 = time.perf_counter()
            used = 0
            for pdf in pdfs:
                for page in textlayer.pdfium_pages(pdf, words=True):
                    if textlayer.judge(page.text, page.image_coverage).use_text:
                        used += len(page.lines()) > 0
            fast_s.append(time.perf_counter() - t0)
            assert used == args.pages, used

            t0 = time.perf_counter()
            methods = [p.method for pdf in pdfs for p in pages.plan_pages(
                pdf, "application/pdf", max_pages=10_000, max_megapixels=200)]
            plan_s.append(time.perf_counter() - t0)
            assert methods.count("text_layer") == args.pages, methods

            for seconds, executor in ((proc_s, None), (pool_s, pool)):
                archive = LocalArchive(tmp / f"archive{k}-{'pool' if executor else 'inline'}")
                options = Options(jobs=args.jobs, work_dir=tmp / "work", min_file_age_seconds=0)
                t0 = time.perf_counter()
                for pdf in pdfs:
                    item = intake.InputFile(pdf, None, pdf.name, pdf.stat().st_size, pdf.stat().st_mtime)
                    outcome = document.process(item, archive, options, executor, force=True)
                    assert outcome.status == "archived" and outcome.text_pages == outcome.pages, outcome
                seconds.append(time.perf_counter() - t0)

    n = args.pages
    rows = [{"stage": "pages.plan_pages (read + judge the text layer, words)", "pages": n,
             "best s": min(plan_s), "pages/s": n / min(plan_s), "target": "≥ 50 pages/s"},
            {"stage": "textlayer.pdfium_pages (judge + lines; pages.py judges with it)", "pages": n,
             "best s": min(fast_s), "pages/s": n / min(fast_s), "target": "≥ 50 pages/s"},
            {"stage": "document.process, one process (plan, searchable PDF/A, extract, archive)", "pages": n,
             "best s": min(proc_s), "pages/s": n / min(proc_s), "target": "≥ 50 pages/s"},
            {"stage": f"document.process with the run's {args.jobs} page workers (as `sohoa digitize`)",
             "pages": n, "best s": min(pool_s), "pages/s": n / min(pool_s), "target": "≥ 50 pages/s"}]
    emit("textlayer", rows, title="Born-digital PDFs: text-layer path",
         notes=[f"{len(pdfs)} fpdf2 PDFs of {args.per_doc} pages (~2,000 characters each), documents one "
                f"after another, best of {args.repeat}; the last row reads a document's text layer in "
                f"{pages.PARALLEL_TEXT_PAGES}-page chunks on the page workers, as a run does."])


if __name__ == "__main__":
    main()
