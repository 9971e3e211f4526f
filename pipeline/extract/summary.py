"""Read the summary (trích yếu) from several OCR passes and pick word by word.

The page OCR and two zone re-reads (ink removed; 1.5× block mode, 2× column mode) are aligned line by
line on accent-folded words. Where they differ, each candidate scores its votes, whether it is a
possible Vietnamese syllable (`syllables.valid`), and whether the document's own confident body text
uses it. An impossible word no read fixes may be replaced by a close word of the body text. The value
is trusted when every place is settled: every read says the same; or the document's own confident
text uses the chosen word beside the same neighbours and no rival there (its spelling of 'địa bàn
tỉnh', 'Quảng Ngãi'); or, for a word that is no name, the most votes and the language model agree.
Otherwise it is shown and flagged for a person.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pipeline import beside
from pipeline.extract import parsers
from pipeline.extract.zones import Segment, zone_ocr
from pipeline.lang import correct, lexicon, syllables
from pipeline.models import BBox, Line, PageText, Word, union_bbox
from pipeline.text import nfc, strip_accents

PUNCT = ".,;:!?()[]\"'“”‘’…"
SETTLE_MARGIN = 1.0  # log10 units of the language model's score (`lang.correct.support`)


@dataclass
class SummaryRead:
    text: str
    agreed: bool  # every read gave the same words
    changed: list[tuple[str, str]]  # (read, chosen) where the page read was overruled


def fold(token: str) -> str:
    return strip_accents(nfc(token)).lower().replace("đ", "d").strip(PUNCT)


def _core(token: str) -> tuple[str, str, str]:
    """(leading punctuation, word, trailing punctuation)."""
    m = re.match(rf"^([{re.escape(PUNCT)}]*)(.*?)([{re.escape(PUNCT)}]*)$", token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def trim_stamp(segs: list[Segment], centre: float | None) -> list[Segment]:
    """Drop words at the start of a centred line that stick out far left of the centre (an incoming
    stamp printed over the summary's left end)."""
    if centre is None:
        return segs
    out = []
    for s in segs:
        words = list(s.line.words)
        size = statistics.median(w.bbox[3] - w.bbox[1] for w in words) if words else 0.0
        while len(words) > 1 and (centre - words[0].bbox[0]) > (words[-1].bbox[2] - centre) + 3 * size:
            words.pop(0)
        out.append(Segment(Line(tuple(words)), s.page) if words else s)
    return out


def document_vocabulary(pages: list[PageText], skip: BBox | None = None, page_no: int | None = None) -> Counter[str]:
    """Words of the document read with high confidence (lower case, punctuation stripped), outside `skip`."""
    vocab: Counter[str] = Counter()
    for page in pages:
        for line in page.lines:
            for w in line.words:
                if w.confidence < 90:
                    continue
                if skip and page.number == page_no and w.bbox[1] >= skip[1] - 1 and w.bbox[3] <= skip[3] + 1:
                    continue
                core = _core(w.text)[1].lower()
                if core and syllables.valid(core):
                    vocab[core] += 1
    return vocab


Bigrams = Counter[tuple[str, str]]
ATTESTED = 2  # uses of a word pair in the document's confident text that settle a place


def document_bigrams(pages: list[PageText], skip: BBox | None = None, page_no: int | None = None) -> Bigrams:
    """Neighbouring word pairs of the document's confident text (lexicon keys), outside `skip`: how the
    document itself spells a word in its context."""
    pairs: Bigrams = Counter()
    for page in pages:
        for line in page.lines:
            prev = None
            for w in line.words:
                inside = skip and page.number == page_no and w.bbox[1] >= skip[1] - 1 and w.bbox[3] <= skip[3] + 1
                pre, core, post = _core(w.text)
                k = lexicon.key(core) if w.confidence >= 90 and not inside and syllables.valid(core) else None
                if prev and k and not pre:
                    pairs[(prev, k)] += 1
                prev = None if post else k
    return pairs


def _attested(words: list[str], i: int, word: str, pairs: Bigrams) -> int:
    """How often the document's confident text has `word` beside the neighbours it has at i."""
    k = lexicon.key(_core(word)[1])
    n = pairs[(lexicon.key(_core(words[i - 1])[1]), k)] if i > 0 else 0
    return n + (pairs[(k, lexicon.key(_core(words[i + 1])[1]))] if i + 1 < len(words) else 0)


def formula_start(tokens: list[str]) -> int | None:
    """Index of the 'Về việc' / 'V/v' that opens a summary among its first words (what is left of it
    is a stamp), None when the line does not open that way."""
    folded = [fold(t) for t in tokens[:5]]
    for i, f in enumerate(folded):
        if f in ("veviec", "vaviec") or f.startswith("v/v") or (f in ("ve", "va") and folded[i + 1:i + 2] == ["viec"]):
            return i
    return None


def _alt_lines(base: list[Segment], lines: list[Line]) -> list[list[str]]:
    """Words of a re-read, assigned to the base lines they overlap (vertically, within the line's span)."""
    out: list[list[Word]] = [[] for _ in base]
    for ln in lines:
        for w in ln.words:
            best, overlap = -1, 0.0
            for i, s in enumerate(base):
                b = s.bbox
                ov = min(b[3], w.bbox[3]) - max(b[1], w.bbox[1])
                pad = 0.8 * (b[3] - b[1])
                if ov > overlap and w.bbox[0] >= b[0] - pad and w.bbox[2] <= b[2] + pad:
                    best, overlap = i, ov
            if best >= 0 and overlap >= 0.4 * min(w.bbox[3] - w.bbox[1], base[best].bbox[3] - base[best].bbox[1]):
                out[best].append(w)
    return [[w.text for w in sorted(ws, key=lambda w: w.bbox[0])] for ws in out]


def _align(base: list[str], alt: list[str]) -> list[str | None]:
    """For each base token, the alt token at the same place (same folded letters, or a 1:1 replacement)."""
    got: list[str | None] = [None] * len(base)
    sm = difflib.SequenceMatcher(a=[fold(t) for t in base], b=[fold(t) for t in alt], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                got[i1 + k] = alt[j1 + k]
    return got


def _score(token: str, votes: int, vocab: Counter[str], rivals: list[str]) -> float:
    """Votes, a possible syllable, used in the body text, and a tone mark a rival lacks (OCR loses
    marks stacked on ô/ê/â far more often than it invents them: 'cô' for 'cố', 'bô' for 'bố')."""
    word = _core(token)[1]
    ok = syllables.valid(word)
    return (votes + (1.5 if ok else -2.0 if ok is False else 0.0) + (1.0 if vocab[word.lower()] else 0.0)
            + (1.0 if _lost(word, rivals) else 0.0))


def _lost(word: str, rivals: list[str]) -> bool:
    """Whether `word` has a tone mark that a rival read lacks, letters otherwise the same."""
    base, tones = syllables.split_tone(word)
    return bool(tones) and any(syllables.split_tone(_core(r)[1]) == (base, []) for r in rivals)


def _from_vocab(token: str, vocab: Counter[str]) -> str | None:
    """An impossible word replaced by the one close body word (edit distance 1, used twice or more)."""
    pre, word, post = _core(token)
    if syllables.valid(word) is not False or len(word) < 2:
        return None
    close = [(n, v) for v, n in vocab.items() if n >= 2 and Levenshtein.distance(v, word.lower()) <= 1]
    if not close:
        return None
    close.sort(reverse=True)
    if len(close) > 1 and close[1][0] == close[0][0]:
        return None
    v = close[0][1]
    v = v[:1].upper() + v[1:] if word[:1].isupper() else v
    return pre + v + post


def combine(base: list[list[str]], alts: list[list[list[str]]], vocab: Counter[str],
            confidences: list[float] | None = None, pairs: Bigrams | None = None) -> SummaryRead:
    """Word-by-word choice among the page read (`base`, per line) and the re-reads (`alts`), then the
    language model's pass over the whole summary (`lang.correct`: the reads as candidates, their votes
    as prior, the lexicon's variants for marks no read got right; `confidences`, the page read's, per
    word, keep context from replacing a word the OCR was sure of). `pairs` are the document's own
    confident word pairs (`document_bigrams`), which settle a place the reads disagree on."""
    pairs = pairs if pairs is not None else Counter()
    chosen: list[str] = []
    reads: list[list[str]] = []
    prior: list[dict[str, float]] = []
    mended: list[bool] = []  # chosen from the body vocabulary, not from a read
    for li, tokens in enumerate(base):
        aligned = [_align(tokens, alt[li] if li < len(alt) else []) for alt in alts]
        for ti, token in enumerate(tokens):
            cands = [token] + [a[ti] for a in aligned if a[ti] is not None]  # type: ignore[misc]
            votes = Counter(cands)
            pick = max(votes, key=lambda c: (_score(c, votes[c], vocab, list(votes)), c == token))
            fixed = _from_vocab(pick, vocab)
            chosen.append(fixed or pick)
            mended.append(fixed is not None)
            reads.append(cands)
            prior.append(_prior(votes, vocab))
    words, fixes = correct.correct(chosen, reads=[list(dict.fromkeys(r)) for r in reads], prior=prior,
                                   confidences=confidences)
    for f in fixes:
        mended[f.index] = mended[f.index] or f.why != "reads"  # a mark no read gave
    if formula_start(words[:2]) == 0 and fold(words[0]) in ("ve", "va"):
        words[0] = "Về"  # 'Và việc' opens no summary: the formula is 'Về việc'
    fixed = correct.Tokens.of(words).fixed  # names and codes: the language model has no say on them
    n_reads = len(alts) + 1
    agreed = bool(alts) and all(
        _settled(words, i, reads[i], n_reads, fixed[i], mended[i], pairs) for i in range(len(words)))
    flat = [t for ln in base for t in ln]
    changed = [(a, b) for a, b in zip(flat, words, strict=True) if a != b]
    return SummaryRead(" ".join(words), agreed, changed)


def _settled(words: list[str], i: int, reads: list[str], n_reads: int, name: bool, mended: bool,
             pairs: Bigrams) -> bool:
    """Whether the choice at i can be trusted: every read says it (a read that lost the word abstains,
    but two reads must say it); or the document's confident text has it beside the same neighbours and
    has no rival there (names too: it is the document's own spelling); or, for a word that is no name
    nor code, nor a mark no read gave, it has the most votes and the language model prefers it to every
    rival by a clear margin in its place."""
    def same(t: str) -> str:  # marks count, case and punctuation do not
        return lexicon.key(_core(t)[1])

    if i < 2 and formula_start(words[:2]) == 0:
        return True  # 'Về việc' / 'V/v': the formula, whatever the reads made of its marks
    rivals = [r for r in set(reads) if same(r) != same(words[i])]
    if not rivals and not mended and len(reads) >= min(2, n_reads) and len(reads) >= n_reads - 1:
        return True
    attested = _attested(words, i, words[i], pairs)
    if attested >= ATTESTED and not any(_attested(words, i, r, pairs) for r in rivals):
        return True
    if len(reads) >= n_reads and _tone_misread(words, i, rivals, name, mended):
        return True
    if name or mended or len(reads) < n_reads:
        return False
    votes = Counter(same(r) for r in reads)
    own = votes[same(words[i])]
    if own * 2 <= n_reads or any(votes[same(r)] >= own for r in rivals):
        return False
    score = correct.support(words, i, [words[i], *rivals])
    return all(score[words[i]] - score[r] >= SETTLE_MARGIN for r in rivals)


def _tone_misread(words: list[str], i: int, rivals: list[str], name: bool, mended: bool) -> bool:
    """Whether the reads differ from the choice at i only in its tone mark, the way Tesseract's `vie`
    misreads bold text ('bỗ nhiệm', 'sự cô', 'buỗi', 'quyêt'), and the language model settles it: every
    rival is a non-word, or the choice joins a neighbour into a dictionary word no rival makes; and the
    choice beats every rival and every other tone of the same letters by `SETTLE_MARGIN`. A capitalised
    word (which may be a name) is settled only by such a dictionary word ('Ủy ban'), a mark no read gave
    only against non-words."""
    lx = lexicon.load()
    own = lexicon.key(_core(words[i])[1])
    keys = {lexicon.key(_core(r)[1]) for r in rivals}
    base = syllables.split_tone(own)[0]
    if not keys or not own.isalpha() or not lx.known(own) or lx.log_freq(own) < correct.RARE \
            or any(syllables.split_tone(k)[0] != base for k in keys):
        return False
    tones = {v for v in lx.variants(own) if v != own and syllables.split_tone(v)[0] == base}
    fits = correct.fit(words, i, [own, *keys, *tones])
    score = {c: s for c, (s, _) in fits.items()}
    linked = {c: n for c, (_, n) in fits.items()}
    nonwords = all(not lx.known(k) or lx.log_freq(k) < correct.RARE for k in keys)
    joins = all(linked[own] > linked[k] for k in keys)
    if (name and not joins) or (mended and not nonwords) or not (nonwords or joins):
        return False
    return all(score[own] - score[c] >= SETTLE_MARGIN for c in keys | tones)


def _prior(votes: Counter[str], vocab: Counter[str]) -> dict[str, float]:
    """The language model's prior for each read of a place, as lexicon keys: its votes, its use in the
    body text and a tone mark a rival lacks (see `_score`), less the best read's. So the reads rank
    among themselves, and a mark no read gave (prior 0) still needs the context to win."""
    out: dict[str, float] = {}
    for c, n in votes.items():
        word = _core(c)[1]
        k = lexicon.key(word)
        if not k.isalpha():
            continue
        bonus = n + (1.0 if vocab[word.lower()] else 0.0) + (1.0 if _lost(word, list(votes)) else 0.0)
        out[k] = max(out.get(k, bonus), bonus)
    top = max(out.values(), default=0.0)
    return {k: v - top for k, v in out.items()}


def read(segs: list[Segment], page: PageText, pages: list[PageText], *, centre: float | None = None,
         zone: bool = True, language: str = "vie", tessdata: Path | None = None,
         timeout: float = 60) -> SummaryRead:
    """The summary text of `segs` (lines on `page`), combined from the page read and zone re-reads."""
    segs = trim_stamp(segs, centre)
    if segs and (start := formula_start([w.text for w in segs[0].line.words])):
        segs = [Segment(Line(segs[0].line.words[start:]), segs[0].page), *segs[1:]]  # a stamp's remains before it
    base = [[w.text for w in s.line.words] for s in segs]
    if page.method != "ocr" or not zone:
        return SummaryRead(" ".join(t for ln in base for t in ln), page.method != "ocr", [])
    box = union_bbox(s.bbox for s in segs)
    pad = (box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4)

    def reread(scale: float, psm: int) -> list[Line] | None:
        return zone_ocr(page, pad, psm=psm, red=True, blue=True, scale=scale, language=language,
                        tessdata=tessdata, timeout=timeout)

    with ThreadPoolExecutor(2) as pool:  # two Tesseract processes at once
        rereads = [f.result() for f in [beside.submit(pool, reread, 1.5, 6), beside.submit(pool, reread, 2.0, 4)]]
    alts = [_alt_lines(segs, lines) for lines in rereads if lines]
    vocab = document_vocabulary(pages, box, page.number)
    pairs = document_bigrams(pages, box, page.number)
    got = combine(base, alts, vocab, [w.confidence for s in segs for w in s.line.words], pairs)
    got.text = parsers.clean(got.text)
    return got


__all__ = ["SummaryRead", "combine", "document_bigrams", "document_vocabulary", "formula_start", "read",
           "trim_stamp"]
