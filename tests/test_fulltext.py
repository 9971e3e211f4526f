"""Per-word corrections in Tesseract's order: what text.txt says each OCR'd word became."""

from __future__ import annotations

from dataclasses import replace

from pipeline import fulltext
from pipeline.models import Line, PageText, Word


def _word(text: str, x: float, top: float) -> Word:
    return Word(text, (x, top, x + 30.0, top + 12.0), 90.0)


def _two_columns() -> PageText:
    """Tesseract's order: one line holding both header blocks' first rows, then the left block's
    second row, then the right block's; a person reads the left block first."""
    lines = [
        Line((_word("ỦY", 60, 50), _word("BAN", 95, 50), _word("CỘNG", 330, 50), _word("HÒA", 365, 50))),
        Line((_word("TỈNH", 60, 66), _word("QUẢNG", 95, 66))),
        Line((_word("Độc", 330, 66), _word("lập", 365, 66))),
        Line((_word("Về", 60, 120), _word("việc", 95, 120), _word("chuân", 130, 120), _word("bị", 165, 120))),
    ]
    return PageText(1, 595, 842, "ocr", lines)


def test_words_map_back_to_tesseract_order_through_reading_order(monkeypatch):
    """A fake corrector that marks every token with its reading-order place: each word's mended text
    lands at its own index in Tesseract's order, whatever order the columns are read in."""
    seen: list[str] = []

    def fake(tokens, **kw):
        seen.extend(tokens)
        return [f"{t}#{len(seen) - len(tokens) + j}" for j, t in enumerate(tokens)], []

    monkeypatch.setattr(fulltext.correct, "correct", fake)
    mended = fulltext.mend_page(_two_columns())
    assert seen == ["ỦY", "BAN", "TỈNH", "QUẢNG", "CỘNG", "HÒA", "Độc", "lập", "Về", "việc", "chuân", "bị"]
    assert mended.words == ["ỦY#0", "BAN#1", "CỘNG#4", "HÒA#5", "TỈNH#2", "QUẢNG#3", "Độc#6", "lập#7",
                            "Về#8", "việc#9", "chuân#10", "bị#11"]
    assert fulltext.text_of([mended]).split() == [f"{t}#{j}" for j, t in enumerate(seen)]  # text.txt as before


def test_text_layer_page_is_never_mended():
    """A real text layer is the author's text: neither text.txt nor the layer changes its words."""
    words = [Word(t, (72.0 + 40 * k, 100.0, 106.0 + 40 * k, 112.0))
             for k, t in enumerate(["Về", "việc", "chuân", "bị"])]
    page = PageText(1, 595, 842, "text_layer", [Line(tuple(words))])
    mended = fulltext.mend_page(page)
    assert not mended.changed and mended.lines == ["Về việc chuân bị"]
    assert fulltext.mend_page(replace(page, method="ocr")).words[2] == "chuẩn"


def test_non_word_is_mended_in_text_txt_and_at_its_own_index():
    mended = fulltext.mend_page(_two_columns())
    k = mended.read.index("chuân")
    assert mended.words[k] == "chuẩn" and mended.lines[-1] == "Về việc chuẩn bị"
    assert [w for w, r in zip(mended.words, mended.read, strict=True) if w != r] == ["chuẩn"]
    assert fulltext.text_of([mended]) == fulltext.document_text([_two_columns()])
