"""OCR of one page: load the page image, make it upright and level, one Tesseract pass.

`ocr_page` runs in a worker process (pdfium is not thread-safe, and Pillow/numpy work is CPU
bound), so its job and result are plain picklable dataclasses. Work files are named
`p000001-*.ext` in the document's work folder so a kept folder explains itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from pipeline import preprocess, tesseract
from pipeline.errors import CorruptFileError, SohoaError
from pipeline.layout import parse_tsv
from pipeline.locks import PDFIUM
from pipeline.models import Line

log = logging.getLogger(__name__)

OSD_MIN_CONFIDENCE = 2.0
SUSPECT_CONFIDENCE = 65.0  # mean word confidence below which a page may not be upright


@dataclass(frozen=True)
class PageJob:
    source: Path
    media_type: str
    number: int  # 1-based
    frame: int
    native_dpi: int | None  # image inputs
    work_dir: Path
    language: str
    tessdata: Path | None
    ocr_dpi: int
    min_output_dpi: int
    detect_orientation: bool
    deskew: bool
    timeout: float
    force_image: bool = False  # PDF page that cannot be overlaid in place (/Rotate, odd boxes)


@dataclass
class PageOcr:
    number: int
    lines: list[Line]
    dpi: int
    width: float  # points of the (corrected) page
    height: float
    rotation: int = 0
    skew_degrees: float = 0.0
    mean_confidence: float | None = None
    textonly_pdf: Path | None = None
    image_path: Path | None = None  # upright, level page, lossless (PNG), None for an unchanged PDF page
    replace_image: bool = False  # the searchable PDF must show pdf_image instead of the original page image
    pdf_image: Path | None = None  # JPEG of the corrected page, written only when replace_image
    warnings: list[str] = field(default_factory=list)


def load_image(job: PageJob) -> tuple[Image.Image, int]:
    """The page as a Pillow image and its dpi (PDF pages are rendered at the OCR dpi)."""
    try:
        if job.media_type == "application/pdf":
            return render_pdf_page(job.source, job.number, job.ocr_dpi), job.ocr_dpi
        with Image.open(job.source) as src:
            src.seek(job.frame)
            src.load()
            im = ImageOps.exif_transpose(src) if job.media_type == "image/jpeg" else src.copy()
            return preprocess.to_rgb_or_gray(im), job.native_dpi or 300
    except SohoaError:
        raise
    except Exception as e:
        raise CorruptFileError(f"page {job.number}: {type(e).__name__}: {e}"[:200]) from e


def render_pdf_page(path: Path, number: int, dpi: int) -> Image.Image:
    """PDF page `number` as OCR reads it; extraction renders an unchanged page again with this rather
    than have every page written out as a lossless image it will mostly never look at."""
    with PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            # No copy before the document closes: the bitmap's buffer is Python's (pypdfium2 allocates
            # it), and Pillow either converts it (pdfium's BGR) or keeps a reference to it.
            im = pdf[number - 1].render(scale=dpi / 72, may_draw_forms=True).to_pil()
        finally:
            pdf.close()
    return preprocess.to_rgb_or_gray(im)


def ocr_page(job: PageJob) -> PageOcr:
    """Upright, level, one Tesseract pass; OSD only when the page might not be upright.

    Tesseract's OSD is a second pass over the page (~0.6 s, a third of the OCR itself). Projection
    profiles tell for free whether the text lines run left→right; such a page is upright or upside
    down, and an upside-down page comes back from OCR with a mean word confidence around 45 (an
    upright one, even noisy, scores 85+). So OSD runs first only for pages whose lines are not
    clearly horizontal, and after OCR only when the words came back unreadable; a page it turns is
    OCR'd again.
    """
    base = job.work_dir / f"p{job.number:06d}"
    im, dpi = load_image(job)
    warnings: list[str] = []
    changed = job.force_image

    if dpi < job.min_output_dpi:
        changed = True
    im, dpi = preprocess.upscale(im, dpi, job.ocr_dpi)
    # Uncompressed TIFF: no encoding cost, and Leptonica reads it fast. Its PNM reader is slow: the same
    # RGB page took Tesseract 1.81 s as PPM and 1.40 s as TIFF (gray: 1.22 s / 1.09 s), same output.
    ocr_input = base.with_name(base.name + "-ocr.tif")

    profile = preprocess.line_profile(im) if job.deskew or job.detect_orientation else None
    rotation = 0
    osd_done = not job.detect_orientation or profile is None  # no ink: nothing to orient by
    if not osd_done and not profile.lines_horizontal:  # type: ignore[union-attr]
        rotation = _osd(im, ocr_input, job)
        osd_done = True
        if rotation:
            im = im.rotate(-rotation, expand=True)
            changed = True
            profile = preprocess.line_profile(im) if job.deskew else None

    skew = 0.0
    if job.deskew and profile and abs(profile.skew) >= preprocess.SKEW_MIN_DEGREES:
        skew = profile.skew
        im = preprocess.deskew(im, skew)
        changed = True

    try:
        out, lines = _recognize(im, ocr_input, base, dpi, job)
        if not osd_done and _unreadable(lines):
            turn = _osd(im, ocr_input, job, written=True)
            if turn:
                rotation = turn
                im = im.rotate(-turn, expand=True)
                changed = True
                if turn != 180 and job.deskew:  # skew was measured across the lines: measure again
                    again = preprocess.line_profile(im)
                    if again and abs(again.skew) >= preprocess.SKEW_MIN_DEGREES:
                        im = preprocess.deskew(im, again.skew)
                        skew = again.skew
                out, lines = _recognize(im, ocr_input, base, dpi, job)
    finally:
        ocr_input.unlink(missing_ok=True)

    # Lossless for extraction: JPEG artefacts cost handwritten digits and tone marks in zone re-reads.
    # An unchanged PDF page is not written (~0.1-0.3 s a page): extraction renders it again, identically.
    image_path = None
    if changed or job.media_type != "application/pdf":
        image_path = base.with_name(base.name + "-page.png")
        im.save(image_path, compress_level=1, dpi=(dpi, dpi))
    pdf_image = None
    if changed:
        pdf_image = base.with_name(base.name + "-page.jpg")
        im.save(pdf_image, quality=85, dpi=(dpi, dpi))
    warnings += out.warnings
    confs = [w.confidence for line in lines for w in line.words]
    return PageOcr(
        number=job.number,
        lines=lines,
        dpi=dpi,
        width=im.width * 72 / dpi,
        height=im.height * 72 / dpi,
        rotation=rotation,
        skew_degrees=skew,
        mean_confidence=round(sum(confs) / len(confs), 2) if confs else None,
        textonly_pdf=out.pdf,
        image_path=image_path,
        replace_image=changed,
        pdf_image=pdf_image,
        warnings=warnings,
    )


def _recognize(im: Image.Image, ocr_input: Path, base: Path, dpi: int,
               job: PageJob) -> tuple[tesseract.Output, list[Line]]:
    """The one OCR pass: text, word boxes and the invisible PDF layer (of a gray page, seals faded)."""
    preprocess.for_tesseract(im, dpi).save(ocr_input, compression="raw")
    out = tesseract.run(ocr_input, base, language=job.language, tessdata=job.tessdata, dpi=dpi,
                        outputs=("tsv", "pdf"), timeout=job.timeout)
    return out, parse_tsv(out.tsv, dpi) if out.tsv else []


def _unreadable(lines: list[Line]) -> bool:
    """OCR output that suggests the page is upside down (or turned): few words, low confidence."""
    confs = [w.confidence for line in lines for w in line.words]
    return not confs or sum(confs) / len(confs) < SUSPECT_CONFIDENCE


def _osd(im: Image.Image, probe: Path, job: PageJob, *, written: bool = False) -> int:
    """Degrees to turn the page clockwise, 0 unless OSD is confident."""
    if not written:
        (im if im.mode == "L" else im.convert("L")).save(probe, compression="raw")
    rotation, conf = tesseract.orientation(probe, tessdata=job.tessdata, timeout=min(job.timeout, 60))
    return rotation if rotation and conf >= OSD_MIN_CONFIDENCE else 0
