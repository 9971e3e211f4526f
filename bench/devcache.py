"""Cache the real-dev documents as `PageText` lists, so the extraction loop runs in seconds.

usage: python bench/devcache.py [DEV_DIR] [--force]

Pages go through exactly what `pipeline.document` does before extraction: `pages.plan_pages` judges each
page's text layer, `document._run_ocr` OCRs the others with `pipeline.ocr.ocr_page` (colour into
Tesseract, deskew, lossless page PNG for zone re-reads) and `document._page_text` builds the `PageText`.
So the fast loop (`bench/accuracy_dev.py`) scores what `bench/accuracy.py` scores. Output:
`bench/.cache/<doc>.pkl` plus the page images in `bench/.cache/<doc>/`. Not data of the project:
`bench/.cache/` is git-ignored.
"""

from __future__ import annotations

import pickle
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import document, pages  # noqa: E402
from pipeline.models import PageText  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.signatures import Signature, read_signatures  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# ../shared beside a main checkout, ../../shared beside a worktree in /work/wt/NAME
DEV = next((d for d in (ROOT.parent / "shared" / "eval" / "real-dev", ROOT.parents[1] / "shared" / "eval" / "real-dev")
            if d.exists()), ROOT.parent / "shared" / "eval" / "real-dev")
VERSION = 2  # bump when the way pages are made changes: older pickles are rebuilt


def ocr_document(path: Path, work: Path, options: Options | None = None,
                 pool: ProcessPoolExecutor | None = None) -> list[PageText]:
    """The `PageText` list `pipeline.document` would hand to `extract()` for one PDF (work files in `work`)."""
    options = options or Options()
    media = "application/pdf"
    plans = pages.plan_pages(path, media, max_pages=options.max_pages, max_megapixels=options.max_page_megapixels,
                             dpi=options.ocr_dpi)
    outcome = document.Outcome(path.name, path.name, None, "archived")
    ocr = document._run_ocr(path, media, plans, work, options, pool, outcome)
    return [document._page_text(plan, ocr.get(plan.number), path) for plan in plans]


def cache_pdf(pdf: Path, force: bool = False, pool: ProcessPoolExecutor | None = None) -> Path:
    target = CACHE / f"{pdf.stem}.pkl"
    if target.exists() and not force:
        with target.open("rb") as f:
            if _version(pickle.load(f)) == VERSION:
                return target
    work = CACHE / pdf.stem
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for old in CACHE.glob(f"{pdf.stem}_p*"):  # page files of the older cache layout
        old.unlink()
    got = ocr_document(pdf, work, pool=pool)
    with target.open("wb") as f:
        pickle.dump({"version": VERSION, "pages": got}, f)
    return target


def _version(data: object) -> int:
    return int(data.get("version", 0)) if isinstance(data, dict) else 0


def load(stem: str) -> list[PageText]:
    with (CACHE / f"{stem}.pkl").open("rb") as f:
        data = pickle.load(f)
    return data["pages"] if isinstance(data, dict) else data


def signatures(stem: str, dev: Path = DEV) -> list[Signature]:
    """The PDF's digital signatures (read from the PDF, cheap), as `pipeline.document` passes them."""
    return read_signatures(dev / f"{stem}.pdf")


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    dev = Path(args[0]) if args else DEV
    with ProcessPoolExecutor(max_workers=2) as pool:
        for pdf in sorted(dev.glob("*.pdf")):
            print(cache_pdf(pdf, force="--force" in argv, pool=pool))


if __name__ == "__main__":
    main(sys.argv[1:])
