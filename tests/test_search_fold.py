"""Vietnamese folding and query parsing (pipeline.search.fold, pipeline.search.query): pure functions.

The property tests check the one definition (`fold`) against what the SQLite index really stores, so
the backend's folding (unicode61 + đ stored as ď) cannot drift from it.
"""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import SearchQueryError
from pipeline.search.fold import display_form, fold, has_marks, index_form, mask_citizen_ids, words
from pipeline.search.query import Filters, Query, Unit, parse

VOWELS = "aăâeêioôơuưy"
TONED = "".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in ("", "\u0301", "\u0300", "\u0309",
                                                                              "\u0303", "\u0323"))
LETTERS = TONED + TONED.upper() + "bcdđghklmnpqrstvxĐfjwz"
vietnamese = st.text(st.sampled_from(LETTERS + "  0123456789,./-()\n"), max_size=80)


@pytest.mark.parametrize(("text", "folded"), [
    ("Quyết định", "quyet dinh"),
    ("GIAO ĐẤT TẠI XÃ MỘ ĐỨC", "giao dat tai xa mo duc"),
    ("Ủy ban nhân dân tỉnh Quảng Ngãi", "uy ban nhan dan tinh quang ngai"),
    ("ưởng ờ ợ ữ ặ ẫ ệ ỷ", "uong o o u a a e y"),
    ("Qu\u00ea\u0301 Đ", "que d"),  # decomposed input folds like precomposed
    ("12/2024/QĐ-UBND", "12/2024/qd-ubnd"),
])
def test_fold_removes_tone_and_vowel_marks_and_the_stroke_of_d(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(vietnamese)
def test_fold_is_idempotent_ascii_and_keeps_length(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once.isascii()
    assert len(once) == len(unicodedata.normalize("NFC", text))  # one letter stays one letter


@given(vietnamese)
def test_fold_ignores_how_the_text_was_typed(text: str) -> None:
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == fold(text.upper()) == fold(text.lower())


@given(vietnamese)
@settings(max_examples=200)
def test_sqlite_index_folds_exactly_like_fold(text: str) -> None:
    """The tokens the `folded` FTS5 table stores for any Vietnamese text are `words(text)`."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t VALUES (?)", (index_form(text),))
    stored = [r[0] for r in conn.execute("SELECT term FROM v ORDER BY offset")]
    assert stored == words(text)


@given(vietnamese)
def test_index_form_round_trips_for_display(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    assert display_form(index_form(text)) == nfc
    assert "đ" not in index_form(text).lower()


def test_has_marks_only_for_marked_words() -> None:
    assert has_marks("Đức") and has_marks("đat") and has_marks("quyết")
    assert not has_marks("Mo") and not has_marks("GIAO") and not has_marks("12/2024")


@pytest.mark.parametrize("text", [
    "CCCD số 079204001234 cấp ngày", "CMND: 212345678.", "số 079204001234, 079204009999",
])
def test_id_shaped_numbers_are_masked(text: str) -> None:
    masked = mask_citizen_ids(text)
    assert not any(len(run) in (9, 12) for run in "".join(c if c.isdigit() else " " for c in masked).split())
    assert len(masked) == len(text)


def test_known_ids_are_masked_however_they_are_spaced() -> None:
    masked = mask_citizen_ids("Số định danh: 079 204 001 234; điện thoại 0912345678", ["079204001234"])
    assert masked.startswith("Số định danh: " + "•" * len("079 204 001 234") + ";")
    assert "0912345678" in masked  # a 10-digit phone number is not ID-shaped


def test_other_numbers_are_kept() -> None:
    text = "Số: 12/2024/QĐ-UBND ngày 05/01/2024, hồ sơ 000.00.20.H27-240126-0001"
    assert mask_citizen_ids(text) == text


def test_parse_words_phrases_prefix_or_and_excluded() -> None:
    q = parse('giao "quyền sử dụng" đất OR nhà quyết* -"thu hồi" -phường')
    assert q.groups == ((Unit("giao"),), (Unit("quyền sử dụng"),), (Unit("đất"), Unit("nhà")),
                        (Unit("quyết", prefix=True),))
    assert q.excluded == (Unit("thu hồi"), Unit("phường"))
    assert [u.text for u in q.exact_units] == ["quyền sử dụng", "đất", "nhà", "quyết"]


def test_parse_keeps_punctuated_words_whole() -> None:
    q = parse("12/2024/QĐ-UBND")
    assert q.groups == ((Unit("12/2024/QĐ-UBND"),),)


@pytest.mark.parametrize("text", ["", "   ", "-thu", "… – ,", '""'])
def test_parse_refuses_a_query_with_nothing_that_must_occur(text: str) -> None:
    with pytest.raises(SearchQueryError):
        parse(text)


def test_parse_refuses_an_unknown_field_and_a_limit_out_of_range() -> None:
    with pytest.raises(SearchQueryError, match="unknown field"):
        parse("đất", "body")
    with pytest.raises(SearchQueryError, match="unknown field"):  # backends put the field in SQL
        Query(((Unit("đất"),),), field="text; DROP TABLE documents")
    for limit in (0, -1, 1001):
        with pytest.raises(SearchQueryError, match="limit"):
            Filters(limit=limit)


def test_date_bounds_cover_whole_months_and_years() -> None:
    assert Filters(date_from="2024", date_to="2024-05").date_bounds() == ("2024", "2024-05-99")
    assert Filters(date_to="2024").date_bounds() == (None, "2024-99-99")
    assert "2024-05-31" <= Filters(date_to="2024-05").date_bounds()[1] < "2024-06-01"  # type: ignore[operator]
    for bad in ("2024-13", "05/2024", "2024-02-30"):
        with pytest.raises(SearchQueryError):
            Filters(date_from=bad).date_bounds()
    with pytest.raises(SearchQueryError, match="after"):
        Filters(date_from="2025", date_to="2024").date_bounds()
