"""A scanned PDF page taken as its one JPEG, decoded as it is instead of rendered.

Most scanner PDFs draw one JPEG over the whole page. Rendering such a page at the OCR resolution
decodes that JPEG and resamples it onto a page-sized bitmap (60-90 ms a page in a worker); when the
JPEG is already at that resolution the render is the JPEG again, so it is decoded directly (~15 ms).
Anything more on the page and it is rendered as before: an annotation (a digital signature's visible
stamp is one), text or drawing, a second image, a mask or decode array, another colour space, a crop,
or a JPEG at another resolution.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pikepdf
from PIL import Image

log = logging.getLogger(__name__)

SIZE_SLACK_PX = 2  # a scanner rounds the page size to whole points; pdfium rounds the render to pixels
PLACEMENT_SLACK_PT = 0.5
_PAINT_OPERATORS = {"q", "Q", "cm", "Do"}
_MASKS = ("/SMask", "/Mask", "/Decode", "/ImageMask", "/SMaskInData")


def full_page_jpeg(path: Path, number: int, dpi: int) -> Image.Image | None:
    """Page `number` (1-based) as its JPEG at `dpi`, or None when the page must be rendered."""
    try:
        with pikepdf.open(path) as pdf:
            found = _only_jpeg(pdf.pages[number - 1], dpi)
        if found is None:
            return None
        data, size = found
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception as e:  # a damaged stream is the renderer's to judge (and to report)
        log.debug("page %d of %s rendered: %s", number, path.name, e)
        return None
    # The frame header must agree with the dictionary, as for pdfium (which would scale it to fit).
    return im if im.mode in ("L", "RGB") and im.size == size else None


def _only_jpeg(page: pikepdf.Page, dpi: int) -> tuple[bytes, tuple[int, int]] | None:
    """The raw JPEG and its size when the page paints exactly that image over its whole box at
    `dpi`, else None."""
    if page.obj.get("/Annots") or page.obj.get("/Rotate", 0) % 360:
        return None
    box = [float(v) for v in page.mediabox]
    if any(abs(a - float(b)) > PLACEMENT_SLACK_PT for a, b in zip(box, page.cropbox, strict=True)):
        return None
    names = []
    matrix = None
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op not in _PAINT_OPERATORS:
            return None
        if op == "cm":
            if matrix is not None:
                return None
            matrix = [float(v) for v in operands]
        elif op == "Do":
            names.append(operands[0])
    if len(names) != 1 or matrix is None:
        return None
    x0, y0, x1, y1 = box
    want = [x1 - x0, 0.0, 0.0, y1 - y0, x0, y0]
    if any(abs(a - b) > PLACEMENT_SLACK_PT for a, b in zip(matrix, want, strict=True)):
        return None
    image = page.obj.get("/Resources", {}).get("/XObject", {}).get(names[0])
    if image is None or image.get("/Subtype") != "/Image" or any(k in image for k in _MASKS):
        return None
    filters = image.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[0] if len(filters) == 1 else None
    if filters != "/DCTDecode" or image.get("/BitsPerComponent") != 8 \
            or image.get("/ColorSpace") not in ("/DeviceGray", "/DeviceRGB"):
        return None
    width, height = int(image.Width), int(image.Height)
    if abs(width - (x1 - x0) * dpi / 72) > SIZE_SLACK_PX or abs(height - (y1 - y0) * dpi / 72) > SIZE_SLACK_PX:
        return None
    return image.read_raw_bytes(), (width, height)
