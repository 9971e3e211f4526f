"""Where the header and signer fields sit on a page, and zone re-OCR of those places.

Tesseract often joins the left column (agency, number) and the right column (national title, date) of
one baseline into a single line; `segments` splits lines at wide gaps so each column is read alone.
Zone re-OCR crops the page image around a field, whitens red and blue ink (seals, stamps, signatures)
and OCRs the crop again with a page-segmentation mode suited to a block or a single line.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import layout, tesseract
from pipeline.errors import SohoaError
from pipeline.locks import PDFIUM
from pipeline.models import BBox, Line, PageText

log = logging.getLogger(__name__)

COLUMN_GAP = 32.0  # points; wider than any word gap in justified body text at 13–14 pt


@dataclass(frozen=True)
class Segment:
    """One column-piece of a line, with its page."""

    line: Line
    page: int

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def bbox(self) -> BBox:
        return self.line.bbox

    @property
    def confidence(self) -> float:
        return self.line.confidence / 100.0

    @property
    def center_x(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def segments(page: PageText, *, gap: float = COLUMN_GAP) -> list[Segment]:
    """Lines split at horizontal gaps wider than `gap`, top to bottom."""
    out: list[Segment] = []
    for line in page.lines:
        current = [line.words[0]] if line.words else []
        for w in line.words[1:]:
            if w.bbox[0] - current[-1].bbox[2] > gap:
                out.append(Segment(Line(tuple(current)), page.number))
                current = []
            current.append(w)
        if current:
            out.append(Segment(Line(tuple(current)), page.number))
    out.sort(key=lambda s: (round(s.bbox[1] / 4), s.bbox[0]))
    return out


def is_blank(page: PageText) -> bool:
    """A page with (almost) nothing printed: a blank back, or only seal bleed-through."""
    words = [w for ln in page.lines for w in ln.words if w.confidence >= 60 and len(w.text) > 1]
    return len(words) < 8


def remove_ink(img: Image.Image, *, red: bool = True, blue: bool = True) -> Image.Image:
    """Whiten strongly red (seals, stamps) and blue (signatures, margin notes) pixels, then grey."""
    a = np.asarray(img.convert("RGB")).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mask = np.zeros(r.shape, dtype=bool)
    if red:
        mask |= (r - np.maximum(g, b) > 40) & (r > 110)
    if blue:
        mask |= (b - r > 30) & (b - g > 10)
    a[mask] = 255
    grey = (0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]).clip(0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L")


def crop_zone(page: PageText, bbox: BBox, *, dpi: int | None = None) -> tuple[Image.Image, float] | None:
    """RGB image of one zone (points) and its pixels per point. Scanned pages crop `image_path`;
    text-layer pages render the zone from `pdf_path` with form fields and annotations drawn, because
    signing systems stamp the number and day into the PDF as widgets the text layer does not hold."""
    x0, y0 = max(0.0, bbox[0]), max(0.0, bbox[1])
    x1, y1 = min(page.width, bbox[2]), min(page.height, bbox[3])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    raster = page_image(page) if page.dpi else None
    if raster is not None:
        k = page.dpi / 72.0  # type: ignore[operator]
        crop = raster.crop((int(x0 * k), int(y0 * k), int(x1 * k), int(y1 * k)))
        if dpi and dpi != page.dpi:
            f = dpi / page.dpi
            crop = crop.resize((max(1, int(crop.width * f)), max(1, int(crop.height * f))), Image.Resampling.LANCZOS)
            k *= f
        return crop, k
    if page.pdf_path is not None and Path(page.pdf_path).exists():
        return _render_pdf_zone(Path(page.pdf_path), page.number, (x0, y0, x1, y1), dpi or 300)
    return None


@functools.lru_cache(maxsize=2)
def _decoded(path: Path, mtime: float) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


@functools.lru_cache(maxsize=2)
def _rendered(pdf: Path, mtime: float, number: int, dpi: int) -> Image.Image:
    from pipeline.ocr import render_pdf_page

    return render_pdf_page(pdf, number, dpi).convert("RGB")


def page_image(page: PageText) -> Image.Image | None:
    """The RGB page image OCR read: its file, or the unchanged PDF page rendered the same way. The
    last two are kept, because one page is cropped a dozen times (number, date, summary, signer
    zones) and decoding or rendering a 300 dpi page costs more than the crop."""
    if page.image_path is not None and Path(page.image_path).exists():
        return _decoded(Path(page.image_path), Path(page.image_path).stat().st_mtime)
    if page.method == "ocr" and page.pdf_path is not None and page.dpi and Path(page.pdf_path).exists():
        try:
            return _rendered(Path(page.pdf_path), Path(page.pdf_path).stat().st_mtime, page.number, page.dpi)
        except Exception as e:  # OCR rendered this page a moment ago; a zone is only extra evidence
            log.info("page %d could not be rendered again: %s", page.number, e)
    return None


def _render_pdf_zone(pdf: Path, number: int, box: BBox, dpi: int) -> tuple[Image.Image, float] | None:
    import pypdfium2

    k = dpi / 72.0
    with PDFIUM:
        doc = pypdfium2.PdfDocument(str(pdf))
        try:
            doc.init_forms()  # before loading the page, or widgets are not drawn
            page = doc[number - 1]
            try:
                h = page.get_height()
                crop = (box[0], h - box[3], page.get_width() - box[2], box[1])  # left, bottom, right, top
                bitmap = page.render(scale=k, crop=crop, may_draw_forms=True, draw_annots=True)
                return bitmap.to_pil().convert("RGB"), k
            finally:
                page.close()
        except (pypdfium2.PdfiumError, IndexError, ValueError) as e:
            log.info("zone render failed on page %d: %s", number, e)
            return None
        finally:
            doc.close()


def zone_ocr(
    page: PageText,
    bbox: BBox,
    *,
    psm: int = 6,
    red: bool = True,
    blue: bool = True,
    scale: float = 1.0,
    whitelist: str | None = None,
    language: str = "vie",
    tessdata: Path | None = None,
    timeout: float = 60,
) -> list[Line] | None:
    """OCR one zone (points) of the page image (or of the rendered PDF page) again; lines come back in
    page points. None when there is nothing to crop or Tesseract fails (zone re-OCR only adds evidence)."""
    try:
        got = crop_zone(page, bbox)
        if got is None:
            return None
        img, k = got
        if img.width < 8 or img.height < 8:
            return None
        crop = remove_ink(img, red=red, blue=blue)
        if scale != 1.0:
            crop = crop.resize((int(crop.width * scale), int(crop.height * scale)), Image.Resampling.LANCZOS)
        config = {"tessedit_char_whitelist": whitelist} if whitelist else None
        dpi = round(k * 72 * scale)
        with tempfile.TemporaryDirectory(prefix="sohoa-zone-") as tmp:
            png = Path(tmp) / "zone.png"
            crop.save(png)
            out = tesseract.run(png, Path(tmp) / "zone", language=language, tessdata=tessdata, psm=psm,
                                dpi=dpi, outputs=("tsv",), timeout=timeout, config=config)
        x0, y0 = max(0.0, bbox[0]), max(0.0, bbox[1])
        return layout.parse_tsv(out.tsv, dpi, offset=(x0, y0))
    except (SohoaError, OSError, ValueError) as e:
        log.info("zone re-OCR failed on page %d: %s", page.number, e)
        return None


def occluded(page: PageText, box: BBox) -> bool:
    """Whether a large dark blob that is neither red nor blue (a seal on a black-and-white scan, a
    black stamp) lies over `box`: then words of the zone may be hidden even if the rest reads well."""
    h = max(4.0, min(box[3] - box[1], 20.0))
    if page.method != "ocr":
        return False
    got = crop_zone(page, (box[0] - 6 * h, box[1] - 2 * h, box[2] + 3 * h, box[3] + 5 * h), dpi=100)
    if got is None:
        return False
    img, k = got
    from scipy import ndimage

    a = np.asarray(img).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    dark = (a.mean(axis=2) < 110) & ~((r - np.maximum(g, b)) > 40) & ~((b - r) > 30)
    labels, _ = ndimage.label(ndimage.binary_closing(dark, iterations=1), structure=np.ones((3, 3)))
    # the title box in the crop, widened to the left where an authority prefix ('KT.') would stand
    inner = (int(3 * h * k), int(2 * h * k), int((box[2] - box[0] + 7 * h) * k), int((box[3] - box[1] + 2 * h) * k))
    for sl in ndimage.find_objects(labels):
        if sl is None:
            continue
        ys, xs = sl
        big = (ys.stop - ys.start) > 2.5 * h * k and (xs.stop - xs.start) > 2.5 * h * k
        if big and xs.start < inner[2] and xs.stop > inner[0] and ys.start < inner[3] and ys.stop > inner[1]:
            return True
    return False
