"""Digital signatures embedded in a PDF (Vietnamese signed documents carry one or more).

The first signature is usually the issuing body's, on or shortly after the issue date; later ones
are the provincial gazette centre's (Trung tâm Công báo). Extraction uses their times to
cross-check a handwritten issue day; they never become the issue date themselves.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pikepdf

from pipeline.text import nfc

log = logging.getLogger(__name__)

_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")


@dataclass(frozen=True)
class Signature:
    signed_at: datetime | None
    name: str | None  # /Name: the signer when the signing software fills it
    reason: str | None  # often the signing body
    location: str | None
    page: int | None  # 1-based page of its widget, when visible


def parse_pdf_date(value: str) -> datetime | None:
    """'D:20250107100957+07'00'' → aware datetime; None when unreadable."""
    m = _PDF_DATE.match(value.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, sign, oh, om = m.groups()
    try:
        tz = UTC
        if sign in ("+", "-") and oh:
            delta = timedelta(hours=int(oh), minutes=int(om or 0))
            tz = timezone(delta if sign == "+" else -delta)
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def _text(obj: object) -> str | None:
    if obj is None:
        return None
    s = nfc(str(obj)).strip().rstrip("<").strip()
    return s or None


def read_signatures(path: Path) -> list[Signature]:
    """Signature fields of the PDF in document order; [] when none or unreadable."""
    out: list[Signature] = []
    try:
        with pikepdf.open(path) as pdf:
            pages = {p.objgen: i for i, p in enumerate(pdf.pages, start=1)}
            form = pdf.Root.get("/AcroForm")
            for field in (form.get("/Fields", []) if form is not None else []):
                value = field.get("/V")
                if field.get("/FT") != "/Sig" or not isinstance(value, pikepdf.Dictionary):
                    continue
                page_ref = field.get("/P")
                out.append(Signature(
                    signed_at=parse_pdf_date(str(value.get("/M", ""))),
                    name=_text(value.get("/Name")),
                    reason=_text(value.get("/Reason")),
                    location=_text(value.get("/Location")),
                    page=pages.get(page_ref.objgen) if isinstance(page_ref, pikepdf.Dictionary) else None,
                ))
    except Exception as e:  # a damaged signature dictionary must not sink the document
        log.info("cannot read signatures of %s: %s", path.name, e)
    return out
