"""Pages: open a document and decide, page by page, text layer or OCR.

Only headers and text layers are read here; page images are rendered later, in the OCR workers.
Unreadable, encrypted, empty or oversized documents raise the typed input errors.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from PIL import Image

from pipeline import textlayer
from pipeline.errors import CorruptFileError, EncryptedPdfError, LimitExceededError, NoPagesError
from pipeline.models import Line, PageMethod

log = logging.getLogger(__name__)

PARALLEL_TEXT_PAGES = 4  # text-layer pages per worker job (~0.1 s of pdfplumber); shorter layers stay inline


@dataclass
class PagePlan:
    number: int  # 1-based
    method: PageMethod
    width: float  # points, as displayed
    height: float
    reason: str = ""
    lines: list[Line] = field(default_factory=list)  # text-layer pages
    overlay_text: str = ""  # small text layer on a page that is OCR'd anyway
    frame: int = 0  # image frame (TIFF page) index
    dpi: int | None = None  # native resolution of an image input
    pdf_rotate: int = 0  # the PDF page's /Rotate


def guess_dpi(width_px: int, height_px: int, declared: object) -> int:
    """Declared dpi when plausible, else the dpi that makes the image an A4 page."""
    try:
        d = round(float(declared[0]))  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        d = 0
    if 70 <= d <= 1200 and not (d == 72 and max(width_px, height_px) > 1800):
        return d
    return max(72, min(1200, round(max(width_px, height_px) / 11.69)))


def plan_pages(path: Path, media_type: str, *, max_pages: int, max_megapixels: float,
               dpi: int = 300, executor: Executor | None = None) -> list[PagePlan]:
    """One plan per page; `dpi` is the OCR resolution, which bounds a PDF page's pixel count.

    With an `executor` (the run's page workers) the words of a long text layer are taken in parallel.
    """
    plans = _plan_pdf(path, max_pages, max_megapixels, dpi, executor) if media_type == "application/pdf" \
        else _plan_image(path, max_pages, max_megapixels)
    if not plans:
        raise NoPagesError()
    return plans


def _plan_pdf(path: Path, max_pages: int, max_megapixels: float, dpi: int,
              executor: Executor | None) -> list[PagePlan]:
    """pdfium judges every page's text layer (fast: scanned pages cost next to nothing); pdfplumber
    takes the words of the pages whose layer is real text, and gives page sizes as it sees them."""
    plans: list[PagePlan] = []
    try:
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) > max_pages:
                raise LimitExceededError(f"{len(pdf.pages)} pages, limit {max_pages}")
            if not pdf.pages:
                return []  # NoPagesError; pdfium would call such a file damaged
            for page, judged in zip(pdf.pages, textlayer.pdfium_pages(path), strict=True):
                number = judged.number
                megapixels = float(page.width) * float(page.height) * (dpi / 72) ** 2 / 1e6
                if megapixels > max_megapixels:
                    raise LimitExceededError(
                        f"page {number} is {page.width / 72:.0f}×{page.height / 72:.0f} inches "
                        f"({megapixels:.0f} megapixels at {dpi} dpi), limit {max_megapixels:.0f}")
                plans.append(_plan_pdf_page(number, page, judged.text, judged.image_coverage))
            _take_words(pdf, path, plans, executor)
    except LimitExceededError:
        raise
    except Exception as e:  # pdfminer and pdfium raise many untyped errors for damaged files
        name = " ".join(f"{type(c).__name__} {c}" for c in [e, *_causes(e)])
        if "Password" in name or "password" in name or "Encrypt" in name:
            raise EncryptedPdfError() from e
        raise CorruptFileError(_short(e)) from e
    return plans


def _take_words(pdf: pdfplumber.PDF, path: Path, plans: list[PagePlan], executor: Executor | None) -> None:
    """Fill in the lines of the text-layer pages: on the page workers in chunks when there are many."""
    numbers = [p.number for p in plans if p.method == "text_layer"]
    if executor is not None and len(numbers) >= 2 * PARALLEL_TEXT_PAGES:
        chunks = [numbers[i:i + PARALLEL_TEXT_PAGES] for i in range(0, len(numbers), PARALLEL_TEXT_PAGES)]
        futures = [executor.submit(textlayer.lines_of_pages, path, chunk) for chunk in chunks]
        lines = [page_lines for f in futures for page_lines in f.result()]
    else:
        lines = []
        for n in numbers:
            lines.append(textlayer.page_lines(pdf.pages[n - 1]))
            pdf.pages[n - 1].close()  # frees the parsed layout: long documents stay small
    for n, page_lines in zip(numbers, lines, strict=True):
        plans[n - 1].lines = page_lines


def _plan_pdf_page(number: int, page: object, text: str, image_coverage: float) -> PagePlan:
    """The page's method; a text-layer page's words are taken afterwards (in parallel when long)."""
    rotate = int(page.rotation or 0) % 360  # type: ignore[attr-defined]
    width, height = float(page.width), float(page.height)  # type: ignore[attr-defined]
    verdict = textlayer.judge(text, image_coverage)
    if verdict.use_text:
        return PagePlan(number, "text_layer", width, height, verdict.reason, pdf_rotate=rotate)
    overlay = text if verdict.chars else ""
    return PagePlan(number, "ocr", width, height, verdict.reason, overlay_text=overlay, pdf_rotate=rotate)


def _plan_image(path: Path, max_pages: int, max_megapixels: float) -> list[PagePlan]:
    plans: list[PagePlan] = []
    try:
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1)
            if frames > max_pages:
                raise LimitExceededError(f"{frames} pages, limit {max_pages}")
            for i in range(frames):
                im.seek(i)
                w, h = im.size
                if w * h > max_megapixels * 1e6:
                    raise LimitExceededError(f"page {i + 1} is {w * h / 1e6:.0f} megapixels, "
                                             f"limit {max_megapixels:.0f}")
                dpi = guess_dpi(w, h, im.info.get("dpi"))
                plans.append(PagePlan(i + 1, "ocr", w * 72 / dpi, h * 72 / dpi, "image", frame=i, dpi=dpi))
    except Image.DecompressionBombError as e:
        raise LimitExceededError(f"image too large ({_short(e)})") from e
    except LimitExceededError:
        raise
    except Exception as e:
        raise CorruptFileError(_short(e)) from e
    return plans


def _causes(e: BaseException) -> list[BaseException]:
    out = []
    while e.__cause__ or e.__context__:
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
        out.append(e)
    return out


def _short(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {msg}"[:200] if msg else type(e).__name__
