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
from pipeline.models import Line

log = logging.getLogger(__name__)

OSD_MIN_CONFIDENCE = 2.0


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
    image_path: Path | None = None  # upright, level RGB/gray JPEG for extraction zones
    replace_image: bool = False  # searchable PDF must use image_path instead of the original page image
    warnings: list[str] = field(default_factory=list)


def load_image(job: PageJob) -> tuple[Image.Image, int]:
    """The page as a Pillow image and its dpi (PDF pages are rendered at the OCR dpi)."""
    try:
        if job.media_type == "application/pdf":
            pdf = pdfium.PdfDocument(job.source)
            try:
                page = pdf[job.number - 1]
                bitmap = page.render(scale=job.ocr_dpi / 72, may_draw_forms=True)
                im = bitmap.to_pil()
                return preprocess.to_rgb_or_gray(im.copy()), job.ocr_dpi
            finally:
                pdf.close()
        with Image.open(job.source) as src:
            src.seek(job.frame)
            src.load()
            im = ImageOps.exif_transpose(src) if job.media_type == "image/jpeg" else src.copy()
            return preprocess.to_rgb_or_gray(im), job.native_dpi or 300
    except SohoaError:
        raise
    except Exception as e:
        raise CorruptFileError(f"page {job.number}: {type(e).__name__}: {e}"[:200]) from e


def ocr_page(job: PageJob) -> PageOcr:
    base = job.work_dir / f"p{job.number:06d}"
    im, dpi = load_image(job)
    warnings: list[str] = []
    changed = job.force_image

    if dpi < job.min_output_dpi:
        changed = True
    im, dpi = preprocess.upscale(im, dpi, job.ocr_dpi)

    rotation = 0
    if job.detect_orientation:
        probe = base.with_name(base.name + "-osd.png")
        small = im.convert("L")
        small.save(probe)
        rotation, conf = tesseract.orientation(probe, tessdata=job.tessdata, timeout=min(job.timeout, 60))
        probe.unlink(missing_ok=True)
        if rotation and conf >= OSD_MIN_CONFIDENCE:
            im = im.rotate(-rotation, expand=True)
            changed = True
        else:
            rotation = 0

    skew = preprocess.estimate_skew(im) if job.deskew else 0.0
    if abs(skew) >= preprocess.SKEW_MIN_DEGREES:
        im = preprocess.deskew(im, skew)
        changed = True
    else:
        skew = 0.0

    ocr_input = base.with_name(base.name + "-ocr.pgm" if im.mode == "L" else base.name + "-ocr.ppm")
    im.save(ocr_input)
    image_path = base.with_name(base.name + "-page.jpg")
    im.save(image_path, quality=85 if changed else 92, dpi=(dpi, dpi))
    try:
        out = tesseract.run(ocr_input, base, language=job.language, tessdata=job.tessdata, dpi=dpi,
                            outputs=("tsv", "pdf"), timeout=job.timeout)
    finally:
        ocr_input.unlink(missing_ok=True)
    warnings += out.warnings
    lines = parse_tsv(out.tsv, dpi) if out.tsv else []
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
        warnings=warnings,
    )
