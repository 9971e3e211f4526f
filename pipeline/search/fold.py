"""Vietnamese folding: what makes "giao dat Mo Duc" find "giao đất … Mộ Đức".

`fold` is the one definition: NFC, tone marks (sắc, huyền, hỏi, ngã, nặng) and vowel marks (â ă ê ô ơ ư)
removed, đ → d, case-folded. A backend either calls it (PostgreSQL) or reproduces it and is tested
against it (SQLite: unicode61's `remove_diacritics 2` folds every Vietnamese letter but đ, whose stroke is
not a diacritic in Unicode; `index_form` stores đ as ď, a letter Vietnamese never uses, which unicode61
does fold to d, and `display_form` turns it back for snippets).

Citizen IDs (CCCD 12 digits, CMND 9) are masked out of everything indexed: they are found only through
the keyed-hash lookup (pipeline.archive.index), never as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pipeline.text import strip_accents

_ID_RUN = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")  # what pipeline.extract.parsers.citizen_ids finds
MASK = "•"  # punctuation to every tokenizer: a masked number leaves no token behind
WORD = re.compile(r"[^\W_]+")  # a token as unicode61 splits (letters, digits, marks; the rest separates)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """NFC text without tone or vowel marks, đ as d, case-folded: 'Quyết định' → 'quyet dinh'."""
    return nfc(strip_accents(text.casefold()))


def has_marks(text: str) -> bool:
    """Whether `text` carries any Vietnamese mark (then an exact match of it ranks first)."""
    return fold(text) != nfc(text).casefold()


def words(text: str) -> list[str]:
    """Folded word tokens, split as unicode61 splits them."""
    return WORD.findall(fold(text))


def mask_citizen_ids(text: str, known: Iterable[str] = ()) -> str:
    """Every 9- or 12-digit run, and each known ID however it is spaced ('079 204 001 234'), as •••."""
    for cid in known:
        digits = re.sub(r"\D", "", cid)
        if len(digits) >= 9:
            spaced = r"[\s.\-]?".join(digits)
            text = re.sub(rf"(?<!\d){spaced}(?!\d)", lambda m: MASK * len(m.group(0)), text)
    return _ID_RUN.sub(lambda m: MASK * len(m.group(0)), text)


def index_form(text: str) -> str:
    """Text as the SQLite index stores and queries it: NFC, đ/Đ as ď/Ď (see the module docstring)."""
    return nfc(text).replace("đ", "ď").replace("Đ", "Ď")  # str.replace: 20x str.translate on non-ASCII text


def display_form(text: str) -> str:
    """Index text for people: ď/Ď back to đ/Đ (a genuine Czech ď would show as đ: no Vietnamese record has one)."""
    return text.replace("ď", "đ").replace("Ď", "Đ")
