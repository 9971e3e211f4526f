"""Reader API for downstream Python code: open an archive by URI and read committed records.

    from pipeline.reader import open_reader
    with open_reader("s3://hoso/sohoa") as r:
        for record in r.records(): ...
        pdf_bytes = r.artifact(record["document_id"], "searchable_pdf")
        for record in r.find(number_symbol="12/2024/QĐ-UBND"): ...
        r.find(kind="id_card", dossier="000.17.22.H56-240126-0001")   # components by kind
        link = r.url(document_id)              # presigned GET of the searchable PDF (S3)
        for hit in r.search("giao dat Mo Duc", kind="Quyết định", date_from="2024"): ...

Only documents whose record.json exists are visible: a half-written document never is. Lookups
go through the index (pipeline.archive.index) and check every hit against its record. `search`
reads the full-text index (pipeline.search), which commits keep current and `reindex` rebuilds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.archive import Archive, index, keys, open_archive
from pipeline.archive import records as store
from pipeline.archive.verify import VerifyReport, verify
from pipeline.errors import RecordNotFoundError
from pipeline.search import Filters, Hit, SearchIndex, open_index, parse
from pipeline.search.rebuild import RebuildReport, rebuild
from schemas.record import COMPONENT_KINDS


class Reader:
    def __init__(self, archive: Archive, *, index_key: bytes | None = None,
                 search_index: str | Path | None = None) -> None:
        self.archive = archive
        self.index_key = index_key if index_key is not None else index.index_key_from_env()
        self.search_location = search_index  # None: SOHOA_SEARCH_INDEX, else beside the archive
        self._search: SearchIndex | None = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._search is not None:
            self._search.close()
        self.archive.close()

    def ids(self) -> Iterator[str]:
        return store.iter_record_ids(self.archive)

    def records(self) -> Iterator[dict[str, Any]]:
        return store.iter_records(self.archive)

    def resolve(self, id_or_prefix: str) -> str:
        """A full document id from a unique prefix (≥ 6 hex digits)."""
        if len(id_or_prefix) == 64:
            return id_or_prefix
        if len(id_or_prefix) >= 6:
            hits = [i for i in self.ids() if i.startswith(id_or_prefix)]
            if len(hits) == 1:
                return hits[0]
        raise RecordNotFoundError(id_or_prefix)

    def get(self, id_or_prefix: str) -> dict[str, Any]:
        document_id = self.resolve(id_or_prefix)
        rec = store.get_record(self.archive, document_id)
        if rec is None:
            raise RecordNotFoundError(id_or_prefix)
        return rec

    def text(self, document_id: str) -> str:
        return self.archive.get_bytes(keys.text(document_id)).decode("utf-8")

    def artifact(self, document_id: str, name: str) -> bytes:
        """Bytes of an artifact named in the record (`original`, `searchable_pdf`, `text`)."""
        key = self.get(document_id)["artifacts"][name]
        return self.archive.get_bytes(key)

    def download(self, document_id: str, name: str, dest: Path) -> Path:
        return self.archive.download(self.get(document_id)["artifacts"][name], dest)

    def url(self, document_id: str, name: str = "searchable_pdf", expires_seconds: int = 3600) -> str:
        """A time-limited URL of an artifact (presigned GET on S3, file:// locally)."""
        return self.archive.presigned_url(self.get(document_id)["artifacts"][name], expires_seconds)

    presigned_url = url

    def lookup(self, kind: index.Kind, value: str) -> list[str]:
        """Ids of committed records indexed under `value`, each checked against its record."""
        return [rec["document_id"] for rec in self._lookup(kind, value)]

    def _lookup(self, kind: index.Kind, value: str) -> Iterator[dict[str, Any]]:
        for document_id in index.lookup(self.archive, kind, value, self.index_key):
            rec = store.get_record(self.archive, document_id)
            if rec is not None and index.matches(rec, kind, value, self.index_key):
                yield rec

    def find(self, *, dossier: str | None = None, number_symbol: str | None = None, issued_date: str | None = None,
             citizen_id: str | None = None, kind: str | None = None,
             procedure: str | None = None) -> list[dict[str, Any]]:
        """Records matching every given criterion (issued_date may be YYYY or YYYY-MM for a range; kind is a
        component kind such as 'id_card'; procedure a procedure code such as '1.004227')."""
        if kind and kind not in COMPONENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(COMPONENT_KINDS)}, not {kind!r}")
        criteria: list[tuple[index.Kind, str]] = [
            (k, v) for k, v in (("dossier", dossier), ("number_symbol", number_symbol),
                                ("issued_date", issued_date), ("citizen", citizen_id), ("procedure", procedure),
                                ("kind", kind)) if v]
        if not criteria:
            raise ValueError("give at least one of dossier, number_symbol, issued_date, citizen_id, kind, procedure")
        kind, value = criteria[0]
        found = []
        for rec in self._lookup(kind, value):
            others = criteria[1:]
            if all(self._has(rec, k, v) for k, v in others):
                found.append(rec)
        return found

    def _has(self, rec: dict[str, Any], kind: index.Kind, value: str) -> bool:
        if kind == "dossier":
            return self.archive.exists(index.entry_key("dossier", value, rec["document_id"]))
        return index.matches(rec, kind, value, self.index_key)

    def dossier(self, dossier_id: str) -> dict[str, Any] | None:
        """The dossier manifest (documents with file names), None when unknown."""
        try:
            manifest: dict[str, Any] = self.archive.get_json(keys.manifest(dossier_id))
            return manifest
        except FileNotFoundError:
            return None

    def verify(self, prefix: str = "") -> VerifyReport:
        return verify(self.archive, prefix=prefix)

    def search(self, query: str, *, field: str | None = None, dossier: str | None = None, kind: str | None = None,
               date_from: str | None = None, date_to: str | None = None, limit: int = 20,
               mark: tuple[str, str] = ("«", "»")) -> list[Hit]:
        """Records whose text or metadata match `query` (pipeline.search.query has the syntax), best first.

        `field` limits the match to one indexed field (pipeline.search.model.FIELDS); `kind` is the
        record's component.kind or, without one, its document type, compared folded; the dates bound
        metadata.issued_date (YYYY, YYYY-MM or YYYY-MM-DD, inclusive)."""
        parsed = parse(query, field)
        filters = Filters(dossier=dossier, kind=kind, date_from=date_from, date_to=date_to, limit=limit)
        return self.search_index().search(parsed, filters, mark)

    def search_index(self, *, create: bool = False) -> SearchIndex:
        if self._search is None:
            self._search = open_index(self.archive, location=self.search_location, create=create)
        return self._search

    def reindex(self, *, workers: int = 8) -> RebuildReport:
        """Rebuild the search index from the archive alone (record.json, text.txt, manifests)."""
        return rebuild(self.archive, self.search_index(create=True), workers=workers)


def open_reader(uri: str | Path, *, index_key: bytes | None = None, search_index: str | Path | None = None) -> Reader:
    return Reader(open_archive(uri), index_key=index_key, search_index=search_index)
