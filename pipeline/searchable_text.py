"""The searchable PDF's invisible words mended as text.txt's are, only where the layer matches one for one.

Tesseract's text-only PDF (`textonly_pdf=1`) shows each word with one `TJ`: the word's UTF-16BE codes
plus a trailing space, after a `Tz` that stretches the glyphless font's one advance (DW 500, no /W:
every code is the same width) over the word's box. Its TSV, from the same pass and iterator, lists the
same words in the same order (`layout.parse_tsv` keeps it), so the k-th word shown is the k-th word
read. The layer is rewritten only when that holds for the whole page: every text-show is such a `TJ`
in the glyphless font, and the words it shows are, in order, exactly the words read. Otherwise the
page keeps Tesseract's layer as it is: never a partly wrong layer.

A mended word keeps its spaces; its `Tz` is scaled by old codes / new codes so it still spans its box.
The font's ToUnicode maps 0000-FFFF to itself, so a BMP character (every Vietnamese letter) extracts
as itself; a mended word that would need a surrogate pair (none does: only marks change) stays as read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pikepdf

from pipeline.text import nfc

log = logging.getLogger(__name__)

_IDENTITY = b"<0000> <FFFF> <0000>"  # the ToUnicode range Tesseract writes for its glyphless font
_OTHER_SHOWS = {"Tj", "'", '"'}


@dataclass(frozen=True)
class _Shown:
    index: int  # of the TJ instruction
    text: str  # decoded, spaces and all


def mend_layer(form: pikepdf.Stream, read: Sequence[str], words: Sequence[str], *, page: int = 0) -> int:
    """Replace the mended words (`words[k]` for `read[k]`) in a Tesseract text-only form XObject.

    Returns how many words were replaced; 0 and the stream untouched when nothing changed or the
    layer does not match the words read (logged at debug).
    """
    if list(read) == list(words):
        return 0
    ops = list(pikepdf.parse_content_stream(form))
    shown = _shown_words(ops, form, read, page)
    if shown is None:
        return 0
    changed = 0
    for k, s in enumerate(shown):
        new = nfc(words[k])
        if new == read[k]:
            continue
        if any(ord(c) > 0xFFFF or not c.isprintable() for c in new):
            log.debug("page %d: word %d %r kept as read (not one code per character)", page, k, new)
            continue
        tz = ops[s.index - 1]
        core = s.text.strip()
        start = s.text.index(core)
        text = s.text[:start] + new + s.text[start + len(core):]
        scale = Decimal(len(s.text.encode("utf-16-be"))) / Decimal(len(text.encode("utf-16-be")))
        ops[s.index - 1] = pikepdf.ContentStreamInstruction([(tz.operands[0] * scale).quantize(Decimal("0.001"))],
                                                            pikepdf.Operator("Tz"))
        ops[s.index] = pikepdf.ContentStreamInstruction([pikepdf.Array([pikepdf.String(text.encode("utf-16-be"))])],
                                                        pikepdf.Operator("TJ"))
        changed += 1
    if changed:
        form.write(pikepdf.unparse_content_stream(ops))
    return changed


def _shown_words(ops: list[pikepdf.ContentStreamInstruction], form: pikepdf.Stream, read: Sequence[str],
                 page: int) -> list[_Shown] | None:
    """The text-show of each word read, in order; None unless the layer is Tesseract's, word for word."""
    fonts = form.get("/Resources", {}).get("/Font", {})
    glyphless: dict[str, bool] = {}
    font = None
    shown: list[_Shown] = []
    for i, op in enumerate(ops):
        name = str(op.operator)
        if name == "Tf":
            font = str(op.operands[0]) if op.operands else None
            if font is not None and font not in glyphless:
                glyphless[font] = font in fonts and _glyphless(fonts[font])
        elif name in _OTHER_SHOWS:
            return _mismatch(page, f"{name} operator at {i}")
        elif name == "TJ":
            text = _decode(op)
            if text is None or font is None or not glyphless[font]:
                return _mismatch(page, f"text-show {i} is not one UTF-16 string in the glyphless font")
            if not text.strip():
                continue  # a lone space shows no word
            k = len(shown)
            if k >= len(read) or nfc(text.strip()) != read[k]:
                got = read[k] if k < len(read) else None
                return _mismatch(page, f"word {k}: layer {text.strip()!r}, read {got!r}")
            prev = ops[i - 1] if i else None
            if prev is None or str(prev.operator) != "Tz" or len(prev.operands) != 1 \
                    or not isinstance(prev.operands[0], int | Decimal):
                return _mismatch(page, f"word {k} has no Tz of its own")
            shown.append(_Shown(i, text))
    if len(shown) != len(read):
        return _mismatch(page, f"{len(shown)} words in the layer, {len(read)} read")
    return shown


def _decode(op: pikepdf.ContentStreamInstruction) -> str | None:
    if len(op.operands) != 1 or not isinstance(op.operands[0], pikepdf.Array) or len(op.operands[0]) != 1:
        return None
    s = op.operands[0][0]
    if not isinstance(s, pikepdf.String):
        return None
    raw = bytes(s)
    try:
        return raw.decode("utf-16-be") if len(raw) % 2 == 0 else None
    except UnicodeDecodeError:  # a lone surrogate
        return None


def _glyphless(font: pikepdf.Object) -> bool:
    """Tesseract's GlyphLessFont: Identity-H, one width for every code, codes extracting as themselves."""
    try:
        desc = font.DescendantFonts[0]
        return (font.get("/Encoding") == pikepdf.Name("/Identity-H") and "/W" not in desc
                and _IDENTITY in font.ToUnicode.read_bytes())
    except (AttributeError, IndexError, KeyError, TypeError, pikepdf.PdfError):
        return False


def _mismatch(page: int, why: str) -> None:
    log.debug("page %d: invisible layer left as Tesseract wrote it: %s", page, why)
    return None


__all__ = ["mend_layer"]
