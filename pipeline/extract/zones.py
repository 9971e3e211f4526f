"""Where the header and signer fields sit on a page, and zone re-OCR of those places.

Tesseract often joins the left column (agency, number) and the right column (national title, date) of
one baseline into a single line; `segments` splits lines at wide gaps so each column is read alone.
Zone re-OCR crops the page image around a field, whitens red and blue ink (seals, stamps, signatures)
and OCRs the crop again with a page-segmentation mode suited to a block or a single line.
"""

from __future__ import annotations

import functools
import logging
import math
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from pipeline import layout, preprocess, tesseract
from pipeline.errors import SohoaError
from pipeline.locks import PDFIUM
from pipeline.models import BBox, Line, PageText

log = logging.getLogger(__name__)

COLUMN_GAP = layout.COLUMN_GAP
SEAL_DENSITY = 0.15  # ink share of a blob's box: seals over a title 0.39, signature strokes 0.02-0.05 (real-dev)


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
    out = [Segment(piece, page.number) for line in page.lines for piece in layout.split(line, gap)]
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
        mask |= preprocess.red_ink(a)
    if blue:
        mask |= (b - r > 30) & (b - g > 10)
    a[mask] = 255
    grey = (0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]).clip(0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L")


def crop_zone(page: PageText, bbox: BBox, *, dpi: int | None = None) -> tuple[Image.Image, float] | None:
    """RGB image of one zone (points) and its pixels per point, with the pixels OCR read: scanned pages
    crop `image_path`, or the unchanged PDF page rendered as OCR rendered it. Text-layer pages render
    the zone from `pdf_path` with form fields and annotations drawn, because signing systems stamp the
    number and day into the PDF as widgets the text layer does not hold."""
    x0, y0 = max(0.0, bbox[0]), max(0.0, bbox[1])
    x1, y1 = min(page.width, bbox[2]), min(page.height, bbox[3])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    crop = None
    if page.dpi:
        k = page.dpi / 72.0
        box = (int(x0 * k), int(y0 * k), int(x1 * k), int(y1 * k))
        if page.image_path is not None and Path(page.image_path).exists():
            crop = _decoded(Path(page.image_path), Path(page.image_path).stat().st_mtime).crop(box)
        elif page.method == "ocr" and page.pdf_path is not None and Path(page.pdf_path).exists():
            crop = _OPEN_PAGES.crop(Path(page.pdf_path), page.number, page.dpi, box)
    if crop is not None:
        if dpi and dpi != page.dpi:
            f = dpi / page.dpi  # type: ignore[operator]
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


class _OpenPages:
    """Unchanged PDF pages kept open while extraction crops them.

    One page is cropped a dozen times (number, date, summary, signer zones). PDFium keeps an open page's
    decoded image, so each crop after the first renders only its own pixels (~1-4 ms) where rendering
    the whole page costs ~0.1 s. The crop is pixel for pixel the region of OCR's render (same scale,
    clipped on whole pixels; tested). `release` closes a document's pages once its extraction is done.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._open: OrderedDict[tuple[str, int, int], tuple[pdfium.PdfDocument, pdfium.PdfPage]] = OrderedDict()

    def crop(self, pdf: Path, number: int, dpi: int, box: tuple[int, int, int, int]) -> Image.Image | None:
        k = dpi / 72.0
        with PDFIUM:
            try:
                page = self._page(pdf, number)
                width, height = math.ceil(page.get_width() * k), math.ceil(page.get_height() * k)
                x0, y0, x1, y1 = box
                # pypdfium2 takes the crop in points and rounds it up to pixels: aim half a pixel short
                crop = ((x0 - 0.5) / k, (height - y1 - 0.5) / k, (width - x1 - 0.5) / k, (y0 - 0.5) / k)
                return page.render(scale=k, crop=crop, may_draw_forms=True).to_pil().convert("RGB")
            except (pdfium.PdfiumError, OSError, IndexError, ValueError) as e:  # a zone is only extra evidence
                log.info("page %d could not be rendered again: %s", number, e)
                return None

    def _page(self, pdf: Path, number: int) -> pdfium.PdfPage:
        key = (str(pdf), pdf.stat().st_mtime_ns, number)
        if key in self._open:
            self._open.move_to_end(key)
            return self._open[key][1]
        doc = pdfium.PdfDocument(pdf)
        try:
            page = doc[number - 1]
        except BaseException:
            doc.close()
            raise
        self._open[key] = (doc, page)
        while len(self._open) > self.size:
            self._close(next(iter(self._open)))
        return page

    def _close(self, key: tuple[str, int, int]) -> None:
        doc, page = self._open.pop(key)
        page.close()
        doc.close()

    def release(self, pdfs: set[str]) -> None:
        with PDFIUM:
            for key in [k for k in self._open if k[0] in pdfs]:
                self._close(key)


# Room for the first and last page of two documents extracted at once (each holds its decoded image,
# ~26 MB for an A4 colour page at 300 dpi); a third document's pages evict the oldest, which is reopened.
_OPEN_PAGES = _OpenPages(size=4)


def release(pages: list[PageText]) -> None:
    """Close the PDF pages kept open for cropping `pages` (call when their extraction is done)."""
    _OPEN_PAGES.release({str(p.pdf_path) for p in pages if p.pdf_path is not None})


def _render_pdf_zone(pdf: Path, number: int, box: BBox, dpi: int) -> tuple[Image.Image, float] | None:
    k = dpi / 72.0
    with PDFIUM:
        doc = pdfium.PdfDocument(str(pdf))
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
        except (pdfium.PdfiumError, IndexError, ValueError) as e:
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
            image = Path(tmp) / "zone.tif"
            crop.save(image, compression="raw")  # PNG's deflate cost more than Tesseract's read of the zone
            out = tesseract.run(image, Path(tmp) / "zone", language=language, tessdata=tessdata, psm=psm,
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
    over = labels[inner[1]:inner[3], inner[0]:inner[2]]
    for idx, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        ys, xs = sl
        if (ys.stop - ys.start) <= 2.5 * h * k or (xs.stop - xs.start) <= 2.5 * h * k:
            continue  # letters and marks, not a seal
        # a seal or stamp is a dense shape; a signature's long thin stroke only spans a large box
        if (labels[sl] == idx).mean() >= SEAL_DENSITY and (over == idx).any():
            return True
    return False
