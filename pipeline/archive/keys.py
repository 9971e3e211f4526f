"""The archive's key layout (the same in a bucket and in a local directory). Contract v1:

    records/{document_id}/original.{ext}     the input bytes, unchanged
    records/{document_id}/searchable.pdf     two-layer PDF/A-2b
    records/{document_id}/text.txt           full text, UTF-8 NFC, pages separated by form feeds
    records/{document_id}/record.json        written last: the commit point
    records/{document_id}/history/{revision}.json   earlier versions of record.json (revision: 4 digits)
    records/{document_id}/evidence/{field}.png      crops of the page around a flagged field (review)
    dossiers/{dossier_id}/manifest.json      the documents of a dossier (hồ sơ)
    quarantine/{dossier_id|_}/{name}-{sha12}/original.{ext} + error.json
    runs/{run_id}/report.json

No raw file name reaches a key unsanitised: `component()` makes any name one safe path part.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^\w.\-+()~]+", re.UNICODE)
MAX_COMPONENT_BYTES = 120


def component(name: str, *, fallback: str = "_") -> str:
    """One safe key part: NFC, no separators, no '..', no leading dots, ≤ 120 UTF-8 bytes."""
    s = unicodedata.normalize("NFC", name).replace("/", "_").replace("\\", "_")
    s = _UNSAFE.sub("_", s).strip("._ ")
    s = re.sub(r"\.{2,}", ".", s)
    encoded = s.encode("utf-8")[:MAX_COMPONENT_BYTES]
    s = encoded.decode("utf-8", errors="ignore").rstrip("._ ")
    return s or fallback


def record_prefix(document_id: str) -> str:
    return f"records/{document_id}/"


def original(document_id: str, ext: str) -> str:
    return f"records/{document_id}/original.{ext}"


def searchable(document_id: str) -> str:
    return f"records/{document_id}/searchable.pdf"


def text(document_id: str) -> str:
    return f"records/{document_id}/text.txt"


def record(document_id: str) -> str:
    return f"records/{document_id}/record.json"


def history(document_id: str, revision: int) -> str:
    """Where version `revision` of a record is kept once a newer one replaced it."""
    return f"records/{document_id}/history/{revision:04d}.json"


def history_prefix(document_id: str) -> str:
    return f"records/{document_id}/history/"


def evidence_crop(document_id: str, field: str) -> str:
    """The crop of the archived page around a flagged field's evidence, shown to the reviewing operator."""
    return f"records/{document_id}/evidence/{component(field)}.png"


def manifest(dossier_id: str) -> str:
    return f"dossiers/{component(dossier_id)}/manifest.json"


def quarantine_prefix(dossier_id: str | None, filename: str, sha256: str) -> str:
    return f"quarantine/{component(dossier_id or '_')}/{component(filename)}-{sha256[:12]}/"


def run_report(run_id: str) -> str:
    return f"runs/{component(run_id)}/report.json"
