"""OCR accuracy per scan degradation: the OCR stage (pipeline.ocr.ocr_page) and the full text on rendered pages.

Each page is rendered (pipeline.synth, ~2,000 characters), degraded, written as an image file and
OCR'd through the same worker pool the flow uses (orientation check, deskew, one Tesseract pass).
The full text is then made as text.txt is (`pipeline.fulltext`: reading order, then the language
model's corrections) and compared with the rendered text, which is in reading order (left header
block, then right; recipients, then signer): word accuracy before and after the corrections, and
per-page CER in reading order. The searchable PDF's invisible layer is measured the same way: each
page's Tesseract text-only PDF placed as `pipeline.searchable` places it, without and with the
corrections (`pipeline.searchable_text`), read back with pdfplumber and put in reading order as a
text-layer page is (`textlayer.page_lines`, `layout.reading_order`).

    .venv/bin/python bench/degradation.py [--pages 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pdfplumber
import pikepdf
from PIL import Image, ImageFilter
from rapidfuzz.distance import Levenshtein

from bench.common import cer, dense_document, emit
from flows.runtime import page_pool
from pipeline import fulltext, layout, searchable, textlayer
from pipeline.fulltext import MendedPage
from pipeline.models import PageText
from pipeline.ocr import PageJob, PageOcr, ocr_page
from pipeline.synth import render_page


def _noise_blur(im: Image.Image) -> Image.Image:
    a = np.asarray(im.convert("L").filter(ImageFilter.GaussianBlur(0.8)), dtype=np.int16)
    a = a + np.random.default_rng(0).normal(0, 12, a.shape).astype(np.int16)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _one_bit(im: Image.Image) -> Image.Image:
    return im.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1")


# name → (render dpi, transform, file suffix, save options)
DEGRADATIONS: dict[str, tuple[int, Callable[[Image.Image], Image.Image], str, dict[str, object]]] = {
    "clean": (300, lambda im: im, ".png", {}),
    "noise + blur": (300, _noise_blur, ".png", {}),
    "skew 2.5°": (300, lambda im: im.rotate(2.5, resample=Image.Resampling.BICUBIC, fillcolor="white"), ".png", {}),
    "upside down": (300, lambda im: im.rotate(180), ".png", {}),
    "200 dpi": (200, lambda im: im, ".png", {}),
    "JPEG q35": (300, lambda im: im, ".jpg", {"quality": 35}),
    "1-bit": (300, _one_bit, ".png", {}),
    "red seal (colour)": (300, lambda im: im, ".png", {}),
}
SEALED = {"red seal (colour)"}  # rendered with a red seal over the signer block


def _text(result: PageOcr) -> str:
    return "\n".join(" ".join(w.text for w in line.words) for line in result.lines)


def _page(result: PageOcr) -> PageText:
    return PageText(result.number, result.width, result.height, "ocr", result.lines, dpi=result.dpi)


def layer_text(result: PageOcr, mended: MendedPage | None, path: Path) -> tuple[str, int]:
    """The page's invisible layer as pdfplumber reads it, in reading order; and the words mended in it."""
    assert result.textonly_pdf is not None
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(result.width, result.height))
        changed = searchable.overlay(pdf, 0, result.textonly_pdf, mended)
        pdf.save(path)
    with pdfplumber.open(path) as doc:
        lines = layout.reading_order(textlayer.page_lines(doc.pages[0]))
    return "\n".join(ln.text for ln in lines), changed


def word_accuracy(got: str, truth: str) -> float:
    """1 - word edit distance / truth words, in reading order (a misplaced block costs its words)."""
    ref = truth.split()
    return 1.0 - Levenshtein.distance(got.split(), ref) / max(1, len(ref))


def ordered_cer(got: str, truth: str) -> float:
    """CER in reading order, spacing folded (line breaks count as one space)."""
    a, b = " ".join(got.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(1, len(b))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=3, help="pages per degradation")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-deg-") as t, page_pool(args.jobs) as pool:
        tmp = Path(t)
        for name, (dpi, transform, suffix, save) in DEGRADATIONS.items():
            jobs, truths = [], []
            for i in range(args.pages):
                doc = dense_document(100 + i)
                im, truth = render_page(replace(doc, red_seal=True) if name in SEALED else doc, dpi=dpi)
                path = tmp / f"{len(rows)}-{i}{suffix}"
                transform(im).save(path, dpi=(dpi, dpi), **save)
                media = "image/jpeg" if suffix == ".jpg" else "image/png"
                work = tmp / path.stem  # work files are named by page number: one folder per job
                work.mkdir()
                jobs.append(PageJob(path, media, 1, 0, dpi, work, "vie", None, 300, 200, True, True, 180))
                truths.append(truth)
            t0 = time.perf_counter()
            results = list(pool.map(ocr_page, jobs))
            seconds = time.perf_counter() - t0
            cers = [cer(_text(r), g) for r, g in zip(results, truths, strict=True)]
            raw = ["\n".join(fulltext.page_lines(_page(r), mend=False)) for r in results]
            t1 = time.perf_counter()
            mended = ["\n".join(fulltext.page_lines(_page(r))) for r in results]
            mend_ms = (time.perf_counter() - t1) * 1000 / args.pages
            before = [word_accuracy(a, g) for a, g in zip(raw, truths, strict=True)]
            after = [word_accuracy(a, g) for a, g in zip(mended, truths, strict=True)]
            pages_mended = [fulltext.mend_page(_page(r)) for r in results]
            layer_before = [layer_text(r, None, tmp / f"{len(rows)}-{k}-raw.pdf")[0] for k, r in enumerate(results)]
            layer_after = [layer_text(r, m, tmp / f"{len(rows)}-{k}-mended.pdf")
                           for k, (r, m) in enumerate(zip(results, pages_mended, strict=True))]
            text_mended = sum(a != b for m in pages_mended for a, b in zip(m.read, m.words, strict=True))
            rows.append({"degradation": name, "pages": args.pages, "mean CER": statistics.mean(cers),
                         "max CER": max(cers),
                         "CER in reading order, per page": ", ".join(
                             f"{ordered_cer(a, g):.4f}" for a, g in zip(mended, truths, strict=True)),
                         "word acc. before": statistics.mean(before), "word acc. after": statistics.mean(after),
                         "words changed": sum(len(a.split()) - sum(x == y for x, y in zip(a.split(), b.split(),
                                                                                        strict=False))
                                              for a, b in zip(raw, mended, strict=True)),
                         "layer word acc. before": statistics.mean(
                             word_accuracy(a, g) for a, g in zip(layer_before, truths, strict=True)),
                         "layer word acc. after": statistics.mean(
                             word_accuracy(a, g) for (a, _), g in zip(layer_after, truths, strict=True)),
                         "words mended (text.txt / layer)": f"{text_mended} / {sum(n for _, n in layer_after)}",
                         "correction ms/page": mend_ms,
                         "rotation found": ",".join(str(r.rotation) for r in results),
                         "skew found": ",".join(f"{r.skew_degrees:g}" for r in results),
                         "s/page (wall, --jobs)": seconds / args.pages})
            print(rows[-1], file=sys.stderr)
    emit("degradation", rows, title="CER and word accuracy per degradation (OCR stage, full text)",
         notes=["mean/max CER: on sorted words vs the rendered text (tests/conftest.py `cer`), the OCR stage alone. "
                "CER in reading order and word accuracy: the full text as text.txt gets it (pipeline.fulltext) vs "
                "the rendered text in reading order; word accuracy before/after the language model's corrections. "
                "Layer word accuracy: the searchable PDF's invisible layer (pdfplumber, reading order) without/with "
                "the corrections; words mended: tokens text.txt changed / words the layer rewrite replaced. "
                "Noise: Gaussian σ=12 after a 0.8 px blur; 1-bit: threshold 150; 200 dpi pages are upscaled to 300 "
                "for OCR."])


if __name__ == "__main__":
    main()
