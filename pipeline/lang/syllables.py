"""Is a token a possible Vietnamese syllable? (onset + rhyme + tone rules, no word list)

Tesseract's errors in Vietnamese text are mostly impossible syllables: a foreign letter ('Nøãi'), a
stop-final syllable without a sắc or nặng tone ('Kêt', 'quyêt'), two tone marks, 'k' before a back
vowel. Checking the structure catches them without a dictionary, on any document. Capital
abbreviations (UBND, TTHC), numbers and punctuation are neither valid nor invalid (None).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.text import nfc

_TONES = {"\u0300": "huyen", "\u0301": "sac", "\u0303": "nga", "\u0309": "hoi", "\u0323": "nang"}
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_OPEN = ("a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy", "ua", "ia", "ưa", "uơ", "ya")
_GLIDED = ("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu", "iêu", "yêu",
           "uôi", "ươi", "ươu", "oai", "oao", "oay", "oeo", "uây", "uyu", "uya", "uêu")
_CODA_NUCLEI = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "iê", "yê", "uô", "ươ", "oa", "oă",
                "oe", "uâ", "uê", "uy", "uyê", "oo")
_CODAS = ("ch", "nh", "ng", "c", "m", "n", "p", "t")
_RHYMES = sorted(set(_OPEN + _GLIDED + tuple(n + c for n in _CODA_NUCLEI for c in _CODAS)), key=len, reverse=True)
_SYLLABLE = re.compile(rf"^(?P<on>{'|'.join(_ONSETS)})?(?P<rh>{'|'.join(_RHYMES)})$")
_FRONT = ("i", "e", "ê", "y")


def split_tone(token: str) -> tuple[str, list[str]]:
    """(the syllable without its tone mark, NFC; the tone marks found)."""
    d = unicodedata.normalize("NFD", token)
    tones = [_TONES[c] for c in d if c in _TONES]
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES)), tones


def valid(token: str) -> bool | None:
    """True/False for a word token (punctuation around it ignored); None for numbers, capital
    abbreviations and punctuation, which say nothing about the read."""
    t = nfc(token).strip(".,;:!?()[]\"'“”‘’…-–")
    if not t or any(c.isdigit() for c in t) or not any(c.isalpha() for c in t):
        return None
    if len(t) >= 2 and t.isupper() and t.isascii():
        return None  # UBND, TTHC, MTV
    base, tones = split_tone(t.lower())
    if len(tones) > 1:
        return False
    m = _SYLLABLE.match(base)
    if not m:
        return False
    onset, rhyme = m.group("on") or "", m.group("rh")
    if onset in ("k", "gh", "ngh") and not rhyme.startswith(_FRONT):
        return False
    if onset in ("c", "ng") and rhyme.startswith(("i", "e", "ê")):
        return False
    if rhyme.endswith(("c", "ch", "p", "t")) and tones and tones[0] not in ("sac", "nang"):
        return False
    return not (rhyme.endswith(("c", "ch", "p", "t")) and not tones)


def plausibility(text: str) -> float:
    """Share of judged tokens that are valid syllables (1.0 when nothing can be judged)."""
    verdicts = [v for v in (valid(t) for t in text.split()) if v is not None]
    return sum(verdicts) / len(verdicts) if verdicts else 1.0


__all__ = ["plausibility", "split_tone", "valid"]
