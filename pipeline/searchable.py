"""The searchable PDF: each input page's image under Tesseract's invisible text, as PDF/A-2b.

Page images are kept as they came wherever possible (the original PDF page, or the JPEG/PNG/TIFF
bytes through img2pdf, which embeds without re-encoding); only pages that had to be turned,
deskewed or upscaled get the corrected image. Tesseract's text-only PDF page (`textonly_pdf=1`)
is placed over each OCR'd page with pikepdf, its words mended as text.txt's are where they match the
words read (`searchable_text`); no PDF operators are written by hand.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import img2pdf
import pikepdf
from PIL import ImageCms

from pipeline import __version__, searchable_text
from pipeline.fulltext import MendedPage
from pipeline.ocr import PageOcr
from pipeline.pages import PagePlan

log = logging.getLogger(__name__)


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _image_pdf(data: bytes | Path, dpis: Sequence[int | None]) -> pikepdf.Pdf:
    """The image (every frame of a TIFF) as PDF pages, frame k laid out at dpis[k] (unknown: the
    image's own dpi when none is known, else the first known one)."""
    known = [d for d in dpis if d]
    layout = _per_frame_layout([d or known[0] for d in dpis]) if known else None
    src = str(data) if isinstance(data, Path) else data
    return pikepdf.open(io.BytesIO(img2pdf.convert(src, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)))


def _per_frame_layout(dpis: list[int]) -> Callable[..., tuple[float, ...]]:
    """img2pdf asks its layout function once per frame, in order: frame k is laid out at dpis[k], so a
    scan whose frames were taken at different resolutions keeps each page's real size."""
    frames = iter(dpis)

    def layout(width_px: int, height_px: int, native: tuple[float, float]) -> tuple[float, ...]:
        d = next(frames, dpis[-1])
        return img2pdf.get_fixed_dpi_layout_fun((d, d))(width_px, height_px, native)

    return layout


def _base_pdf(source: Path, media_type: str, plans: Sequence[PagePlan]) -> tuple[pikepdf.Pdf, bool]:
    """A PDF with one page per input page carrying the untouched input images, and whether it
    does (False: blank placeholders that every page's corrected image must replace)."""
    if media_type == "application/pdf":
        return pikepdf.open(source), True
    try:
        pdf = _image_pdf(source, [plan.dpi for plan in plans])
        if len(pdf.pages) == len(plans):
            return pdf, True
        pdf.close()
    except Exception as e:  # img2pdf refuses some inputs (alpha channels, odd TIFF compressions)
        log.info("img2pdf cannot embed %s as is (%s); corrected page images are used", source.name, e)
    pdf = pikepdf.new()
    for plan in plans:
        pdf.add_blank_page(page_size=(plan.width, plan.height))
    return pdf, False


def build(
    source: Path,
    media_type: str,
    plans: Sequence[PagePlan],
    ocr: dict[int, PageOcr],
    out: Path,
    *,
    title: str,
    pdfa: bool = True,
    mended: Mapping[int, MendedPage] | None = None,
) -> Path:
    """Write the two-layer PDF to `out`. `ocr` maps page numbers to OCR results; `mended` page numbers
    to text.txt's words, which the invisible layer takes where it matches them (`searchable_text`)."""
    pdf, has_images = _base_pdf(source, media_type, plans)
    for plan in plans:
        result = ocr.get(plan.number)
        if result is None:
            continue  # text-layer page: the original page is already searchable
        index = plan.number - 1
        if result.replace_image or not has_images:
            image = result.pdf_image or result.image_path
            assert image is not None
            with _image_pdf(image, [result.dpi]) as img_pdf:
                pdf.pages[index] = img_pdf.pages[0]
        if result.textonly_pdf is None:
            continue
        overlay(pdf, index, result.textonly_pdf, (mended or {}).get(plan.number))
    if pdfa:
        make_pdfa(pdf, title=title)
    pdf.save(out, fix_metadata_version=True, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    pdf.close()
    return out


def overlay(pdf: pikepdf.Pdf, index: int, textonly_pdf: Path, mended: MendedPage | None = None) -> int:
    """Place Tesseract's text-only page over page `index`, its words mended as `mended` says where the
    layer matches them; the number of words mended."""
    page = pdf.pages[index]
    changed = 0
    with pikepdf.open(textonly_pdf) as text_pdf:
        formx = pdf.copy_foreign(text_pdf.pages[0].as_form_xobject())
        if mended is not None and mended.changed:
            changed = searchable_text.mend_layer(formx, mended.read, mended.words, page=index + 1)
        page.add_overlay(formx, pikepdf.Rectangle(page.cropbox))
    return changed


def make_pdfa(pdf: pikepdf.Pdf, *, title: str) -> None:
    """Declare PDF/A-2b: XMP identification, an sRGB output intent, no encryption, no JavaScript."""
    if "/OpenAction" in pdf.Root:
        del pdf.Root.OpenAction
    if "/Names" in pdf.Root and "/JavaScript" in pdf.Root.Names:
        del pdf.Root.Names.JavaScript
    icc = pdf.make_stream(_srgb_icc())
    icc.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB"),
        Info=pikepdf.String("sRGB IEC61966-2.1"),
        DestOutputProfile=icc,
    )
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title
        meta["xmp:CreatorTool"] = f"sohoa {__version__}"
        meta["pdf:Producer"] = f"sohoa {__version__} (pikepdf {pikepdf.__version__}, Tesseract)"
        meta["xmp:MetadataDate"] = now
        meta["xmp:ModifyDate"] = now
