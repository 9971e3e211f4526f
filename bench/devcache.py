"""Cache the real-dev PDFs as `PageText` lists, so the extraction loop runs in seconds.

usage: python bench/devcache.py [DEV_DIR] [--force]

Per page: a real text layer (many chars, no `(cid:` garbage) → pdfplumber words → `layout.group_words`;
otherwise render at 300 dpi with pypdfium2 and OCR with `pipeline.tesseract.run` (pages in parallel,
Tesseract single-threaded). Output: `bench/.cache/<doc>.pkl` (+ page PNGs for zone re-OCR). Not data
of the project: `bench/.cache/` is git-ignored.
"""

from __future__ import annotations

import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2  # noqa: E402

from pipeline import layout, tesseract  # noqa: E402
from pipeline.models import PageText, Word  # noqa: E402
from pipeline.signatures import Signature, read_signatures  # noqa: E402
from pipeline.text import nfc  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
DEV = ROOT.parent / "shared" / "eval" / "real-dev"
DPI = 300
MIN_CHARS = 200


def _text_layer(page: pdfplumber.page.Page) -> tuple[list[Word], str]:
    """Words of a real text layer, plus all its text (for the small-overlay case)."""
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=False)
    out = [Word(nfc(w["text"]), (w["x0"], w["top"], w["x1"], w["bottom"]), 100.0, w.get("size"))
           for w in words if nfc(w["text"]).strip()]
    return out, " ".join(w.text for w in out)


def _ocr(job: tuple[str, int, float, float, str]) -> PageText:
    png, number, width, height, overlay = job
    out = tesseract.run(Path(png), Path(png).with_suffix(""), outputs=("tsv", "txt"), dpi=DPI)
    return PageText(number, width, height, "ocr", layout.parse_tsv(out.tsv, DPI), Path(png), DPI, overlay)


def cache_pdf(pdf: Path, force: bool = False) -> Path:
    target = CACHE / f"{pdf.stem}.pkl"
    if target.exists() and not force:
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    pages: dict[int, PageText] = {}
    jobs: list[tuple[str, int, float, float, str]] = []
    doc = pypdfium2.PdfDocument(str(pdf))
    with pdfplumber.open(pdf) as plumb:
        for i, page in enumerate(plumb.pages):
            words, text = _text_layer(page)
            w, h = float(page.width), float(page.height)
            if len(text) >= MIN_CHARS and "(cid:" not in text:
                pages[i + 1] = PageText(i + 1, w, h, "text_layer", layout.group_words(words), pdf_path=pdf)
                continue
            png = CACHE / f"{pdf.stem}_p{i + 1:03d}.png"
            doc[i].render(scale=DPI / 72).to_pil().convert("RGB").save(png)
            jobs.append((str(png), i + 1, w, h, text))
    with ProcessPoolExecutor(max_workers=2) as pool:
        for pt in pool.map(_ocr, jobs):
            pages[pt.number] = pt
    with target.open("wb") as f:
        pickle.dump([pages[k] for k in sorted(pages)], f)
    return target


def load(stem: str) -> list[PageText]:
    with (CACHE / f"{stem}.pkl").open("rb") as f:
        return pickle.load(f)


def signatures(stem: str, dev: Path = DEV) -> list[Signature]:
    """The PDF's digital signatures (read from the PDF, cheap), as `pipeline.document` passes them."""
    return read_signatures(dev / f"{stem}.pdf")


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    dev = Path(args[0]) if args else DEV
    for pdf in sorted(dev.glob("*.pdf")):
        print(cache_pdf(pdf, force="--force" in argv))


if __name__ == "__main__":
    main(sys.argv[1:])
