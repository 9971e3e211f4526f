"""Page-image clean-up before OCR: colour, orientation, skew, resolution, and the gray page Tesseract reads.

Pure image functions (Pillow + numpy); orientation detection itself is Tesseract's OSD, called
from `pipeline.ocr`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

SKEW_MIN_DEGREES = 0.5  # below this Tesseract copes; resampling would blur the page and re-encode it
SKEW_MAX_DEGREES = 6.0


def to_rgb_or_gray(im: Image.Image) -> Image.Image:
    """Keep colour (seals, signatures) but drop alpha, palettes, 16-bit modes and colour that is not there."""
    if im.mode == "L":
        return im
    if im.mode in ("1", "I;16", "I", "F"):
        return im.convert("L")
    if im.mode in ("RGBA", "LA", "P", "PA") and ("A" in im.getbands() or "transparency" in im.info):
        rgba = im.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, "white")
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = im if im.mode == "RGB" else im.convert("RGB")
    return rgb if has_colour(rgb) else rgb.convert("L")


def has_colour(im: Image.Image) -> bool:
    """Whether any pixel's channels differ.

    A gray scan inside a PDF renders as RGB with three equal channels. Tesseract reads it exactly as
    the gray page (the luma of equal channels is that channel), in ~70 % of the time and half the
    memory, so such pages are handed on as gray; any colour at all keeps the page RGB (what is archived
    and what zone re-reads crop; Tesseract's own input is made gray by `for_tesseract`).
    """
    r, g, b = im.split()
    return ImageChops.difference(r, g).getbbox() is not None or ImageChops.difference(g, b).getbbox() is not None


SEAL_MIN_MM = 15.0  # official round seals are 30-42 mm across; smaller red blobs are ink, marks or text
SEAL_MAX_MM = 60.0  # larger 'red' is a tinted page (a pink land certificate), whose red print must stay
SEAL_ASPECT = (0.6, 1.7)  # round (or oval); a line of red text (a red title, 'KHẨN') is much wider
SEAL_CORNER_INK = 0.15  # share of a blob's ink outside the ellipse inscribed in its box: ~0 for a ring


def for_tesseract(im: Image.Image, dpi: int) -> Image.Image:
    """The page as Tesseract should read it: one gray channel, red seals faded to the paper.

    Tesseract recognises a colour page from its luma anyway, where a red seal is as dark as the text
    under it and breaks the signer block's lines; three channels only cost it time (1.40 → 1.13 s a
    page). Inside round red blobs (seals) the red channel is used instead, which keeps black and blue ink
    dark and fades red ink (synthetic sealed pages: CER 0.016 → 0.004; real scans: the title and name
    under the seal come back). Red text elsewhere (urgency marks, certificate titles) is kept. Only
    Tesseract's input changes; the archived page image keeps its colour.
    """
    if im.mode != "RGB":
        return im if im.mode == "L" else im.convert("L")
    gray = im.convert("L")
    for box in seal_boxes(im, dpi):
        gray.paste(im.crop(box).getchannel("R"), box[:2])
    return gray


def red_ink(a: np.ndarray) -> np.ndarray:
    """Mask of strongly red pixels (seal and stamp ink) of an int16 RGB array."""
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return (r - np.maximum(g, b) > 40) & (r > 110)


def seal_boxes(im: Image.Image, dpi: int) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (padded) of round red blobs SEAL_MIN_MM to SEAL_MAX_MM across: official seals.

    Round, not only square-ish: a digital-signature stamp or a framed stamp is a red rectangle whose
    text (signing body, time) must still be read, and its frame runs through the corners of its box.
    """
    from scipy import ndimage

    f = 4
    red = red_ink(np.asarray(im.reduce(f)).astype(np.int16))
    if red.sum() < 50:
        return []
    # close the small gaps in a seal's ring and letters, not the gaps between lines of red print
    joined = ndimage.binary_closing(red, structure=np.ones((3, 3)), iterations=max(1, round(dpi / f / 25.4 / 2)))
    labels, _ = ndimage.label(joined)
    least, most = (mm / 25.4 * dpi / f for mm in (SEAL_MIN_MM, SEAL_MAX_MM))
    pad = round(2 / 25.4 * dpi)
    out = []
    for label, (ys, xs) in enumerate(ndimage.find_objects(labels), start=1):
        h, w = ys.stop - ys.start, xs.stop - xs.start
        if min(h, w) < least or max(h, w) > most or not SEAL_ASPECT[0] <= w / h <= SEAL_ASPECT[1]:
            continue
        if _outside_ellipse(labels[ys, xs] == label) > SEAL_CORNER_INK:
            continue
        out.append((max(0, xs.start * f - pad), max(0, ys.start * f - pad),
                    min(im.width, xs.stop * f + pad), min(im.height, ys.stop * f + pad)))
    return out


def _outside_ellipse(mask: np.ndarray) -> float:
    h, w = mask.shape
    yy, xx = np.ogrid[:h, :w]
    r2 = ((xx + 0.5 - w / 2) / (w / 2)) ** 2 + ((yy + 0.5 - h / 2) / (h / 2)) ** 2
    return float(mask[r2 > 1.1**2].sum()) / max(1, int(mask.sum()))


def upscale(im: Image.Image, dpi: int, target_dpi: int) -> tuple[Image.Image, int]:
    """Low-resolution scans are upscaled to ~target dpi: Tesseract reads ~10 px capitals badly."""
    if dpi >= target_dpi * 0.9:
        return im, dpi
    factor = target_dpi / dpi
    size = (round(im.width * factor), round(im.height * factor))
    return im.resize(size, Image.Resampling.LANCZOS), target_dpi


@dataclass(frozen=True)
class LineProfile:
    """What the ink's projection profiles say about a page, for ~0.05 s of numpy.

    `horizontal`/`vertical` measure how sharply the ink falls into lines running left→right or
    top→bottom (sum of squares of the best projection relative to ink spread evenly: 1 = no lines).
    A page whose lines run left→right is upright or upside down, so Tesseract's OSD (a second pass of
    ~0.6 s per page) is only needed when that is not clear, or when OCR comes back unreadable.
    """

    skew: float  # degrees, positive: text lines rise to the right
    horizontal: float
    vertical: float

    @property
    def lines_horizontal(self) -> bool:
        return self.horizontal >= HORIZONTAL_MARGIN * self.vertical


HORIZONTAL_MARGIN = 1.15


def line_profile(im: Image.Image) -> LineProfile | None:
    """Skew and line direction by projection profiles; None when the page has almost no ink.

    Ink pixels of a ~1000 px wide copy are projected on the vertical axis for candidate angles;
    the angle whose profile is sharpest (largest sum of squares) aligns the text lines. The same on
    the horizontal axis tells lines that run top→bottom (a page turned by 90°).
    """
    gray = im.convert("L")
    scale = 1000 / max(gray.width, 1)
    if scale < 1:
        # A box reduce by a whole factor first: bilinear straight from 300 dpi took 14 ms a page, both
        # steps 8 ms; the skews measured on test pages were the same to the 0.05° step.
        size = (1000, max(1, round(gray.height * scale)))
        if gray.width >= 2000:
            gray = gray.reduce(gray.width // 1000)
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    a = np.asarray(gray, dtype=np.uint8)
    ys, xs = np.nonzero(a < 128)
    if len(ys) < 500:
        return None
    if len(ys) > 150_000:
        pick = np.random.default_rng(0).choice(len(ys), 150_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - a.shape[1] / 2
    n = float(len(ys))

    def score(along: np.ndarray, across: np.ndarray, deg: float) -> float:
        t = np.deg2rad(deg)
        proj = along * np.cos(t) + across * np.sin(t)
        hist = np.bincount((proj - proj.min()).astype(np.int64))
        return float(np.dot(hist, hist)) * len(hist) / (n * n)

    coarse = np.arange(-SKEW_MAX_DEGREES, SKEW_MAX_DEGREES + 0.01, 0.5)
    best = max(coarse, key=lambda d: score(ys, xs, d))
    fine = np.arange(best - 0.5, best + 0.51, 0.05)
    best = max(fine, key=lambda d: score(ys, xs, d))
    vertical = max(score(xs, ys, d) for d in coarse)
    return LineProfile(round(float(best), 2), score(ys, xs, best), vertical)


def estimate_skew(im: Image.Image) -> float:
    """Skew angle in degrees (positive: text lines rise to the right); 0 for a page without ink."""
    profile = line_profile(im)
    return profile.skew if profile else 0.0


def deskew(im: Image.Image, angle: float) -> Image.Image:
    """Rotate by `angle` (from `estimate_skew`) so the lines are level; white fill."""
    fill = 255 if im.mode == "L" else (255, 255, 255)
    return im.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)
