"""Cross-checks between fields read independently: each can confirm or doubt a value, never supply one.

- The digital signature layer: a signing date before the issue date makes the date doubtful; an agency
  named in it confirms the issuing agency.
- The symbol: Decree 30 builds a symbol from the type's code and the issuing body's abbreviation, the
  initials of its name ('BAN CHỈ ĐẠO 138' → 'QĐ-BCĐ138', 'SỞ GIÁO DỤC VÀ ĐÀO TẠO' → 'KH-SGDĐT'; a công
  văn puts it first: 'UBND-TTHC'). The agency block and the number line are read apart, so initials
  that match confirm the agency's words, when each is a common word (a misread inside a word that keeps
  its first letter would have to make another common word).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.extract import parsers, vocab
from pipeline.lang import correct, lexicon
from pipeline.models import PageText

if TYPE_CHECKING:
    from pipeline.extract.fields import Field

CONFIRMED = 0.9  # an agency whose initials the symbol spells
MIN_OCR = 0.6  # under this the agency read is too poor for its initials to vouch for its letters
SKIPPED = ("VA", "VÀ")  # 'và' has no letter in an abbreviation (SGDĐT, STNMT)
UNITS = tuple(vocab.key(u) for u in lexicon.UNIT_WORDS)  # TỈNH, THÀNH PHỐ, XÃ … folded as agencies are


def apply(pages: list[PageText], out: dict[str, Field]) -> None:
    signature_layer(pages, out)
    symbol_initials(out)


def signature_layer(pages: list[PageText], out: dict[str, Field]) -> None:
    """A digital-signature date before the issue date makes the date doubtful; an agency named in the
    signature layer confirms the issuing agency."""
    overlay = " ".join(p.overlay_text for p in pages if p.overlay_text)
    if not overlay:
        return
    date = out.get("issued_date")
    signed = parsers.signing_dates(overlay)
    if date and date.value and signed:
        issued = str(date.value)
        if all(d.isoformat() < issued for d in signed):
            date.confidence = min(date.confidence, 0.5)
            date.reason = "issue date after the digital signature date"
    agency = out.get("issuing_agency")
    if agency and agency.value and vocab.key(str(agency.value)) in vocab.key(overlay):
        agency.confidence = max(agency.confidence, 0.95)


def initials(words: list[str]) -> str:
    """The abbreviation Decree 30 symbols use: first letter of each word without its marks but 'Đ' kept
    ('ỦY BAN' → 'UB'), numbers whole, 'và' skipped."""
    return "".join(w if w.isdigit() else lexicon.skeleton(w)[0] for w in words if w.upper() not in SKIPPED).upper()


def spelt_by_symbol(agency: str, symbol: str, place: str | None = None) -> bool:
    """Whether a part of `symbol` is the initials of all of `agency`'s words, or of all but a trailing
    unit and place that are the document's place ('ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI' → 'UBND')."""
    words = agency.replace(",", " ").split()
    parts = {p.upper() for p in symbol.split("-") if p}
    if len(words) < 2 or not parts:
        return False
    if initials(words) in parts:
        return True
    for cut in range(2, len(words)):
        rest = vocab.key(" ".join(words[cut:]))
        unit = next((u for u in UNITS if rest.startswith(u + " ")), None)
        if unit and place and rest[len(unit) + 1:] == vocab.key(place) and initials(words[:cut]) in parts:
            return True
    return False


def _common(words: list[str]) -> bool:
    lx = lexicon.load()
    return all(w.isdigit() or (lx.known(w) and lx.log_freq(w) >= correct.RARE) for w in words)


def symbol_initials(out: dict[str, Field]) -> None:
    """Confirm the issuing agency when the symbol spells its initials (see the module docstring)."""
    agency, symbol, place = out.get("issuing_agency"), out.get("symbol"), out.get("issued_place")
    if not (agency and agency.value and symbol and symbol.value) or agency.confidence < MIN_OCR:
        return
    if symbol.confidence < CONFIRMED or agency.confidence >= CONFIRMED:
        return
    text = str(agency.value)
    if _common(text.replace(",", " ").split()) and spelt_by_symbol(
            text, str(symbol.value), str(place.value) if place and place.value else None):
        agency.confidence = CONFIRMED
        agency.reason = ""


__all__ = ["apply", "initials", "spelt_by_symbol"]
