"""Two small, independent digit classifiers for handwritten numbers and days.

Tesseract's models are trained on print and misread handwriting ("O4" for 01), so a handwritten value
is read by an ensemble. Two members live here, trained at first use in about a second, from data
shipped inside packages (nothing is downloaded):
- `uci`: an SVM on scikit-learn's bundled `load_digits` (1,797 handwritten digits, 8×8 counts of a
  32×32 bitmap, UCI optdigits);
- `fonts`: an SVM on digits rendered from the system's TrueType fonts, slanted, rotated, elastically
  distorted and thickened or thinned so they look handwritten, plus the handwriting forms fonts lack
  (a 7 with a cross-bar, a 1 as a plain stroke or with a long flag).
Both take a boolean ink mask of one digit. Without scikit-learn or SciPy they are unavailable and
every handwritten value is left to a person. Training costs seconds per process, so a trained model is
also kept under the user's cache folder as plain arrays (`Svm`, an .npz file: no pickle), keyed by the
scikit-learn version and this module's source (a stale or unreadable file is simply trained again);
SOHOA_MODEL_CACHE=0 turns that off. A run that finds its models cached never imports scikit-learn.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

log = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts"))
_FONT_HINTS = ("DejaVuSans", "DejaVuSerif", "DejaVuSansMono", "NotoSans-", "NotoSerif-", "NotoSansMono",
               "LiberationSans", "LiberationSerif", "FreeSans", "FreeSerif", "DroidSans")


@functools.cache
def available() -> bool:
    """Whether scikit-learn and SciPy are installed: found, not imported. SciPy's ndimage (~0.3 s) is
    imported when a blank turns out to hold handwriting; scikit-learn (~1 s) only to train a model."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("sklearn", "scipy"))


def deslant(mask: np.ndarray) -> np.ndarray:
    """Shear a digit upright by its second moments (handwriting slants; the training sets less so)."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 5:
        return mask
    yc, xc = ys.mean(), xs.mean()
    var_y = ((ys - yc) ** 2).mean()
    if var_y <= 0:
        return mask
    skew = max(-1.0, min(1.0, ((xs - xc) * (ys - yc)).mean() / var_y))
    h, w = mask.shape
    pad = int(abs(skew) * h) + 2
    out = np.zeros((h, w + 2 * pad), dtype=bool)
    nx = np.clip(np.round(xs - skew * (ys - yc)).astype(int) + pad, 0, w + 2 * pad - 1)
    out[ys, nx] = True
    from scipy import ndimage

    return ndimage.binary_closing(out, structure=np.ones((1, 2)))


def normalise(mask: np.ndarray, size: int = 32) -> np.ndarray:
    """Ink mask → `size`×`size` float image (0–1): deslanted, tight crop, scaled to fit keeping the
    aspect, centred (the UCI bitmaps' convention)."""
    mask = deslant(mask)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros((size, size), dtype=np.float32)
    m = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = m.shape
    f = (size - 2) / max(h, w)
    nh, nw = max(1, round(h * f)), max(1, round(w * f))
    img = Image.fromarray((m * 255).astype(np.uint8)).resize((nw, nh), Image.Resampling.BOX)
    out = np.zeros((size, size), dtype=np.float32)
    oy, ox = (size - nh) // 2, (size - nw) // 2
    out[oy:oy + nh, ox:ox + nw] = np.asarray(img, dtype=np.float32) / 255.0
    return out


def _thicken(norm: np.ndarray, target: float = 3.0) -> np.ndarray:
    """Bring the stroke width of a normalised digit near `target` pixels (pens and scans differ)."""
    from scipy import ndimage

    on = norm > 0.35
    if not on.any():
        return norm
    edge = on & ~ndimage.binary_erosion(on)
    width = 2.0 * on.sum() / max(1, edge.sum())
    if width < target - 0.8:
        on = ndimage.binary_dilation(on, iterations=max(1, round((target - width) / 2)))
    elif width > target + 2.5:
        on = ndimage.binary_erosion(on, iterations=1)
    return on.astype(np.float32)


def uci_features(mask: np.ndarray) -> np.ndarray:
    """8×8 counts (0–16) of a 32×32 bitmap: the `load_digits` representation."""
    b = _thicken(normalise(mask, 32)) > 0.5
    return b.reshape(8, 4, 8, 4).sum(axis=(1, 3)).astype(np.float64).ravel()


def font_features(mask: np.ndarray) -> np.ndarray:
    """16×16 grey image plus the aspect ratio (a 1 is thin)."""
    n = _thicken(normalise(mask, 32))
    small = n.reshape(16, 2, 16, 2).mean(axis=(1, 3)).ravel()
    ys, xs = np.nonzero(mask)
    aspect = (np.ptp(xs) + 1) / (np.ptp(ys) + 1) if len(xs) else 0.0
    return np.concatenate([small, [min(aspect, 2.0)]])


def cache_dir() -> Path | None:
    """Where trained models are kept between processes; None when caching is off."""
    if os.environ.get("SOHOA_MODEL_CACHE", "1") in ("0", "", "off"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sohoa" / "digitmodels"


@dataclass(frozen=True)
class Svm:
    """A fitted RBF-kernel `sklearn.svm.SVC` as arrays, with its `decision_function` (one-vs-rest shape)
    in numpy: loading and using a cached model imports nothing of scikit-learn (~1 s of CPU a run)."""

    support_vectors: np.ndarray  # (n_sv, n_features), grouped by class in class order
    dual_coef: np.ndarray  # (n_classes - 1, n_sv), libsvm's layout
    intercept: np.ndarray  # (n_classes * (n_classes - 1) / 2,), one per pair (i, j), i < j
    n_support: np.ndarray  # (n_classes,)
    gamma: float

    @classmethod
    def of(cls, clf: object) -> Svm:
        c: Any = clf
        if c.kernel != "rbf" or list(c.classes_) != list(range(len(c.classes_))):
            raise ValueError(f"an RBF SVC over the classes 0..n-1 is needed, not {c.kernel!r} over {c.classes_}")
        return cls(c.support_vectors_, c.dual_coef_, c.intercept_, c.n_support_, float(c._gamma))

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """As scikit-learn's: one-vs-one decisions, then votes plus squashed summed confidences."""
        sq = (x * x).sum(1)[:, None] + (self.support_vectors ** 2).sum(1)[None, :] - 2 * x @ self.support_vectors.T
        k = np.exp(-self.gamma * np.maximum(sq, 0))
        bounds = np.concatenate([[0], np.cumsum(self.n_support)])
        n = len(self.n_support)
        votes, conf = np.zeros((len(x), n)), np.zeros((len(x), n))
        pair = 0
        for i in range(n):
            si = slice(bounds[i], bounds[i + 1])
            for j in range(i + 1, n):
                sj = slice(bounds[j], bounds[j + 1])
                dec = k[:, si] @ self.dual_coef[j - 1, si] + k[:, sj] @ self.dual_coef[i, sj] + self.intercept[pair]
                votes[:, i] += dec >= 0
                votes[:, j] += dec < 0
                conf[:, i] += dec
                conf[:, j] -= dec
                pair += 1
        return votes + conf / (3 * (np.abs(conf) + 1))

    def save(self, file: BinaryIO) -> None:
        np.savez(file, support_vectors=self.support_vectors, dual_coef=self.dual_coef, intercept=self.intercept,
                 n_support=self.n_support, gamma=np.float64(self.gamma))

    @classmethod
    def load(cls, path: Path) -> Svm:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["support_vectors"], z["dual_coef"], z["intercept"], z["n_support"], float(z["gamma"]))


@functools.cache  # constant in a process; `preload` and `cached` both ask (a font-folder walk each)
def _cache_key(name: str) -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(name.encode())
    if name == "fonts":
        h.update("\n".join(str(p) for p in _fonts()).encode())
    return f"{name}-sklearn{importlib.metadata.version('scikit-learn')}-{h.hexdigest()[:16]}.npz"


def cached(name: str, train: Callable[[], Svm]) -> Svm:
    """`train()`'s model, loaded from the on-disk cache when present, stored there after training."""
    folder = cache_dir()
    path = folder / _cache_key(name) if folder is not None else None
    if path is not None and path.exists():
        try:
            return Svm.load(path)
        except Exception as e:  # a truncated or foreign file: train again
            log.info("model cache %s unreadable: %s", path.name, e)
    model = train()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
                model.save(tmp)
            os.replace(tmp.name, path)  # atomic: a parallel worker never reads half a file
            for stale in path.parent.glob(f"{name}-*"):  # models of earlier versions (and pickles)
                if stale != path and stale.suffix in (".npz", ".pkl"):
                    stale.unlink(missing_ok=True)
        except OSError as e:
            log.info("cannot cache model %s: %s", name, e)
    return model


def preload() -> None:
    """Load the cached models now (reading a few hundred kB of arrays), for a caller with a core idle now
    and busy later; a model not cached yet is left to be trained at its first use, as before."""
    folder = cache_dir()
    if not available() or folder is None:
        return
    for name, load in (("uci", _uci_model), ("fonts", _font_model)):
        if (folder / _cache_key(name)).exists():
            load()


@functools.cache
def _uci_model() -> Svm:
    return cached("uci", _train_uci)


def _train_uci() -> Svm:
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    d = load_digits()
    return Svm.of(SVC(gamma=0.001, C=10).fit(d.data, d.target))


def _fonts() -> list[Path]:
    found: list[Path] = []
    for base in FONT_DIRS:
        if base.exists():
            found += [p for p in sorted(base.rglob("*.ttf")) if any(p.name.startswith(h) for h in _FONT_HINTS)]
        if found:
            break
    return [p for p in dict.fromkeys(found) if "Condensed" not in p.name and "ExtraLight" not in p.name][:40]


def _elastic(mask: np.ndarray, rng: np.random.Generator, alpha: float = 3.0, sigma: float = 4.0) -> np.ndarray:
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
    return _elastic(np.asarray(img) > 100, rng)


@functools.cache
def _font_model() -> Svm:
    return cached("fonts", _train_fonts)


def _train_fonts() -> Svm:
    from sklearn.svm import SVC

    rng = np.random.default_rng(7)
    fonts: list[ImageFont.FreeTypeFont | None] = []
    for path in _fonts():
        try:
            fonts.append(ImageFont.truetype(str(path), 72))
        except OSError:
            continue
    xs, ys = [], []
    for digit in range(10):
        for font in fonts:
            for _ in range(3):
                m = _glyph(digit, font, rng)
                if m.any():
                    xs.append(font_features(m))
                    ys.append(digit)
        if digit in (1, 4, 7):
            for _ in range(max(12, len(fonts))):
                xs.append(font_features(_glyph(digit, None, rng)))
                ys.append(digit)
    return Svm.of(SVC(gamma="scale", C=10).fit(np.array(xs), np.array(ys)))


def classify(masks: list[np.ndarray], model: str) -> list[tuple[int, float]] | None:
    """(digit, margin over the runner-up class) per mask by the `uci` or `fonts` model; None when unavailable."""
    if not masks:
        return []
    if not available():
        return None
    try:
        if model == "uci":
            clf, feats = _uci_model(), np.array([uci_features(m) for m in masks])
        else:
            clf, feats = _font_model(), np.array([font_features(m) for m in masks])
        scores = clf.decision_function(feats)
    except (ImportError, ValueError, MemoryError) as e:  # ImportError: a broken scikit-learn install
        log.info("digit classifier %s failed: %s", model, e)
        return None
    out = []
    for row in np.atleast_2d(scores):
        order = np.argsort(row)
        out.append((int(order[-1]), float(row[order[-1]] - row[order[-2]])))  # margin over the runner-up
    return out
