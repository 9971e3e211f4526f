"""The one module that decodes QR codes and barcodes (zxing-cpp, wheels from PyPI, no system library).

- `version()` probes the library once (None when it cannot be imported: codes are extra evidence,
  a run never fails for want of them).
- `decode()` is the single decode seam over a page image; tests patch that one name.
- Failures are sorted: an image the decoder cannot take (odd mode, empty) → no codes and an info
  line; a symbol found but damaged (checksum, format) → kept with its error and no text to trust;
  anything else from the library → no codes and a warning, never an exception out of extraction.

Cost: scanned pages are decoded at `DECODE_DPI` (150): a QR code printed on a receipt decodes there in
~30 ms on an A4 page, a page without a code costs ~20 ms (quiet machine; `FORMATS` says which
symbologies are searched and why not all).
Nothing decoded here is logged: codes hold citizens' ID numbers and names.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from PIL import Image

from pipeline.models import BBox, PageText

log = logging.getLogger(__name__)

DECODE_DPI = 150
# Receipts and chip ID cards carry QR codes. Each further symbology costs a page without codes about as
# much again (DataMatrix, PDF417 ~+50 % each, all formats ~8×): add one here when a paper needs it.
FORMATS = "QRCode,MicroQRCode"
FULL_DPI = 300  # second pass for pages that should carry a code and showed none at DECODE_DPI


@dataclass(frozen=True)
class Code:
    """One symbol found on a page: its raw text, never trusted as an identifier by itself."""

    format: str  # 'QRCode', 'DataMatrix', 'PDF417', 'Code128', …
    text: str
    page: int
    bbox: BBox  # points from the page's top-left corner
    valid: bool = True  # False: a symbol was found but did not decode cleanly (`error` says why)
    error: str = ""


@functools.cache
def version() -> str | None:
    """'3.1.1', or None when zxing-cpp cannot be imported (logged once)."""
    try:
        import zxingcpp
    except ImportError as e:
        log.warning("zxing-cpp is not installed (%s): QR codes are not read; pip install zxing-cpp", e)
        return None
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("zxing-cpp")
    except PackageNotFoundError:
        return str(getattr(zxingcpp, "__version__", "unknown"))


@functools.cache
def _formats() -> object:
    import zxingcpp

    return zxingcpp.barcode_formats_from_str(FORMATS)


def decode(image: Image.Image, *, page: int, points_per_pixel: float) -> list[Code]:
    """Every code on `image` (one page, or a zone of it whose origin is the page's), in page points."""
    if version() is None:
        return []
    import zxingcpp

    try:
        grey = image if image.mode == "L" else image.convert("L")
        found = zxingcpp.read_barcodes(grey, formats=_formats(), return_errors=True)
    except (ValueError, TypeError) as e:  # an image the decoder cannot take
        log.info("page %d: image not decodable for codes: %s", page, e)
        return []
    except Exception as e:  # the library's own failure: the page simply has no codes for us
        log.warning("page %d: code decoder failed: %s", page, type(e).__name__)
        return []
    out = []
    for b in found:
        p = b.position
        xs = [pt.x for pt in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
        ys = [pt.y for pt in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
        box = (min(xs) * points_per_pixel, min(ys) * points_per_pixel,
               max(xs) * points_per_pixel, max(ys) * points_per_pixel)
        fmt = str(b.format).replace(" ", "")
        if b.valid:
            out.append(Code(fmt, b.text, page, box))
        else:
            out.append(Code(fmt, "", page, box, valid=False, error=str(b.error)[:200]))
    return out


def decode_page(page: PageText, *, dpi: int = DECODE_DPI) -> list[Code]:
    """Codes on one page, from the pixels OCR read (or the rendered PDF page for a text layer)."""
    from pipeline.extract import zones

    got = zones.crop_zone(page, (0.0, 0.0, page.width, page.height), dpi=dpi)
    if got is None:
        return []
    img, k = got
    return decode(img, page=page.number, points_per_pixel=1.0 / k)
