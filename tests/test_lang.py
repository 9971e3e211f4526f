"""The Vietnamese lexicon and the language model's corrections, on strings."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.lang import correct, lexicon


def mend(text: str, **kw: object) -> str:
    return " ".join(correct.correct(text.split(), **kw)[0])  # type: ignore[arg-type]


def test_lexicon_knows_syllables_words_and_places_from_the_packages():
    lx = lexicon.load()
    assert lx.known("quyết") and lx.known("nhiệm") and not lx.known("chuân") and not lx.known("quyét")
    assert ("bổ", "nhiệm") in lx.words and ("phổ", "thông") in lx.words and ("phố", "thông") not in lx.words
    assert lx.log_freq("có") > lx.log_freq("cố") > lx.log_freq("bỗ")
    assert ("quang", "ngai") in lx.places  # by letters: a misread mark still matches
    assert "chuẩn" in lx.variants("chuân") and "biểu" in lx.variants("biêu")


def test_old_tone_placement_is_one_key_with_the_new():
    lx = lexicon.load()
    assert lexicon.key("hoà") == lexicon.key("Hòa".lower()) == "hòa"
    assert lexicon.key("UỶ") == "ủy" and lx.known("thuỷ")
    assert mend("công tác hoà giải") == "công tác hoà giải"  # a word as printed stays as printed


def test_non_words_get_the_tone_mark_variant_that_fits():
    assert mend("Về việc chuân bị cho năm học mới") == "Về việc chuẩn bị cho năm học mới"
    assert mend("biêu dương khen thưởng") == "biểu dương khen thưởng"
    assert mend("Về việc bỗ nhiệm cán bộ") == "Về việc bổ nhiệm cán bộ"
    assert mend("Điều 1. Phê duyệt kê hoạch") == "Điều 1. Phê duyệt kế hoạch"


def test_real_words_replaced_only_where_the_context_says_so():
    assert mend("trường trung học phố thông") == "trường trung học phổ thông"
    assert mend("ứng phó sự có tràn dầu") == "ứng phó sự cố tràn dầu"
    assert mend("ghi nhận sự có mặt của đại biểu") == "ghi nhận sự có mặt của đại biểu"  # 'có mặt' is a word
    assert mend("đã có ý kiến về việc này") == "đã có ý kiến về việc này"
    assert mend("có trách nhiệm rà soát, cập nhật") == "có trách nhiệm rà soát, cập nhật"  # rare, but a word


def test_a_confidently_read_real_word_is_not_replaced_by_context():
    words = ["tổ", "chức", "kỳ", "thi", "năm", "nay"]
    assert correct.correct(words, confidences=[96.0] * len(words))[0] == words


def test_names_are_never_corrected():
    # 'Bô' and 'Bỗ' would be mended as common words; capitalised inside a sentence they are names
    assert mend("Về việc bô nhiệm ông Nguyễn Văn Bô giữ chức") == "Về việc bổ nhiệm ông Nguyễn Văn Bô giữ chức"
    assert mend("bà Lê Thị Bỗ") == "bà Lê Thị Bỗ"
    assert mend("Trần Thị Bích Hạnh") == "Trần Thị Bích Hạnh"  # a signer's name line, sentence start or not
    assert mend("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGẢI") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGẢI"  # a place: letters known


def test_capitals_are_mended_and_keep_their_case():
    assert mend("QUYÉT ĐỊNH") == "QUYẾT ĐỊNH"
    assert mend("Chuân bị hồ sơ") == "Chuẩn bị hồ sơ"  # first word of a sentence: a non-word is mended
    assert mend("UBND TTHC QĐ") == "UBND TTHC QĐ"  # capital abbreviations are not syllables


def test_reads_of_the_same_place_are_candidates():
    tokens = ["ứng", "phó", "sự", "cô", "tràn", "dầu"]
    reads = [[t] for t in tokens]
    reads[3] = ["cô", "cố"]
    out, changes = correct.correct(tokens, reads=reads)
    assert out[3] == "cố" and changes[0].read == "cô"


def test_correct_text_keeps_lines_and_spacing():
    text = "Về việc chuân bị\n\nkê hoạch  năm 2025"
    out, changes = correct.correct_text(text)
    assert out == "Về việc chuẩn bị\n\nkế hoạch  năm 2025" and len(changes) == 2


CODES = st.builds(lambda n, y, s: f"{n}/{y}/{s}", st.integers(1, 9999), st.integers(1990, 2030),
                  st.sampled_from(["QĐ-UBND", "NĐ-CP", "TTr-SNV", "UBND-TTHC", "CT-UBND", "KH-UBND"]))
WORDS = st.sampled_from(["chuân", "bị", "biêu", "bỗ", "nhiệm", "phố", "thông", "sự", "có", "QUYÉT", "ĐỊNH", "số",
                         "ngày", "tháng", "năm", "kê", "hoạch", "Về", "việc", "Số:", "12/2024/QĐ-UBND", "(Dằn",
                         "đầu),", "05/01/2025", "000.00.20.H27-240126-0001", "V/v", "-", "2021-2026", "1.", "a)"])
TOKENS = st.lists(st.one_of(CODES, WORDS, st.builds(lambda w, p: w + p, WORDS, st.sampled_from([",", ".", ";", ":"]))),
                  min_size=1, max_size=14)


@settings(max_examples=150, deadline=None)
@given(TOKENS)
def test_correction_never_changes_digits_punctuation_or_letters_of_codes(tokens):
    out, _ = correct.correct(tokens)
    assert len(out) == len(tokens)
    for a, b in zip(tokens, out, strict=True):
        if any(c.isdigit() for c in a) or re.search(r"\w[/\-.]\w", a):
            assert b == a  # a code or number is never touched
        assert re.sub(r"\w", "", a) == re.sub(r"\w", "", b)  # punctuation as read
        assert lexicon.skeleton(a) == lexicon.skeleton(b)  # only marks may change, never letters


def test_language_modules_import_first_in_a_fresh_interpreter() -> None:
    """Regression: `pipeline.lang.lexicon` imported before `pipeline.extract` was a circular import
    (lexicon → extract.syllables → extract/__init__ → summary → lang.correct → lexicon)."""
    for module in ("pipeline.lang.lexicon", "pipeline.lang.correct", "pipeline.lang.syllables"):
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
