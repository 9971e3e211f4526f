"""Summary reads: syllable validity, word-by-word choice among reads, stamp trimming, paragraph end."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pipeline.extract import digits, header, parsers, summary
from pipeline.extract.zones import Segment
from pipeline.lang import syllables
from pipeline.models import Line, Word


def test_valid_syllables() -> None:
    for word in ("Về", "việc", "triển", "Quảng", "Ngãi", "nghèo", "khuya", "quyết", "giữa", "xoá", "Ất", "Tỵ"):
        assert syllables.valid(word), word
    for word in ("Nøãi", "Kêt", "quyêt", "Têt", "ka", "ci", "ngé", "bàá", "xyz"):
        assert syllables.valid(word) is False, word
    for token in ("UBND", "TTHC", "01/2025", "-", "2024"):
        assert syllables.valid(token) is None, token
    assert syllables.plausibility("trên địa bàn tỉnh Quảng Nøãi") == 5 / 6


@given(st.text(max_size=40))
def test_valid_never_raises(text: str) -> None:
    syllables.valid(text)
    syllables.plausibility(text)


def test_combine_picks_possible_syllable_and_flags_disagreement() -> None:
    base = [["trên", "địa", "bàn", "tỉnh", "Quảng", "Nøãi"]]
    alts = [[["trên", "địa", "bàn", "tỉnh", "Quảng", "Ngãi"]], [["trên", "địa", "bàn", "tỉnh", "Quảng", "Nøãi"]]]
    got = summary.combine(base, alts, Counter())
    assert got.text.endswith("Quảng Ngãi") and not got.agreed and got.changed == [("Nøãi", "Ngãi")]


def test_combine_prefers_the_mark_ocr_loses_and_agrees_when_all_reads_do() -> None:
    got = summary.combine([["sự", "cố", "tràn"]], [[["sự", "cô", "tràn"]], [["sự", "cô", "tràn"]]], Counter())
    assert got.text == "sự cố tràn" and got.agreed  # 'sự cố' is a dictionary word, 'sự cô' none
    same = summary.combine([["công", "bố"]], [[["công", "bố"]], [["công", "bố"]]], Counter())
    assert same.agreed and same.text == "công bố"
    assert not summary.combine([["công", "bố"]], [], Counter()).agreed  # no second read: not confirmed


def test_circumflex_tone_every_read_dropped_is_mended_by_the_lexicon_and_flagged() -> None:
    """Tesseract's `vie` drops the tone on bold circumflex vowels in every read ('bỗ nhiệm', 'phố
    thông'): the language model mends it, and the summary goes to a person since no read said so."""
    reads = [["Về", "việc", "bỗ", "nhiệm", "hiệu", "trưởng", "trường", "phố", "thông"]]
    got = summary.combine(reads, [reads, reads], Counter())
    assert got.text == "Về việc bổ nhiệm hiệu trưởng trường phổ thông"
    assert not got.agreed and ("bỗ", "bổ") in got.changed


def test_tone_mark_the_reads_lost_or_swapped_is_settled_by_the_language_model() -> None:
    """Real-dev doc21, doc01, doc25, doc18: the only place the reads disagreed on was a tone mark
    Tesseract lost or swapped on bold text; the word the language model chose is trusted."""
    page = [["Về", "việc", "miễn", "nhiệm", "Ủy", "viên", "Ủy", "ban", "nhân", "dân", "tỉnh"]]
    lost = [["Về", "việc", "miễn", "nhiệm", "Ủy", "viên", "Uy", "ban", "nhân", "dân", "tỉnh"]]
    got = summary.combine(page, [lost, page], Counter())
    assert got.agreed and got.text == "Về việc miễn nhiệm Ủy viên Ủy ban nhân dân tỉnh"  # 'Ủy ban' is no name
    swapped = [["Kết", "luận", "tại", "buỗi", "làm", "việc", "với", "Ban", "Chỉ", "đạo"]]
    got = summary.combine(swapped, [swapped, swapped], Counter())
    assert got.agreed and got.text == "Kết luận tại buổi làm việc với Ban Chỉ đạo"  # 'buỗi' is no word
    stop = [["xây", "dựng", "quy", "trình", "giải", "quyêt", "thủ", "tục"]]
    got = summary.combine(stop, [stop, stop], Counter())
    assert got.agreed and "giải quyết thủ tục" in got.text  # 'quyêt' is no syllable (stop final, no tone)


def test_tone_mark_disagreement_without_the_language_models_word_stays_flagged() -> None:
    """Real-dev doc20: 'Ất Tỵ' (a year's name) read 'Át' once: capitals that make no dictionary word
    may be a name, and 'Át' differs in more than the tone, so the summary goes to a person."""
    page = [["nhân", "dịp", "Tết", "nguyên", "đán", "Ất", "Ty"]]
    got = summary.combine(page, [[["nhân", "dịp", "Tết", "nguyên", "đán", "Át", "Ty"]], page], Counter())
    assert not got.agreed
    named = [["bổ", "nhiệm", "ông", "Lê", "Văn", "Cố"]]
    got = summary.combine(named, [named, [["bổ", "nhiệm", "ông", "Lê", "Văn", "Cô"]]], Counter())
    assert not got.agreed  # a name's tone: no dictionary word to settle it
    real = [["phát", "triển", "trường", "phố", "thông"]]
    got = summary.combine(real, [real, real], Counter())
    assert got.text.endswith("phổ thông") and not got.agreed  # a real word every read gave was replaced


def test_minority_non_word_read_is_outvoted_and_trusted_but_a_name_disagreement_is_not() -> None:
    page = [["Về", "việc", "chuẩn", "bị", "hồ", "sơ"]]
    got = summary.combine(page, [page, [["Về", "việc", "chuân", "bị", "hồ", "sơ"]]], Counter())
    assert got.text == "Về việc chuẩn bị hồ sơ" and got.agreed
    named = [["bổ", "nhiệm", "ông", "Lê", "Văn", "Tỵ"]]
    got = summary.combine(named, [named, [["bổ", "nhiệm", "ông", "Lê", "Văn", "Ty"]]], Counter())
    assert got.text == "bổ nhiệm ông Lê Văn Tỵ" and not got.agreed  # the language model has no say on names


def test_disagreement_settled_by_the_documents_own_word_pairs_not_against_them() -> None:
    """'trên địa bàn tỉnh' / 'tính': the body text says 'bàn tỉnh' and 'tỉnh Quảng' again and again (doc02
    of real-dev); where the body has the rival too ('sự cô' beside 'sự cố': doc21) the place stays open."""
    page = [["trên", "địa", "bàn", "tỉnh", "Quảng", "Ngãi"]]
    other = [["trên", "địa", "bàn", "tính", "Quảng", "Ngãi"]]
    body = Counter({("bàn", "tỉnh"): 3, ("tỉnh", "quảng"): 4})
    got = summary.combine(page, [page, other], Counter(), pairs=body)
    assert got.text == "trên địa bàn tỉnh Quảng Ngãi" and got.agreed
    assert not summary.combine(page, [page, other], Counter()).agreed  # the language model alone prefers 'tính'
    both = Counter({("bàn", "tỉnh"): 3, ("bàn", "tính"): 1})
    assert not summary.combine(page, [page, other], Counter(), pairs=both).agreed


def test_summary_formula_ve_viec_misread_as_va_viec_is_the_formula() -> None:
    page = [["Về", "việc", "tăng", "cường", "công", "tác"]]
    got = summary.combine(page, [page, [["Và", "việc", "tăng", "cường", "công", "tác"]]], Counter())
    assert got.text == "Về việc tăng cường công tác" and got.agreed
    assert summary.formula_start(["ÃI|", "Về", "việc", "tăng"]) == 1  # a stamp's remains before it
    assert summary.formula_start(["Tình", "hình,", "kết", "quả"]) is None


def test_impossible_word_fixed_from_the_body_vocabulary() -> None:
    got = summary.combine([["tỉnh", "Quảng", "Nøãi,"]], [[["tỉnh", "Quảng", "Nøãi,"]]], Counter({"ngãi": 5}))
    assert got.text == "tỉnh Quảng Ngãi," and not got.agreed


def _seg(words: list[tuple[str, float, float]], top: float = 100, h: float = 14, conf: float = 95) -> Segment:
    return Segment(Line(tuple(Word(t, (x0, top, x1, top + h), conf) for t, x0, x1 in words)), 1)


def test_stamp_left_of_a_centred_summary_is_trimmed() -> None:
    line = _seg([("#RUNG", 10, 60), ("BẢO", 64, 90), ("Về", 200, 215), ("việc", 218, 240), ("tăng", 244, 400)])
    got = summary.trim_stamp([line], centre=300)
    assert got[0].text == "Về việc tăng"
    assert summary.trim_stamp([line], centre=None)[0].text == line.text


def test_summary_paragraph_ends_where_line_spacing_widens() -> None:
    l1 = _seg([("Về", 200, 215), ("việc", 218, 400)], top=100)
    l2 = _seg([("trên", 240, 360)], top=116)
    body = _seg([("Trong", 130, 170), ("thời", 174, 528)], top=144)  # 14 pt gap after 2 pt ones
    got = header._follow(l1, [l1, l2, body])
    assert [s.text for s in got] == [l1.text, l2.text]


def test_doubled_letter_in_type_code() -> None:
    assert parsers.parse_symbol("QĐĐ-UBND") == "QĐ-UBND"
    assert parsers.snap_type_code("UBND") is None


def test_digit_passes_batched_in_one_process(monkeypatch, tmp_path: Path) -> None:
    calls: list[int] = []

    class Out:
        def __init__(self, txt: str) -> None:
            self.txt = txt

    def fake_run(image: Path, out: Path, **kw: object) -> Out:
        calls.append(int(kw["psm"]))  # type: ignore[call-overload]
        n = len(Path(image).read_text().split()) if str(image).endswith(".txt") else 1
        return Out("\f".join(["12\n"] * n))

    monkeypatch.setattr(digits.tesseract, "run", fake_run)
    monkeypatch.setattr(digits.tesseract, "languages", lambda *_: frozenset({"eng"}))
    images = [Image.new("L", (20, 20), 255) for _ in range(3)]
    got = digits.tesseract_passes(images, (7, 8))
    assert got == {7: ["12"] * 3, 8: ["12"] * 3} and sorted(calls) == [7, 8]  # one process per psm, run side by side


def test_signer_name_below_title_from_the_page_read() -> None:
    from pipeline.extract import signer
    from pipeline.models import PageText

    page = PageText(1, 595, 842, "ocr")
    title = _seg([("CHỦ", 416, 444), ("TỊCH", 448, 480)], top=216)
    recipients = _seg([("-", 109, 112), ("Lưu:", 114, 140), ("VT", 144, 160)], top=331)
    name = _seg([("Dặng", 403, 430), ("Văn", 434, 460), ("Minh", 464, 495)], top=327)
    got = signer.name_below([recipients, name], title.bbox, page)
    assert got is not None and got[0] == "Đặng Văn Minh"
    assert signer.name_below([recipients], title.bbox, page) is None


def test_zone_line_cut_by_the_crop_is_no_lost_title_line(monkeypatch) -> None:
    """Real-dev doc14: the signer zone re-read starts 30 pt above the title and cuts the body line
    there; its noise read as 'an unreadable line right above' halved the title's confidence, and a right
    'KT. CHỦ TỊCH / PHÓ CHỦ TỊCH' went to review."""
    from pipeline.extract import signer
    from pipeline.models import PageText

    page = PageText(1, 595, 842, "ocr")
    cut = _seg([("-“/CẰẴvV11.", 300, 360), ("4L", 364, 380), ("L1A\\x/", 384, 420)], top=382.6, conf=20)
    kt = _seg([("KT.", 420, 440), ("CHỦ", 444, 470), ("TỊCH", 474, 500)], top=412.6)
    pho = _seg([("PHÓ", 418, 444), ("CHỦ", 448, 474), ("TỊCH", 478, 504)], top=431.5)
    monkeypatch.setattr(signer, "zone_ocr", lambda *a, **k: [cut.line, kt.line, pho.line])
    got = signer._zone_block(page, (265.9, 382.6, 580.9, 562.6))
    assert got is not None and got.title == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert min(c for _, c, _ in got.titles) > 0.9
    below = signer._zone_block(page, (265.9, 370.0, 580.9, 562.6))  # the same noise inside the zone
    assert below is not None and below.titles[0][1] < 0.6  # may be a lost line: still doubted
