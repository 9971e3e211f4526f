"""Full-text search of archived records, with Vietnamese folding ("giao dat Mo Duc" finds "giao đất … Mộ Đức").

Read in this order: `fold` (the folding, citizen-ID masking), `query` (what a person types), `model`
(what is indexed of a record, what a hit is), `sqlite` (the embedded backend), `postgres` (the same for an
index shared by many machines), `hooks` (the index kept in step with every commit), `rebuild`
(`sohoa records reindex`: the index from the archive alone).

The archive is the source of truth: the index is derived, a commit never fails because of it, and a
rebuild repairs whatever it missed. Backends share the `SearchIndex` interface; `open_index` picks one
from the settings (`SOHOA_SEARCH_*`, config.SearchSettings).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from pipeline.archive import Archive
from pipeline.search.config import OFF, SearchSettings, default_location
from pipeline.search.model import FIELDS, Hit, IndexDoc
from pipeline.search.query import Filters, Query, parse

__all__ = ["FIELDS", "Filters", "Hit", "IndexDoc", "Query", "SearchIndex", "SearchSettings", "open_index", "parse"]


class SearchIndex(Protocol):
    """What every backend does (SQLite here; PostgreSQL or OpenSearch behind the same calls)."""

    backend: str
    location: str

    def upsert(self, docs: Iterable[IndexDoc], *, unless_indexed_since: str | None = None) -> int: ...
    def add_dossiers(self, pairs: Iterable[tuple[str, str]]) -> int: ...
    def remove(self, document_ids: Iterable[str], *, unless_indexed_since: str | None = None) -> int: ...
    def has(self, document_id: str) -> bool: ...
    def document_ids(self) -> set[str]: ...
    def record_shas(self) -> dict[str, str]: ...
    def search(self, query: Query, filters: Filters, mark: tuple[str, str] = ...) -> list[Hit]: ...
    def optimize(self) -> None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def get_meta(self, key: str) -> str | None: ...
    def dump(self) -> dict[str, list[tuple[Any, ...]]]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


def index_path(archive: Archive, settings: SearchSettings | None = None) -> Path | None:
    """The SQLite file for `archive` (None when indexing is switched off)."""
    settings = settings or SearchSettings()
    if settings.index == OFF:
        return None
    return Path(settings.index).expanduser() if settings.index else default_location(archive)


def open_index(archive: Archive, *, settings: SearchSettings | None = None, location: str | Path | None = None,
               create: bool = False) -> SearchIndex:
    """The index of `archive`; SearchIndexMissingError when it was never built (unless `create`).

    `location` (a file) overrides the settings' SQLite file; SOHOA_SEARCH_BACKEND=postgres uses
    SOHOA_SEARCH_DSN and SOHOA_SEARCH_PG_SCHEMA instead (one index for many machines)."""
    from pipeline.search.sqlite import SqliteIndex

    settings = settings or SearchSettings()
    if settings.backend == "postgres" and location is None:
        from pipeline.errors import SearchIndexError
        from pipeline.search.postgres import PostgresIndex

        if not settings.dsn:
            raise SearchIndexError("SOHOA_SEARCH_BACKEND=postgres needs SOHOA_SEARCH_DSN (a libpq connection string)")
        return PostgresIndex(settings.dsn, schema=settings.pg_schema, create=create)
    path = Path(location).expanduser() if location else index_path(archive, settings)
    if path is None:
        path = default_location(archive)
    return SqliteIndex(path, create=create)
