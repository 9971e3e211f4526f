"""What the search index holds of a record, and what a search returns — the same for every backend."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.archive.index import citizen_ids
from pipeline.search.fold import fold, mask_citizen_ids, nfc

# Indexed fields, in ranking weight order: metadata above the body text (bm25 / ts_rank weights).
FIELDS: tuple[str, ...] = ("summary", "number_symbol", "document_type", "issuing_agency", "signer",
                           "issued_place", "text")
WEIGHTS: dict[str, float] = {"summary": 8.0, "number_symbol": 8.0, "document_type": 4.0, "issuing_agency": 4.0,
                             "signer": 3.0, "issued_place": 2.0, "text": 1.0}


@dataclass(frozen=True)
class Shown:
    """What a hit shows of its record, and what the filters compare."""

    document_id: str
    dossier_id: str | None
    kind: str | None
    document_type: str | None
    number_symbol: str | None
    issued_date: str | None
    summary: str | None


@dataclass(frozen=True)
class IndexDoc(Shown):
    """One record as indexed: what hits show plus the searchable fields (NFC, citizen IDs masked).

    `fields["text"]` is None when the caller has no body text at hand (a corrected record): the index
    keeps the copy it has."""

    record_sha: str
    fields: dict[str, str | None]

    @property
    def kind_key(self) -> str | None:
        return kind_key(self.kind)


def kind_key(kind: str | None) -> str | None:
    """What `--kind` compares: folded, so 'Quyết định', 'quyet dinh' and 'QUYẾT ĐỊNH' are one kind."""
    return " ".join(fold(kind).replace("_", " ").split()) if kind else None


def kind_of(record: dict[str, Any]) -> str | None:
    """component.kind when the record has one (issue 19's document parts), else the document type."""
    component = record.get("component") or {}
    md = record.get("metadata") or {}
    return component.get("kind") or md.get("document_type")


def record_sha(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def doc_from_record(record: dict[str, Any], text: str | None) -> IndexDoc:
    md = record.get("metadata") or {}
    ids = citizen_ids(record)  # the text's and the component's (an ID card's number, a form's applicant …)

    def join(*names: str) -> str:
        return mask_citizen_ids(nfc("\n".join(str(md[n]) for n in names if md.get(n))), ids)

    fields: dict[str, str | None] = {
        "summary": join("summary"),
        "number_symbol": join("number_symbol") or join("number", "symbol"),
        "document_type": join("document_type"),
        "issuing_agency": join("parent_agency", "issuing_agency"),
        "signer": join("signer_title", "signer_name"),
        "issued_place": join("issued_place"),
        "text": None if text is None else mask_citizen_ids(nfc(text), ids),
    }
    return IndexDoc(record["document_id"], record.get("dossier_id"), kind_of(record), md.get("document_type"),
                    md.get("number_symbol"), md.get("issued_date"), fields["summary"] or None, record_sha(record),
                    fields)


@dataclass(frozen=True)
class Hit(Shown):
    """One search result; `snippet` marks the matches with the markers asked for (« » by default)."""

    snippet: str
    score: float  # higher is better, within one query
    exact: int  # how many of the query's marked words or phrases matched with their marks

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
