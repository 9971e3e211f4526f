"""Signer block: how a page read and a zone re-read of the same block are combined."""

from __future__ import annotations

from pipeline.extract.signer import SignerRead, _merge
from pipeline.extract.zones import Segment
from pipeline.models import Line, Word


def _read(name: str, conf: float) -> SignerRead:
    seg = Segment(Line((Word(name, (400.0, 700.0, 520.0, 712.0), conf * 100),)), 1)
    title = Segment(Line((Word("CHỦ TỊCH", (420.0, 600.0, 500.0, 612.0)),)), 1)
    return SignerRead([("CHỦ TỊCH", 0.95, title)], (name, conf, seg))


def test_reads_a_tone_mark_apart_take_the_one_that_is_a_name():
    """Regression (real scan): page 'Trần Hoàng Tuần', zone 'Trần Hoàng Tuấn' went to review."""
    got = _merge(_read("Trần Hoàng Tuần", 0.9), _read("Trần Hoàng Tuấn", 0.85))
    assert got.name is not None and got.name[0] == "Trần Hoàng Tuấn" and got.name[1] == 0.85


def test_reads_that_are_both_names_or_differ_in_letters_still_go_to_review():
    got = _merge(_read("Trần Hoàng Tuấn", 0.9), _read("Trần Hoàng Tuân", 0.85))  # a mark apart, both names
    assert got.name is not None and got.name[1] <= 0.5
    got = _merge(_read("Lê Văn Minh", 0.9), _read("Lê Văn Linh", 0.85))
    assert got.name is not None and got.name[1] <= 0.5


def test_agreeing_reads_gain_confidence():
    got = _merge(_read("Trần Hoàng Tuấn", 0.8), _read("Trần Hoàng Tuấn", 0.7))
    assert got.name is not None and abs(got.name[1] - 0.95) < 1e-9
