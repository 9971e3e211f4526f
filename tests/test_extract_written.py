"""Values written into blanks: locating the blank, reading digits, judging agreement (synthetic crops)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.extract import blanks, digitmodels, digits, written
from pipeline.extract.zones import occluded
from pipeline.models import Line, PageText, Word

pytestmark = pytest.mark.skipif(not digitmodels.available(), reason="scikit-learn/SciPy not installed")

FONTS = Path("/usr/share/fonts/truetype/dejavu")
DPI = 150
K = DPI / 72


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONTS / name
    if not path.exists():
        pytest.skip(f"{name} not installed")
    return ImageFont.truetype(str(path), size)


def w(text: str, x0: float, x1: float, top: float = 100, conf: float = 95) -> Word:
    return Word(text, (x0, top, x1, top + 12), conf)


def test_blank_between_anchor_words() -> None:
    b = blanks.number_blank([w("Số:", 100, 118), w("/QĐ-UBND", 150, 210)])
    assert b is not None and b.x0 == pytest.approx(118) and b.x1 == pytest.approx(150)


def test_blank_inside_a_word_tesseract_glued_to_the_handwriting() -> None:
    words = [w("Quảng", 300, 335), w("Ngãi,", 338, 366), w("ngày4†tháng", 370, 440), w("01", 444, 456)]
    b = blanks.day_blank(words)
    assert b is not None
    scale = blanks.em_scale(words)
    assert scale is not None
    # printed parts measured in the line's font, from the box edge on their own side
    assert b.x0 == pytest.approx(370 + blanks.advance("ngày") * scale)
    assert b.x1 == pytest.approx(440 - blanks.advance("tháng") * scale)
    assert b.x0 < b.x1


def test_glued_day_blank_starts_where_narrow_italic_ngay_ends() -> None:
    """Real scans (doc21-like): 'ngày' 13 pt italic is ~26 pt wide, narrower than 4 median characters; the
    blank must start at its end, not 10–18 pt further right where the first handwritten digit stands."""
    # Times italic 13 pt: 1 unit = 0.013 pt; words as Tesseract boxes them (ink width ≈ advance width)
    k = 0.013
    words = [w("Quảng", 298, 298 + blanks.advance("Quảng") * k), w("Ngãi,", 338, 338 + blanks.advance("Ngãi,") * k),
             w("ngày17tháng", 373, 450, conf=53), w("01", 455, 467), w("năm", 472, 472 + blanks.advance("năm") * k),
             w("2025", 499, 527)]
    b = blanks.day_blank(words)
    assert b is not None
    ngay_end = 373 + blanks.advance("ngày") * k
    thang_start = 450 - blanks.advance("tháng") * k
    assert b.x0 == pytest.approx(ngay_end, abs=1.0)
    assert b.x1 == pytest.approx(thang_start, abs=1.0)
    # the old estimate (median character width × 1.1) started the blank well inside the first digit
    assert 373 + 4 * blanks.char_width(words) * 1.1 - b.x0 > 4


def test_typed_number_glued_to_the_symbol_stays_out_of_the_symbol() -> None:
    """'Số: 12/QĐ-UBND' read as 'Số:' + '12/QĐ-UBND': the blank ends after the digits, not in '/Q'."""
    k = 0.013  # 13 pt: boxes as wide as the words' advance widths
    words = [w("Số:", 100, 100 + blanks.advance("Số:") * k),
             w("12/QĐ-UBND", 122, 122 + blanks.advance("12/QĐ-UBND") * k, conf=91)]
    b = blanks.number_blank(words)
    assert b is not None and b.x1 == pytest.approx(122 + blanks.advance("12") * k, abs=0.5)


def test_a_slash_in_the_handwriting_is_not_the_symbol_slash() -> None:
    """Synthetic scans: Tesseract read handwriting as 'Ý⁄ˆ' or '©#/'; the blank ended at that slash and
    the second digit was cut off ('12' read as '1')."""
    words = [w("Số:", 109, 126), w("Ý⁄ˆ", 136, 156, conf=51), w("/QĐ-UBND", 166, 229, conf=88)]
    b = blanks.number_blank(words)
    assert b is not None and b.x1 == pytest.approx(166)


def test_no_blank_without_anchor() -> None:
    assert blanks.day_blank([w("Quảng", 300, 335), w("Ngãi", 338, 366)]) is None


def number_line(digits_text: str | None, *, colour: tuple[int, int, int] = (30, 40, 170)) -> tuple[Image.Image, Path]:
    """'Số: __ /QĐ-UBND' at 150 dpi with `digits_text` written in the blank in a slanted pen-like font."""
    img = Image.new("RGB", (int(300 * K), int(60 * K)), "white")
    d = ImageDraw.Draw(img)
    serif = font("DejaVuSerif.ttf", int(13 * K))
    d.text((20 * K, 20 * K), "Số:", fill="black", font=serif)
    d.text((80 * K, 20 * K), "/QĐ-UBND", fill="black", font=serif)
    if digits_text:
        d.text((44 * K, 14 * K), digits_text, fill=colour, font=font("DejaVuSans-Oblique.ttf", int(18 * K)))
    return img, Path()


def page_with(img: Image.Image, tmp_path: Path) -> PageText:
    png = tmp_path / "page.png"
    img.save(png)
    line = Line((Word("Số:", (20, 22, 40, 35), 95), Word("/QĐ-UBND", (80, 22, 150, 35), 90)))
    return PageText(1, 300, 60, "ocr", [line], png, DPI)


def test_blue_digits_in_the_blank_are_read(tmp_path: Path) -> None:
    img, _ = number_line("07")
    page = page_with(img, tmp_path)
    got = written.read(page, list(page.lines[0].words), "number")
    assert got is not None
    assert got.value == "07"


def test_blank_left_empty_is_null_and_says_so(tmp_path: Path) -> None:
    img, _ = number_line(None)
    page = page_with(img, tmp_path)
    got = written.read(page, list(page.lines[0].words), "number")
    assert got is not None and got.value is None
    assert "blank" in got.reason


def test_segment_splits_touching_digits_and_keeps_strokes_together() -> None:
    mask = np.zeros((60, 120), dtype=bool)
    mask[10:50, 10:14] = True  # a '1'
    mask[10:50, 30:34] = True  # a '7': stem …
    mask[10:14, 22:40] = True  # … and top bar overlapping it
    parts = digits.segment(mask, 0, 120, 10, 50)
    assert len(parts) == 2


def read(mnist: str | None, uci: str | None, fonts: str | None, tess: str | None) -> digits.DigitRead:
    return digits.DigitRead({"mnist": mnist, "uci": uci, "fonts": fonts, "tesseract": tess,
                             "tesseract_digits": None, "page": None})


def test_judge_accepts_by_the_measured_rate_of_the_agreement_pattern() -> None:
    value, conf, reason = written.judge(read("23", "23", "23", "23"), "number", typed=False)
    assert (value, reason) == ("23", "") and conf >= written.ACCEPT
    assert written.measured("++++") >= written.ACCEPT  # from the held-out table, not set by hand
    value, conf, reason = written.judge(read("23", "13", None, None), "number", typed=False)
    assert value == "23" and conf < 0.8 and "disagree" in reason  # shown, but flagged
    value, conf, reason = written.judge(read(None, None, "23", None), "number", typed=False)
    assert conf < 0.8 and reason  # one reader alone


def test_judge_applies_decree_30_forms() -> None:
    assert written.judge(read("054", "054", None, None), "number", typed=False)[0] is None  # '0' only before 1–9
    assert written.judge(read("45", "45", None, None), "day", typed=False)[0] is None
    assert written.judge(read("45", "15", "15", None), "day", typed=False)[0] == "15"  # the plausible rival
    value, conf, _ = written.judge(read("4", "4", "4", "4"), "day", typed=False)
    assert conf < 0.8  # a handwritten day below 10 is written '04': a digit may be lost
    value, conf, _ = written.judge(read("4", "4", "4", "4"), "day", typed=False, padded=False)
    assert value == "4" and conf >= 0.8  # before Circular 01/2011 days were not padded


def test_tesseract_reads_count_as_one_opinion() -> None:
    ops = written.opinions({"tesseract": "51", "tesseract_digits": "51", "page": "51"})
    assert ops["tesseract"] == "51"
    assert written.opinions({"tesseract": "1", "tesseract_digits": "51", "page": None})["tesseract"] == "?"
    assert written.opinions({"tesseract": "1", "tesseract_digits": "51", "page": "51"})["tesseract"] == "51"
    assert written.pattern({"mnist": "51", "uci": "57", "fonts": None, "tesseract": "51"}, "51") == "+-0+"


def test_inserted_digits_are_judged_by_their_own_measurements() -> None:
    value, conf, reason = written.judge(read("507", "507", "507", "507"), "number", typed=True)
    assert (value, reason) == ("507", "") and conf >= written.ACCEPT
    value, conf, reason = written.judge(read("503", "503", "503", "507"), "number", typed=True)
    assert conf < 0.8 and reason == "reads of the inserted digits disagree"  # the font model and Tesseract part
    value, _, _ = written.judge(read("8", "8", "8", "8"), "day", typed=True)
    assert value == "8"  # no rule of the hand for typed digits


def test_a_printed_six_the_handwriting_models_read_as_five() -> None:
    """Synthetic city committee: a printed '06/QĐ-UBND' (one word, so no blank) went to the blank reader;
    the MNIST and UCI models read '05', the font model and Tesseract '06'. Judged as handwriting '05' won;
    as printed digits the font model and Tesseract agreeing were right on every measured value."""
    got = read("05", "05", "06", "06")
    assert written.judge(got, "number", typed=True)[:2] == ("06", 1.0)
    assert written.judge(got, "number", typed=False)[1] < 0.8


def test_dark_seal_over_title_is_detected(tmp_path: Path) -> None:
    img = Image.new("RGB", (int(400 * K), int(300 * K)), "white")
    d = ImageDraw.Draw(img)
    bold = font("DejaVuSerif-Bold.ttf", int(13 * K))
    d.text((200 * K, 100 * K), "PHÓ CHỦ TỊCH", fill="black", font=bold)
    clean = tmp_path / "clean.png"
    img.save(clean)
    d.ellipse((150 * K, 95 * K, 250 * K, 195 * K), outline="black", width=int(6 * K))
    d.ellipse((175 * K, 120 * K, 225 * K, 170 * K), fill="black")
    sealed = tmp_path / "sealed.png"
    img.save(sealed)
    box = (200.0, 100.0, 300.0, 114.0)
    assert not occluded(PageText(1, 400, 300, "ocr", [], clean, DPI), box)
    assert occluded(PageText(1, 400, 300, "ocr", [], sealed, DPI), box)


def test_signature_stroke_beside_the_title_is_no_seal_over_it(tmp_path: Path) -> None:
    """Real-dev doc02, doc21, doc25: the red seal was faded, but the signature's long dark stroke,
    whose box spans the title, flagged correct titles as 'a seal or stamp lies over the title'."""
    img = Image.new("RGB", (int(400 * K), int(300 * K)), "white")
    d = ImageDraw.Draw(img)
    d.text((200 * K, 100 * K), "CHỦ TỊCH", fill="black", font=font("DejaVuSerif-Bold.ttf", int(13 * K)))
    d.line((170 * K, 190 * K, 330 * K, 80 * K), fill="black", width=int(1.5 * K))  # passes right of the title
    d.line((180 * K, 175 * K, 215 * K, 150 * K), fill="black", width=int(1.5 * K))
    signed = tmp_path / "signed.png"
    img.save(signed)
    assert not occluded(PageText(1, 400, 300, "ocr", [], signed, DPI), (200.0, 100.0, 265.0, 114.0))


def test_day_digits_touching_or_wide_are_two() -> None:
    """A day is written with two digits: '31' touching is cut in two; '1' and a '5' with a long flag stay two."""
    mask = np.zeros((80, 140), dtype=bool)
    mask[20:70, 30:58] = True  # '3'
    mask[20:70, 58:62] = True  # touching stroke
    mask[20:70, 62:80] = True  # '1'
    assert len(digits.segment(mask, 20, 100, 25, 65, expect=2)) == 2
    wide = np.zeros((80, 160), dtype=bool)
    wide[20:70, 30:40] = True  # '1'
    wide[20:70, 60:70] = True  # '5' stem …
    wide[20:24, 60:122] = True  # … with a long top flag: wider than tall, but its flag is no digit
    assert len(digits.segment(wide, 20, 140, 25, 65)) == 2
    assert len(digits.segment(wide, 20, 140, 25, 65, expect=2)) == 2


def test_detached_flag_of_a_five_joins_it() -> None:
    """Real scan (doc06-like): the thin flag of a handwritten '5' broke off; it was read as a third digit
    ('054', not a plausible number) instead of joining its '5'."""
    mask = np.zeros((80, 200), dtype=bool)
    mask[20:70, 30:36] = mask[20:26, 30:50] = mask[44:50, 30:60] = True  # a '0'-ish then a '5' body …
    mask[20:70, 90:96] = mask[44:70, 90:120] = True  # … the '5' stem and bowl
    mask[18:24, 124:150] = True  # … and its flag, detached, a short stroke at the top right
    parts = digits.segment(mask, 20, 180, 25, 65)
    assert len(parts) == 2


def test_preload_loads_cached_models_and_trains_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI preloads while its server boots: cached models are loaded, a missing one is left to its
    first use (training there would cost seconds for a run that may read no handwriting)."""
    from pipeline import extract

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    models = (digitmodels._uci_model, digitmodels._font_model, digitmodels._mnist_model)
    for model in models:
        model.cache_clear()
    extract.preload()
    assert all(m.cache_info().currsize == 0 for m in models), "nothing cached yet: nothing trained"
    digitmodels.classify([np.ones((20, 10), dtype=bool)], "uci")  # trains and caches the UCI model
    digitmodels._uci_model.cache_clear()
    extract.preload()
    assert [m.cache_info().currsize for m in models] == [1, 0, 0]
    for model in models:
        model.cache_clear()  # the other tests' models come from the user's cache again


@pytest.mark.parametrize("gamma", [0.001, "scale"])  # the uci and fonts models' settings
def test_svm_arrays_decide_as_scikit_learn_does(gamma: float | str) -> None:
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    d = load_digits()
    clf = SVC(gamma=gamma, C=10).fit(d.data[:1000], d.target[:1000])
    want = clf.decision_function(d.data[1000:])
    got = digitmodels.Svm.of(clf).decision_function(d.data[1000:])
    assert np.allclose(got, want, rtol=0, atol=1e-9)


def test_a_cached_model_is_read_back_and_used_without_importing_scikit_learn(tmp_path: Path) -> None:
    """Regression: loading the pickled SVMs imported scikit-learn in every run (~1 s of CPU)."""
    import subprocess
    import sys

    folder = tmp_path / "sohoa" / "digitmodels"
    folder.mkdir(parents=True)
    (folder / "uci-sklearn1.0-0123456789abcdef.pkl").write_bytes(b"an earlier version's model")
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = ("import sys, numpy as np; from pipeline.extract import digitmodels as m; "
            "print(m.classify([np.ones((20, 6), dtype=bool)], 'uci')[0][0], 'sklearn' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[1] == "True"  # trained here, with scikit-learn
    assert again.stdout.split() == [first.stdout.split()[0], "False"]  # the same digit, from the .npz alone
    assert [p.suffix for p in folder.iterdir()] == [".npz"]  # the earlier version's file is gone
