"""Read a handwritten (or stamped-in) number in a blank: every independent reader's digits.

The blank's crop is turned into an ink mask (dark or blue pixels; red seal ink ignored). When the
written value is blue and the print black, only the blue ink is kept. Connected components whose
centre lies inside the blank are the written value; strokes overlapping in x are one digit, a short
detached stroke (the flag of a '5') joins its neighbour, and a component wider than a digit is cut
along the least-ink path between touching digits, where the pieces read most surely as digits.

The readers: the three classifiers of `digitmodels` (MNIST handwriting, UCI handwriting, distorted
font digits) on the digit masks, and Tesseract (digit whitelist; psm 7, 8 and 13 on the cleaned mask
and the raw crop; psm 10 digit by digit), beside what the page's own OCR read there. `written.judge`
decides from their agreement how far the value is trusted.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import beside, preprocess, tesseract
from pipeline.errors import SohoaError
from pipeline.extract import digitmodels

log = logging.getLogger(__name__)


@dataclass
class DigitRead:
    """Each independent reader's digits (None: no read); `written.judge` weighs them."""

    reads: dict[str, str | None] = field(default_factory=dict)
    reason: str = ""
    blank: bool = False  # nothing written in the blank


def ink_masks(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(all writing ink, blue ink) of an RGB crop; red ink (seals, stamps) is neither."""
    a = rgb.astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    grey = (r + g + b) / 3
    red = preprocess.red_ink(a)
    blue = (b - r > 30) & (b - g > 5) & (grey < 200)
    dark = grey < min(_otsu(grey), 150)
    return (dark | blue) & ~red, blue & ~red


def _otsu(grey: np.ndarray) -> float:
    hist, edges = np.histogram(grey, bins=64, range=(0, 256))
    w = hist.cumsum()
    m = (hist * edges[:-1]).cumsum()
    total, mtotal = w[-1], m[-1]
    best, thr = -1.0, 128.0
    for i in range(1, 63):
        w0, w1 = w[i], total - w[i]
        if w0 == 0 or w1 == 0:
            continue
        between = w0 * w1 * (m[i] / w0 - (mtotal - m[i]) / w1) ** 2
        if between > best:
            best, thr = between, float(edges[i + 1])
    return thr


def segment(mask: np.ndarray, x0: float, x1: float, top: float, bottom: float, *,
            expect: int | None = None) -> list[np.ndarray]:
    """Digit masks (left to right) of the components centred in columns `x0`–`x1` (pixels) that reach
    into the printed line `top`–`bottom`. With `expect` digits (a day is written with two), stroke groups
    already that many are not cut further, and one wide group is cut in two."""
    from scipy import ndimage

    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    line_h = max(1.0, bottom - top)
    comps = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        ys, xs = sl
        h, w = ys.stop - ys.start, xs.stop - xs.start
        cx = (xs.start + xs.stop) / 2
        if not x0 <= cx <= x1 or ys.stop < top or ys.start > bottom:
            continue
        area = int((labels[sl] == i).sum())
        if h < 0.12 * line_h and w > 3 * h:  # an underline or dotted leader
            continue
        outside = max(0, (x0 - 0.5 * line_h) - xs.start) + max(0, xs.stop - (x1 + 0.5 * line_h))
        if outside > 0.3 * w:  # a rule or a neighbour's print reaching into the blank
            continue
        comps.append((xs.start, xs.stop, ys.start, ys.stop, area, i))
    if not comps:
        return []
    big = max(c[4] for c in comps)
    tall = max(c[3] - c[2] for c in comps)
    comps = [c for c in comps if c[4] >= 0.08 * big and (c[3] - c[2]) >= 0.25 * tall]
    comps.sort()
    groups: list[list[tuple[int, int, int, int, int, int]]] = []
    for c in comps:
        if groups:
            gx0, gx1 = min(g[0] for g in groups[-1]), max(g[1] for g in groups[-1])
            overlap = min(gx1, c[1]) - max(gx0, c[0])
            if overlap >= 0.45 * min(gx1 - gx0, c[1] - c[0]):
                groups[-1].append(c)
                continue
        groups.append([c])
    groups = _attach_short(groups, tall)
    out: list[np.ndarray] = []
    for g in groups:
        gx0, gx1 = min(c[0] for c in g), max(c[1] for c in g)
        gy0, gy1 = min(c[2] for c in g), max(c[3] for c in g)
        m = np.isin(labels[gy0:gy1, gx0:gx1], [c[5] for c in g])
        if expect is not None and len(groups) == expect:
            out.append(m)  # a digit with a long flag or bar ('5', '7') is wider than the rule of thumb
        elif expect == 2 and len(groups) == 1 and m.shape[1] >= 0.8 * m.shape[0]:
            out += _split(m, 2)  # two touching digits ('31'): wider than one digit is
        else:
            out += _split(m)
    return out


Comp = tuple[int, int, int, int, int, int]  # x0, x1, y0, y1, area, label


def _attach_short(groups: list[list[Comp]], tall: int) -> list[list[Comp]]:
    """A stroke group under half the tallest one's height is no digit: the detached flag of a '5' or the
    bar of a '7' (thin ink breaks on scans). It joins the nearest group beside it, or is dropped."""
    def height(g: list[Comp]) -> int:
        return max(c[3] for c in g) - min(c[2] for c in g)

    def gap(a: list[Comp], b: list[Comp]) -> int:
        return max(min(c[0] for c in b) - max(c[1] for c in a), min(c[0] for c in a) - max(c[1] for c in b))

    keep = [g for g in groups if height(g) >= 0.5 * tall]
    if not keep:
        return groups
    for g in groups:
        if height(g) >= 0.5 * tall:
            continue
        near = min(keep, key=lambda k: gap(k, g))
        if gap(near, g) <= 0.35 * tall:
            near.extend(g)
    return keep


def _split(m: np.ndarray, n: int | None = None) -> list[np.ndarray]:
    """Touching digits: cut a component wider than a digit (or into `n`) along the path between them that
    crosses the least ink, chosen where the pieces read most surely as digits (the handwriting model).
    Each piece must reach over half the height: a '5' with a long flag is wide but one digit."""
    h, w = m.shape
    auto = n is None
    if n is None:
        n = round(w / (0.62 * h)) if w > 1.05 * h else 1
    out: list[np.ndarray] = []
    rest = m
    for k in range(n, 1, -1):  # k digits left in `rest`: cut the first one off
        wr = rest.shape[1]
        c, slack = wr / k, wr / (2.2 * k)
        lo, hi = max(2, int(c - slack)), min(wr - 3, int(c + slack))  # a '1' beside a '0' is a third as wide
        cut = _cut(rest, lo, hi, last=k == 2) if hi > lo else None
        if cut is None:
            if auto and not out:
                return [m]
            break
        left, rest = cut
        out.append(left)
    out.append(rest)
    pieces = [_crop(p) for p in out if p.any()]
    if auto and len(pieces) > 1:  # a wide digit (a crossed 7, a flagged 5) reads surer whole than cut
        sure = digitmodels.sureness([m, *pieces])
        if sure and sure[0] > sum(sure[1:]) / len(pieces):
            return [m]
    return pieces


def _crop(m: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(m)
    return m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _cut(m: np.ndarray, lo: int, hi: int, *, last: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(left digit, rest) of `m` cut along the best of its least-ink top-to-bottom paths ending in columns
    `lo`–`hi`; the right piece is judged as a digit too when it is the `last`. None when no cut leaves
    two pieces over half the height."""
    h, w = m.shape
    cols = np.arange(w)[None, :]
    cands = []
    for path, ink in _paths(m, lo, hi):
        left, right = m & (cols < path[:, None]), m & (cols >= path[:, None])
        if _tall(left) and _tall(right):
            cands.append((left, right, ink))
    if not cands:
        return None
    pieces = [_crop(p) for a, b, _ in cands for p in ((a, b) if last else (a,))]
    sure = digitmodels.sureness(pieces) if len(cands) > 1 else None
    if not sure:
        return min(cands, key=lambda c: c[2])[:2]
    per = 2 if last else 1
    score = [min(sure[per * i:per * i + per]) - c[2] / h for i, c in enumerate(cands)]
    best = cands[int(np.argmax(score))]
    return best[0], best[1]


STEP_COST = 0.25  # of a sideways step, in ink pixels: a path leans only to go round ink, as a slant does


def _paths(m: np.ndarray, lo: int, hi: int) -> list[tuple[np.ndarray, float]]:
    """Top-to-bottom paths through `m` (one column step per row at most) crossing the least ink, one per
    end column in `lo`–`hi`, distinct, with the ink pixels each crosses (a slanted gap is followed)."""
    h, w = m.shape
    ink = m.astype(np.float64)
    cost = np.full(w, np.inf)
    cost[lo:hi + 1] = ink[0, lo:hi + 1]
    back = np.zeros((h, w), dtype=np.int64)
    idx = np.arange(w)
    for r in range(1, h):
        moves = np.stack([np.r_[np.inf, cost[:-1]] + STEP_COST, cost, np.r_[cost[1:], np.inf] + STEP_COST])
        choice = np.argmin(moves, axis=0)
        back[r] = idx + choice - 1
        cost = moves[choice, idx] + ink[r]
        cost[:lo] = np.inf
        cost[hi + 1:] = np.inf
    seen, out = set(), []
    for x in range(lo, hi + 1):
        path = np.empty(h, dtype=np.int64)
        path[-1] = x
        for r in range(h - 1, 0, -1):
            path[r - 1] = back[r, path[r]]
        key = path.tobytes()
        if key not in seen:
            seen.add(key)
            out.append((path, float(cost[x])))
    return out


def _tall(piece: np.ndarray) -> bool:
    """Whether a piece's ink spans over half the height (a digit, not a flag or a tail)."""
    rows = np.nonzero(piece.any(axis=1))[0]
    return len(rows) > 0 and rows[-1] - rows[0] >= 0.5 * piece.shape[0]


def _compose(parts: list[np.ndarray], height: int) -> Image.Image:
    """The digit masks side by side, black on white, each scaled to `height`, with margins."""
    tiles = []
    for m in parts:
        ys, xs = np.nonzero(m)
        m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        f = height / m.shape[0]
        img = Image.fromarray(np.where(m, 0, 255).astype(np.uint8))
        tiles.append(img.resize((max(2, round(m.shape[1] * f)), height), Image.Resampling.LANCZOS))
    gap, pad = height // 5, height // 2
    out = Image.new("L", (sum(t.width for t in tiles) + gap * (len(tiles) - 1) + 2 * pad, height + 2 * pad), 255)
    x = pad
    for t in tiles:
        out.paste(t, (x, pad))
        x += t.width + gap
    return out


def _digit_lang(tessdata: Path | None, language: str) -> str:
    try:
        return "eng" if "eng" in tesseract.languages(tessdata) else language
    except SohoaError:
        return language


def _batch(images: list[Image.Image], psm: int, tmp: Path, lang: str, tessdata: Path | None,
           timeout: float) -> list[str] | None:
    """Digit strings of several images from one Tesseract process (a list file; pages split at form
    feeds): the model loads once instead of once per image. None when the output cannot be split."""
    names = []
    for i, img in enumerate(images):
        png = tmp / f"p{psm}_{i}.png"
        img.save(png)
        names.append(str(png))
    listing = tmp / f"list{psm}.txt"
    listing.write_text("\n".join(names) + "\n", encoding="utf-8")
    try:
        out = tesseract.run(listing, tmp / f"out{psm}", language=lang, tessdata=tessdata, psm=psm, dpi=300,
                            outputs=("txt",), timeout=timeout * max(1, len(images)),
                            config={"tessedit_char_whitelist": "0123456789"})
    except SohoaError as e:
        log.info("digit OCR failed: %s", e)
        return None
    pages = out.txt.split("\f")  # a separator between pages, also around empty ones
    if len(pages) != len(images):
        return None
    return [re.sub(r"\D", "", p) for p in pages]


def _single(images: list[Image.Image], psm: int, tmp: Path, lang: str, tessdata: Path | None,
            timeout: float) -> list[str]:
    reads = []
    for i, img in enumerate(images):
        png = tmp / f"s{psm}_{i}.png"
        img.save(png)
        try:
            out = tesseract.run(png, tmp / f"s{psm}_{i}", language=lang, tessdata=tessdata, psm=psm, dpi=300,
                                outputs=("txt",), timeout=timeout, config={"tessedit_char_whitelist": "0123456789"})
        except SohoaError as e:
            log.info("digit OCR failed: %s", e)
            continue
        reads.append(re.sub(r"\D", "", out.txt))
    return reads


def tesseract_passes(images: list[Image.Image], psms: tuple[int, ...], *, language: str = "vie",
                     tessdata: Path | None = None, timeout: float = 30) -> dict[int, list[str]]:
    """Per psm, the digit string of each image (whitelist 0–9), one Tesseract process per psm."""
    lang = _digit_lang(tessdata, language)

    def one(psm: int, tmp: Path) -> list[str]:
        got = _batch(images, psm, tmp, lang, tessdata, timeout) if len(images) > 1 else None
        return got if got is not None else _single(images, psm, tmp, lang, tessdata, timeout)

    # one process per psm, side by side (files are named by psm): short runs, mostly model loading
    with tempfile.TemporaryDirectory(prefix="sohoa-digits-") as tmp, ThreadPoolExecutor(max(1, len(psms))) as pool:
        futures = {psm: beside.submit(pool, one, psm, Path(tmp)) for psm in psms}
        return {psm: f.result() for psm, f in futures.items()}


def tesseract_reads(images: list[Image.Image], *, language: str = "vie", tessdata: Path | None = None,
                    timeout: float = 30, psms: tuple[int, ...] = (7, 8, 13)) -> list[str]:
    """Digit strings from several Tesseract passes (whitelist 0–9; psm 7, 8, 13), image by image."""
    passes = tesseract_passes(images, psms, language=language, tessdata=tessdata, timeout=timeout)
    return [r for i in range(len(images)) for psm in psms for r in passes[psm][i:i + 1]]


def _majority(reads: list[str], need: int) -> str | None:
    counted = Counter(r for r in reads if r)
    if not counted:
        return None
    (value, n), *rest = counted.most_common(2)
    return value if n >= need and (not rest or rest[0][1] < n) else None


def per_digit_reads(parts: list[np.ndarray], **kw: object) -> str | None:
    """Each digit alone, as a single character (psm 10) at two scales; both must agree."""
    if not parts:
        return None
    images = [img for m in parts for img in (_compose([m], 48), _compose([m], 72))]
    reads = tesseract_passes(images, (10,), **kw)[10]  # type: ignore[arg-type]
    if len(reads) != len(images):
        return None
    out = []
    for i in range(len(parts)):
        got = _majority(reads[2 * i:2 * i + 2], 2)
        if not got or len(got) != 1:
            return None
        out.append(got)
    return "".join(out)


def read_blank(img: Image.Image, x0: float, x1: float, top: float, bottom: float, *,
               max_digits: int = 4, expect: int | None = None, page_read: str | None = None,
               keep: Callable[[list[np.ndarray]], list[np.ndarray] | None] | None = None,
               language: str = "vie", tessdata: Path | None = None, timeout: float = 30) -> DigitRead:
    """Read the digits written in columns `x0`–`x1` (pixels of `img`) of a printed line at `top`–`bottom`;
    `page_read` is what the page's own OCR read there (when it read digits), kept as one more read.
    `keep` picks the digits among the marks (a date's slashes dropped), None when they cannot be it."""
    if not digitmodels.available():
        return DigitRead(reason="digit classifiers unavailable (scikit-learn/SciPy missing)")
    rgb = np.asarray(img.convert("RGB"))
    ink, blue = ink_masks(rgb)
    parts = segment(ink, x0, x1, top, bottom, expect=expect)
    if not parts:
        return DigitRead(reason="blank left empty", blank=True)
    ink_px = max(1, sum(int(p.sum()) for p in parts))
    blue_share = sum(int(p.sum()) for p in segment(blue, x0, x1, top, bottom)) / ink_px
    if blue_share > 0.6:  # blue pen: print and stray black ink are not the value
        parts = segment(blue, x0, x1, top, bottom, expect=expect)
    picked = keep(parts) if keep is not None else parts
    if picked is None:
        return DigitRead(reason=f"{len(parts)} marks in the blank: not the expected shape")
    parts = picked
    if len(parts) > max_digits:
        return DigitRead(reason=f"{len(parts)} marks in the blank: not a number")
    reads: dict[str, str | None] = {}
    mnist = digitmodels.classify_sure(parts)  # its digits and their sureness from one pass of the model
    for model, got in (("mnist", mnist[0] if mnist else None), ("uci", digitmodels.classify(parts, "uci")),
                       ("fonts", digitmodels.classify(parts, "fonts"))):
        reads[model] = "".join(str(d) for d, _ in got) if got and min(m for _, m in got) >= 0.3 else None
    sure = mnist[1] if mnist and reads["mnist"] else None
    reads["mnist_sure"] = f"{min(sure):.2f}" if sure else None  # how surely its least sure digit was read
    line_h = max(8.0, bottom - top)
    raw = img.convert("L").crop((int(x0), int(max(0, top - line_h)), int(x1), int(min(img.height, bottom + line_h))))
    raw = raw.point(lambda v: 0 if v < 150 else 255)
    with ThreadPoolExecutor(1) as pool:  # Tesseract's two kinds of read at once
        each = beside.submit(pool, per_digit_reads, parts, language=language, tessdata=tessdata, timeout=timeout)
        tess = tesseract_reads([_compose(parts, 56), raw], language=language, tessdata=tessdata,
                               timeout=timeout)
        reads["tesseract"] = _majority(tess, 3)
        reads["tesseract_digits"] = each.result()
    reads["page"] = page_read if page_read and page_read.isdigit() else None
    if not any(reads.values()):
        return DigitRead(reads, reason="no read of the handwriting")
    return DigitRead(reads)
