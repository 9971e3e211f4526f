"""The Vietnamese lexicon: which syllables exist, how frequent they are, which run together as words.

Built once per process from data that ships inside installed packages (nothing is downloaded):
- wordfreq's Vietnamese frequencies (~10k tokens; Vietnamese is written a syllable per token), for how
  likely a syllable is;
- pyvi's dictionary `pyvi/models/words.txt` (31k words, MIT; the file is read, pyvi's models are never
  loaded), for the syllables that exist and the two- to four-syllable words ('bổ nhiệm', 'phổ thông');
- vietnam-provinces' names of the 34 provinces and their communes and wards, which are never corrected.

Every key is lower case, NFC, with the tone mark placed the Decree 30 way ('hoà' and 'hòa' are one key).
A syllable's *skeleton* drops every mark (tones, circumflex, breve, horn) but keeps 'đ': OCR loses and
swaps marks far more often than letters, so the words an OCR'd syllable may have been share its skeleton.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.lang import syllables
from pipeline.text import new_tone_placement, nfc

log = logging.getLogger(__name__)

MAX_WORD = 4  # syllables; longer dictionary entries (idioms) add nothing a 4-syllable window misses
FLOOR = 1e-7  # frequency of a syllable the dictionary knows but wordfreq's list does not (rarer than its rarest)
UNIT_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường", "đặc khu")


def key(token: str) -> str:
    """Lookup key of a syllable: NFC, new tone placement, lower case."""
    return new_tone_placement(nfc(token)).lower()


def skeleton(token: str) -> str:
    """The letters without any mark ('phổ' → 'pho', 'Đặng' → 'đang'); lower case."""
    d = unicodedata.normalize("NFD", nfc(token).lower())
    return unicodedata.normalize("NFC", "".join(c for c in d if not unicodedata.combining(c)))


@dataclass(frozen=True)
class Lexicon:
    freq: dict[str, float]  # syllable key → frequency (FLOOR for dictionary syllables wordfreq lacks)
    words: frozenset[tuple[str, ...]]  # dictionary words of 2..MAX_WORD syllables, as key tuples
    by_skeleton: dict[str, tuple[str, ...]]  # skeleton → the known syllables that have it
    places: frozenset[tuple[str, ...]]  # place names as skeleton tuples ('quang', 'ngai')

    def known(self, syllable: str) -> bool:
        return key(syllable) in self.freq

    def log_freq(self, syllable: str) -> float:
        """log10 frequency; an unknown syllable scores two decades under the rarest known one."""
        return math.log10(self.freq.get(key(syllable), FLOOR / 100))

    def variants(self, syllable: str) -> tuple[str, ...]:
        """Known syllables spelt with the same letters and other marks (the syllable's own key included
        when it is known)."""
        return self.by_skeleton.get(skeleton(syllable), ())


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)  # locates the package without running its models' imports
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


def _dictionary() -> list[tuple[str, ...]]:
    path = _package_file("pyvi", "models", "words.txt")
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    # each distinct syllable judged once (7k of them in 31k words); loanwords ('apxe') are dropped
    keys = {s: key(s) for s in {s for line in lines for s in line}}
    good = {s for s, k in keys.items() if syllables.valid(k)}
    return [tuple(keys[s] for s in line) for line in lines if line and all(s in good for s in line)]


def _frequencies() -> dict[str, float]:
    import wordfreq

    out: dict[str, float] = defaultdict(float)
    for word, f in wordfreq.get_frequency_dict("vi").items():
        if syllables.valid(word):  # Vietnamese syllables only: no numbers, no English, no symbols
            out[key(word)] += f  # 'hoà' and 'hòa' counted as one
    return dict(out)


def _places() -> frozenset[tuple[str, ...]]:
    from vietnam_provinces import Province, Ward

    names: set[tuple[str, ...]] = set()
    for unit in [*Province.iter_all(), *Ward.iter_all()]:
        name = key(unit.name)
        for prefix in sorted(UNIT_WORDS, key=len, reverse=True):
            if name.startswith(prefix + " "):
                name = name[len(prefix) + 1:]
                break
        if name and not name[0].isdigit():  # 'Phường 1' names no place
            names.add(tuple(skeleton(s) for s in name.split()))
    return frozenset(names)


@functools.cache
def load() -> Lexicon:
    """The lexicon (built on first use, ~0.2 s, then shared by the process)."""
    words = _dictionary()
    freq = _frequencies()
    for w in words:
        for s in w:
            freq.setdefault(s, FLOOR)
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for s in sorted(freq, key=lambda s: -freq[s]):
        by_skeleton[skeleton(s)].append(s)
    multi = frozenset(w for w in words if 2 <= len(w) <= MAX_WORD)
    return Lexicon(freq, multi, {k: tuple(v) for k, v in by_skeleton.items()}, _places())


__all__ = ["MAX_WORD", "UNIT_WORDS", "Lexicon", "key", "load", "skeleton"]
