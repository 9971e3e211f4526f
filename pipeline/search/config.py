"""Where the search index lives: `SOHOA_SEARCH_*` settings and the default location per archive."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.archive import Archive, LocalArchive, keys
from pipeline.archive.local import META_DIR

OFF = "off"


class SearchSettings(BaseSettings):
    """The search index's settings; every field can be set as `SOHOA_SEARCH_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_SEARCH_", extra="ignore")

    backend: Literal["sqlite", "postgres"] = Field("sqlite", description="Index engine.")
    index: str | None = Field(
        None, description="SQLite: the index file (default: `.sohoa-meta/search.sqlite` inside a directory "
                          "archive, a file under ~/.cache/sohoa/search/ for an S3 archive). `off`: records are "
                          "not indexed as they are committed (a worker that serves no search).")
    dsn: str | None = Field(None, description="PostgreSQL: libpq connection string (password via PGPASSWORD or "
                                              "~/.pgpass, never in the string).")
    pg_schema: str = Field("sohoa_search", description="PostgreSQL: the schema holding the index.")


def default_location(archive: Archive) -> Path:
    """Beside a directory archive; for a bucket, a local file named after the bucket and its endpoint."""
    if isinstance(archive, LocalArchive):
        return archive.root / META_DIR / "search.sqlite"
    endpoint = getattr(getattr(archive, "config", None), "endpoint", "")
    tag = hashlib.sha256(f"{endpoint}|{archive.uri}".encode()).hexdigest()[:12]
    name = keys.component(archive.uri.removeprefix("s3://").split("/", 1)[0], fallback="archive")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "sohoa" / "search" / f"{name}-{tag}.sqlite"
