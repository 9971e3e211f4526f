"""Digits written by hand into a page's blanks, from MNIST digits no digit classifier trained on.

Each digit is a held-out MNIST sample (`digittraining.mnist('heldout')`, real handwriting), written in
the Vietnamese form of 1 and 7 most of the time, slanted, given a ballpoint's stroke width and set
beside the previous one with a gap that is sometimes negative (touching digits, as on real scans).
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageFilter

from pipeline.extract import digittraining


@functools.cache
def _heldout() -> dict[int, np.ndarray]:
    images, labels = digittraining.mnist("heldout")
    return {d: images[labels == d] for d in range(10)}


def _digit(d: int, height: int, rng: np.random.Generator) -> np.ndarray:
    pool = _heldout()[d]
    m = digittraining.mnist_mask(pool[rng.integers(len(pool))], size=4 * height)
    if rng.random() < 0.8:
        m = digittraining.viet_form(m, d, rng)
    ys, xs = np.nonzero(m)
    m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    shear = rng.uniform(-0.3, 0.05)  # most hands lean right
    im = Image.fromarray(m.astype(np.uint8) * 255)
    pad = int(abs(shear) * im.height) + 2
    im = im.transform((im.width + 2 * pad, im.height), Image.Transform.AFFINE,
                      (1, shear, -shear * im.height / 2 - pad, 0, 1, 0), Image.Resampling.BILINEAR)
    f = height / im.height
    im = im.resize((max(2, round(im.width * f)), height), Image.Resampling.BILINEAR)
    out = np.asarray(im) > 100
    pen = max(2, round(height * rng.uniform(0.08, 0.13)))  # a ballpoint or felt pen at 300 dpi: 4-8 px
    width = digittraining._stroke(out)
    if width < pen:
        out = np.asarray(Image.fromarray(out.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(
            2 * ((pen - width) // 2) + 1))) > 0
    ys, xs = np.nonzero(out)
    return out[:, xs.min():xs.max() + 1] if len(xs) else out


def write(text: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """An ink mask of the digits of `text` written `height` pixels tall, side by side."""
    parts = [_digit(int(c), round(height * rng.uniform(0.9, 1.05)), rng) for c in text if c.isdigit()]
    if not parts:
        return np.zeros((height, 1), dtype=bool)
    h = max(p.shape[0] for p in parts) + height // 4
    gaps = [round(rng.uniform(-0.06, 0.3) * height) for _ in parts[1:]]
    width = sum(p.shape[1] for p in parts) + sum(gaps) + 2
    canvas = np.zeros((h, max(width, 2)), dtype=bool)
    x = 0
    for i, p in enumerate(parts):
        y = int(rng.integers(0, h - p.shape[0] + 1))  # a wavering baseline
        canvas[y:y + p.shape[0], x:x + p.shape[1]] |= p
        x += p.shape[1] + (gaps[i] if i < len(gaps) else 0)
    return canvas


def paste(page: Image.Image, mask: np.ndarray, x: int, bottom: int, ink: tuple[int, int, int]) -> None:
    """Draw `mask` in `ink` on `page` with its left edge at `x` and its lowest ink at `bottom` (pixels);
    edges softened as a scanned pen stroke is."""
    alpha = Image.fromarray(mask.astype(np.uint8) * 235).filter(ImageFilter.GaussianBlur(0.7))
    colour = Image.new(page.mode, alpha.size, ink if page.mode == "RGB" else round(sum(ink) / 3))
    page.paste(colour, (x, bottom - mask.shape[0]), alpha)
