"""Archive stage: where originals, searchable PDFs, texts and records are kept.

`open_archive(uri)` picks the store by URI: a path or file:// → `LocalArchive`;
s3://BUCKET/PREFIX → `S3Archive` (MinIO).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.archive.base import Archive, ObjectInfo
from pipeline.archive.local import LocalArchive

__all__ = ["Archive", "LocalArchive", "ObjectInfo", "open_archive"]


def open_archive(uri: str | Path) -> Archive:
    text = str(uri)
    if text.startswith("s3://"):
        from pipeline.archive.s3 import S3Archive

        return S3Archive.from_uri(text)
    if text.startswith("file://"):
        text = text[len("file://"):]
    return LocalArchive(Path(text))
