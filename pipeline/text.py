"""Text normalisation. Everything stored or compared in sohoa is Unicode NFC; this module is where
text from Tesseract and from PDF text layers (often NFD or with odd spaces) is made so."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")

# Old-style tone placement (hoà, UỶ) → new style (hòa, ỦY), only at a syllable's end. After 'q' the 'u'
# belongs to the consonant and the mark already sits on the vowel ('quý', 'quỹ' are both spellings' form).
_OLD_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_OLD_TONE_RE = re.compile(
    "(?<![qQ])(" + "|".join(sorted(_OLD_TONES, key=len)) + ")(?=\\W|$)", re.IGNORECASE)


def nfc(s: str) -> str:
    """NFC with control characters dropped and odd spaces folded to one space."""
    s = unicodedata.normalize("NFC", s)
    s = "".join(ch for ch in s if ch in "\n\t\f" or unicodedata.category(ch)[0] != "C")
    return _SPACES.sub(" ", s)


def _swap_tone(m: re.Match[str]) -> str:
    src = m.group(0)
    dst = _OLD_TONES[src.lower()]
    return "".join(d.upper() if s.isupper() else d for s, d in zip(src, dst, strict=True))


def new_tone_placement(s: str) -> str:
    """'UỶ BAN' → 'ỦY BAN', 'hoà' → 'hòa' (Decree 30 spelling); case is kept."""
    return _OLD_TONE_RE.sub(_swap_tone, unicodedata.normalize("NFC", s))


def fold(s: str) -> str:
    """Comparison key: NFC, new tone placement, lower case, single spaces."""
    return " ".join(new_tone_placement(nfc(s)).lower().split())


def strip_accents(s: str) -> str:
    """'Quyết định' → 'Quyet dinh' (đ → d); for fuzzy matching of badly OCR'd capitals."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in s if unicodedata.category(ch) != "Mn"))
