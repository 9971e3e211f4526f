"""Choose among OCR reads and mend marks by the Vietnamese lexicon, in context.

A syllable the OCR read may have lost or swapped a tone or vowel mark ('chuân' for 'chuẩn', 'bỗ' for
'bổ', 'phố thông' for 'phổ thông'). Its candidates are the known syllables with the same letters
(`lexicon.skeleton`) plus whatever other reads of the same place said. Each candidate scores

    LINK × (syllable pairs of the window covered by dictionary words) + log10 frequency + prior

over a window of three syllables either side, so 'sự có mặt' keeps 'có' ('có mặt' is a word) while
'sự có xảy ra' becomes 'sự cố'. A word that is not in the lexicon (a *non-word*) is replaced by the
best candidate when context or frequency clearly supports it; a real word is replaced only when the
candidate joins more of the window into dictionary words and scores clearly higher.

Never touched: tokens with digits or inner punctuation (codes such as '12/2024/QĐ-UBND'), capital
abbreviations, capitalised words inside a sentence (names of people and places), place names in
capitals ('TỈNH QUẢNG NGÃI') and what follows an administrative unit word. Only marks change: the
letters, digits and punctuation of every token stay as read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.lang import lexicon, syllables
from pipeline.lang.lexicon import Lexicon

LINK = 2.0  # one syllable pair joined into a dictionary word is worth a hundredfold frequency
WINDOW = 3  # syllables either side
RARE = -5.0  # log10 frequency under which a known syllable counts as a non-word ('bỗ', 'bô', 'dằn')
NONWORD_MARGIN = 1.0  # without context, a non-word's best candidate must be 10x the next one
REAL_MARGIN = 0.5  # a real word is replaced only by a candidate this much better (log10 units)
UNSURE = 95.0  # OCR word confidence under which context may replace a real word
PUNCT = ".,;:!?()[]\"'“”‘’…«»"
_SENTENCE_END = tuple(".!?:;")
_SPLIT = re.compile(rf"^([{re.escape(PUNCT)}]*)(.*?)([{re.escape(PUNCT)}]*)$")


@dataclass(frozen=True)
class Change:
    index: int  # token position
    read: str
    chosen: str
    why: str  # "non-word", "context", "reads"


@dataclass
class Tokens:
    """Whitespace tokens split into (leading punctuation, core, trailing punctuation)."""

    pre: list[str]
    core: list[str]
    post: list[str]
    fixed: list[bool] = field(default_factory=list)  # never changed (codes, names, places)
    start: list[bool] = field(default_factory=list)  # first word of a sentence

    @classmethod
    def of(cls, tokens: Sequence[str], *, sentence_start: bool = True) -> Tokens:
        parts = [_split(t) for t in tokens]
        out = cls([p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts])
        out.start = [False] * len(parts)
        prev_end = sentence_start
        for i, t in enumerate(tokens):
            out.start[i] = prev_end
            prev_end = ends_sentence(t)
        out.fixed = _fixed(out)
        return out

    def text(self, i: int) -> str:
        return self.pre[i] + self.core[i] + self.post[i]

    def joined(self, i: int) -> bool:
        """Whether token i and i+1 may belong to one word (no punctuation between them)."""
        return not self.post[i] and not self.pre[i + 1]


def ends_sentence(token: str) -> bool:
    """Whether a token closes a sentence or clause after which a capital is no name ('1.', 'nhận:')."""
    return token.rstrip("\"'”’)»").endswith(_SENTENCE_END)


def _split(token: str) -> tuple[str, str, str]:
    m = _SPLIT.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def _case(word: str) -> str:
    if len(word) > 1 and word.isupper():
        return "upper"
    return "title" if word[:1].isupper() else "lower" if word.islower() else "mixed"


def _recase(word: str, like: str) -> str:
    c = _case(like)
    if c == "upper" or (c == "title" and len(like) == 1 and like.isupper()):
        return word.upper()
    return word[:1].upper() + word[1:] if c == "title" else word


def _fixed(t: Tokens) -> list[bool]:
    lx = lexicon.load()
    n = len(t.core)
    fixed = [not c.isalpha() or _case(c) == "mixed" or syllables.valid(c) is None for c in t.core]
    for i, c in enumerate(t.core):
        if fixed[i] or _case(c) != "title":
            continue
        nxt = i + 1 < n and _case(t.core[i + 1]) in ("title", "upper") and t.joined(i)
        fixed[i] = not t.start[i] or nxt  # a capital inside a sentence, or a run of capitals: a name
    skel = [lexicon.skeleton(c) for c in t.core]
    unit_words = {tuple(lexicon.skeleton(s) for s in u.split()) for u in lexicon.UNIT_WORDS}
    for i in range(n):  # place names, by letters (their marks may be the misread part)
        for size in (4, 3, 2):
            if i + size <= n and all(t.joined(k) for k in range(i, i + size - 1)) \
                    and all(_case(t.core[k]) != "lower" for k in range(i, i + size)) \
                    and tuple(skel[i:i + size]) in lx.places:
                fixed[i:i + size] = [True] * size
        for size in (2, 1):  # and the capitals after a unit word: 'TỈNH QUẢNG NGÃI', 'xã Tịnh Hà'
            if i + size < n and tuple(skel[i:i + size]) in unit_words:
                k = i + size
                while k < min(n, i + size + 3) and _case(t.core[k]) in ("title", "upper") and t.joined(k - 1):
                    fixed[k] = True
                    k += 1
    return fixed


def links(keys: Sequence[str | None], joined: Sequence[bool], lx: Lexicon) -> int:
    """Most syllable pairs of `keys` that a segmentation into dictionary words covers (None and a
    False in `joined[k]`, between k and k+1, end a word)."""
    best = [0] * (len(keys) + 1)
    for j in range(1, len(keys) + 1):
        best[j] = best[j - 1]
        for size in range(2, lexicon.MAX_WORD + 1):
            a = j - size
            if a < 0 or not all(joined[a:j - 1]):
                break
            run = keys[a:j]
            if None not in run and tuple(run) in lx.words:  # type: ignore[arg-type]
                best[j] = max(best[j], best[a] + size - 1)
    return best[-1]


def correct(
    tokens: Sequence[str],
    *,
    reads: Sequence[Sequence[str]] | None = None,
    prior: Sequence[dict[str, float]] | None = None,
    confidences: Sequence[float] | None = None,
    real_words: bool = True,
    sentence_start: bool = True,
    passes: int = 2,
) -> tuple[list[str], list[Change]]:
    """The tokens with marks mended; and what changed.

    `reads[i]`: other reads of token i (whole tokens, punctuation and all), candidates beside the
    lexicon's; `prior[i]`: a bonus per candidate core, lower case (the reads' votes). `confidences[i]`:
    the OCR's word confidence (0-100); a confidently read real word is not replaced by context alone.
    """
    lx = lexicon.load()
    t = Tokens.of(tokens, sentence_start=sentence_start)
    n = len(t.core)
    keys: list[str | None] = [lexicon.key(c) if c.isalpha() else None for c in t.core]
    joined = [t.joined(i) for i in range(n - 1)]
    changes: dict[int, Change] = {}
    todo = set(range(n))
    for _ in range(passes):
        touched: set[int] = set()
        for i in sorted(todo):
            if t.fixed[i]:
                continue
            got = _decide(i, t, keys, joined, lx, reads[i] if reads else (), prior[i] if prior else {},
                          confidences[i] if confidences else 0.0, real_words)
            if got is None:
                continue
            chosen, why = got
            keys[i] = lexicon.key(chosen)
            touched.update(range(max(0, i - WINDOW), min(n, i + WINDOW + 1)))
            read = tokens[i]
            t.core[i] = _recase(chosen, _split(read)[1] or chosen)
            if t.text(i) == read:
                changes.pop(i, None)
            else:
                changes[i] = Change(i, read, t.text(i), why)
        todo = touched  # a second look only where a neighbour changed
    return [t.text(i) for i in range(n)], [changes[i] for i in sorted(changes)]


def _decide(i: int, t: Tokens, keys: list[str | None], joined: list[bool], lx: Lexicon, reads: Sequence[str],
            prior: dict[str, float], confidence: float, real_words: bool) -> tuple[str, str] | None:
    own = keys[i]
    if own is None:
        return None
    common = lx.known(own) and lx.log_freq(own) >= RARE
    name_place = t.start[i] and _case(t.core[i]) == "title"
    if common and not reads and (not real_words or confidence >= UNSURE or name_place):
        return None  # a common word read with confidence: only other reads could overrule it
    cands = dict.fromkeys([own, *lx.variants(own)])
    from_reads = [lexicon.key(_split(r)[1]) for r in reads]
    for r in from_reads:
        if r.isalpha():
            cands[r] = None
    if len(cands) == 1:
        return None
    a, b = max(0, i - WINDOW), min(len(keys), i + WINDOW + 1)
    window, join = keys[a:b], joined[a:b - 1]
    plain = [None if t.fixed[a + k] and _case(t.core[a + k]) != "lower" else x for k, x in enumerate(window)]

    def score(c: str) -> tuple[float, int]:
        window[i - a] = c
        got = links(window, join, lx)
        return LINK * got + lx.log_freq(c) + prior.get(c, 0.0), got

    def unnamed(c: str) -> int:  # links without the names around: a name never makes a word of its neighbour
        plain[i - a] = c
        return links(plain, join, lx)

    scored = {c: score(c) for c in cands}
    ranked = sorted(scored, key=lambda c: -scored[c][0])
    best = ranked[0]
    if best == keys[i]:
        return None
    (s_best, l_best), (s_own, l_own) = scored[best], scored[own]
    voted = best in from_reads
    if not lx.known(best) or l_best < l_own:
        return None  # never trade a dictionary word of the window for frequency
    if not lx.known(own):
        rival = next((c for c in ranked[1:] if c != own and lx.known(c)), None)
        clear = rival is None or s_best - scored[rival][0] >= NONWORD_MARGIN
        return (best, "non-word") if l_best > l_own or clear or voted else None
    if lx.log_freq(own) < RARE:  # a rare word ('bỗ', 'dằn') gives way to context or another read only
        return (best, "non-word") if l_best > l_own or voted else None
    if name_place:
        return None  # the first word of a sentence may be a name: only a non-word is mended there
    if voted and s_best > s_own:
        return best, "reads"
    if real_words and unnamed(best) > unnamed(own) and s_best - s_own >= REAL_MARGIN and confidence < UNSURE:
        return best, "context"
    return None


def support(tokens: Sequence[str], i: int, cands: Sequence[str]) -> dict[str, float]:
    """The language model's score of each candidate core for token i, the other tokens as they are
    (dictionary links of the window × LINK + log10 frequency): how well each fits its place."""
    return {c: score for c, (score, _) in fit(tokens, i, cands).items()}


def fit(tokens: Sequence[str], i: int, cands: Sequence[str]) -> dict[str, tuple[float, int]]:
    """`support`'s score of each candidate, with the dictionary links it makes in the window."""
    lx = lexicon.load()
    t = Tokens.of(tokens)
    a, b = max(0, i - WINDOW), min(len(tokens), i + WINDOW + 1)
    window: list[str | None] = [lexicon.key(c) if c.isalpha() else None for c in t.core[a:b]]
    join = [t.joined(k) for k in range(a, b - 1)]
    out = {}
    for c in cands:
        k = lexicon.key(_split(c)[1])
        if not k.isalpha():
            out[c] = (lx.log_freq(""), 0)
            continue
        window[i - a] = k
        got = links(window, join, lx)
        out[c] = (LINK * got + lx.log_freq(k), got)
    return out


def correct_text(text: str, *, real_words: bool = True) -> tuple[str, list[Change]]:
    """`correct` applied line by line to a page's text; spacing and line breaks kept."""
    out_lines, changes = [], []
    sentence_start = True
    for line in text.split("\n"):
        toks = line.split()
        if toks:
            fixed, ch = correct(toks, real_words=real_words, sentence_start=sentence_start)
            changes += ch
            out_lines.append(_respace(line, toks, fixed))
            sentence_start = ends_sentence(toks[-1])
        else:
            out_lines.append(line)
    return "\n".join(out_lines), changes


def _respace(line: str, old: list[str], new: list[str]) -> str:
    if old == new:
        return line
    parts = re.split(r"(\s+)", line)
    k = 0
    for j, p in enumerate(parts):
        if p and not p.isspace():
            parts[j] = new[k]
            k += 1
    return "".join(parts)


__all__ = ["Change", "Tokens", "correct", "correct_text", "ends_sentence", "links", "support"]
