"""Dossier components: what each document is (classify) and the fields its kind carries.

    decoded = barcodes.decode_page(page) for every page     (pipeline.barcodes; skipped on re-extraction)
    codes   = codes.interpret(decoded)                      (known QR shapes: receipt, ID card; else raw)
    kind    = classify.classify(pages, codes)               (title → Decree 30 header → labels → 'other')
    fields  = form | id_card | land | receipt .read(…)      (label → value, checked, cross-checked with QR)

`read()` returns the record's `component` and the review entries of its fields, named
`component.<kind>.<field>` (and `component.kind` when the kind is unsure). Administrative documents
keep their Decree 30 metadata (pipeline.extract.fields); this package adds only their kind and type.
Nothing here logs a value: the fields are citizens' personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline import barcodes
from pipeline.extract.components import classify, codes, fillins, form, id_card, land, receipt
from pipeline.extract.fields import REVIEW_BELOW, Field
from pipeline.models import PageText
from schemas.record import (
    ApplicationForm,
    Code,
    Component,
    Evidence,
    IdCard,
    LandCertificate,
    Receipt,
)

MODELS = {"application_form": ApplicationForm, "id_card": IdCard, "land_certificate": LandCertificate,
          "receipt": Receipt}
_WANTS_CODE = {"receipt": "dossier_receipt", "id_card": "citizen_id_card"}


@dataclass
class ComponentRead:
    component: Component
    review_fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def decode_codes(pages: Sequence[PageText]) -> list[Code]:
    """Every code on every scanned page, at the cheap resolution. Text-layer pages are not rendered for
    it (that would cost born-digital runs several times their extraction): a born-digital receipt or ID
    card is looked at in `_second_look`, once its kind is known."""
    return codes.interpret(c for p in pages if p.method == "ocr" for c in barcodes.decode_page(p))


def _second_look(pages: Sequence[PageText], kind: str, found: list[Code]) -> list[Code]:
    """A receipt or ID card whose code was not decoded: its first page again (rendered, for a text layer;
    at full resolution for a scan)."""
    scheme = _WANTS_CODE.get(kind)
    if scheme is None or any(c.scheme == scheme for c in found) or not pages:
        return found
    first = pages[0]
    again = codes.interpret(barcodes.decode_page(first, dpi=barcodes.DECODE_DPI if first.method == "text_layer"
                                                 else barcodes.FULL_DPI))
    seen = {(c.page, c.text) for c in found}
    return found + [c for c in again if (c.page, c.text) not in seen]


def assemble(found: dict[str, Field], prefix: str) -> tuple[dict[str, object], dict[str, Evidence], list[str],
                                                             list[str]]:
    """Values, evidence and review entries of read fields: the rules of pipeline.extract (null or flagged)."""
    vals: dict[str, object] = {}
    evidence: dict[str, Evidence] = {}
    flagged: list[str] = []
    reasons: list[str] = []
    for name, f in found.items():
        if f.value is None or f.value == []:
            if f.reason:
                flagged.append(f"{prefix}{name}")
                reasons.append(f"{prefix}{name}: {f.reason}")
            continue
        vals[name] = f.value
        if f.bbox is not None and f.page is not None:
            evidence[name] = Evidence(page=f.page, bbox=f.bbox, confidence=round(max(0.0, min(1.0, f.confidence)), 3),
                                      source=f.source)
        if f.confidence < REVIEW_BELOW or f.reason:
            flagged.append(f"{prefix}{name}")
            reasons.append(f"{prefix}{name}: {f.reason or 'low confidence'} ({f.confidence:.2f})")
    return vals, evidence, flagged, reasons


def read(pages: Sequence[PageText], found_codes: list[Code] | None = None, *, decode: bool = True,
         document_type: str | None = None, zone: bool = True, ocr: fillins.Ocr = fillins.DEFAULT_OCR) -> ComponentRead:
    """The component of one document. `found_codes` are codes decoded earlier (re-extraction keeps them);
    with `decode` and none given, every page is decoded here; without `zone`, no value is read again."""
    all_codes = list(found_codes) if found_codes is not None else (decode_codes(pages) if decode else [])
    decision = classify.classify(pages, all_codes)
    if decode and found_codes is None:
        more = _second_look(pages, decision.kind, all_codes)
        if len(more) != len(all_codes):
            all_codes = more
            decision = classify.classify(pages, all_codes)
    return build(pages, decision, all_codes, document_type, zone=zone, ocr=ocr)


def build(pages: Sequence[PageText], decision: classify.Decision, all_codes: list[Code],
          document_type: str | None = None, *, zone: bool = True,
          ocr: fillins.Ocr = fillins.DEFAULT_OCR) -> ComponentRead:
    comp = Component(kind=decision.kind, confidence=decision.confidence, cues=decision.cues, title=decision.title,
                     codes=all_codes)
    out = ComponentRead(comp)
    if decision.page is not None and decision.bbox is not None:
        comp.evidence["kind"] = Evidence(page=decision.page, bbox=decision.bbox, confidence=decision.confidence,
                                         source="classifier")
    if decision.kind == "other":
        out.review_fields.append("component.kind")
        guess = f" (best guess: {decision.guess})" if decision.guess else ""
        out.reasons.append(f"component.kind: not recognised{guess}")
    if decision.kind == "administrative" or (decision.kind == "other" and decision.guess == "administrative"):
        comp.document_type = document_type or decision.document_type
    readers = {"application_form": lambda: form.read(pages, decision, zone=zone, ocr=ocr),
               "id_card": lambda: id_card.read(pages, decision, all_codes),
               "land_certificate": lambda: land.read(pages, decision),
               "receipt": lambda: receipt.read(pages, decision, all_codes)}
    if decision.kind in readers:
        found = readers[decision.kind]()
        if decision.kind == "receipt":
            linked = found.pop("linked_by_qr")
        prefix = f"component.{decision.kind}."
        vals, evidence, flagged, reasons = assemble(found, prefix)
        if decision.kind == "receipt":
            vals["linked_by_qr"] = bool(linked.value)
        if decision.kind == "id_card":
            vals["side"] = id_card.side(pages)
        setattr(comp, decision.kind, MODELS[decision.kind](**vals))
        comp.evidence.update({f"{decision.kind}.{k}": v for k, v in evidence.items()})
        out.review_fields += flagged
        out.reasons += reasons
    return out


__all__ = ["ComponentRead", "assemble", "build", "decode_codes", "read"]
