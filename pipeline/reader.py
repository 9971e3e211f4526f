"""Reader API for downstream Python code: open an archive by URI and read committed records.

    from pipeline.reader import open_reader
    with open_reader("s3://hoso/sohoa") as r:
        for record in r.records(): ...
        pdf_bytes = r.artifact(record["document_id"], "searchable_pdf")

Only documents whose record.json exists are visible: a half-written document never is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.archive import Archive, keys, open_archive
from pipeline.archive import records as store
from pipeline.errors import RecordNotFoundError


class Reader:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
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
        return self.archive.presigned_url(self.get(document_id)["artifacts"][name], expires_seconds)


def open_reader(uri: str | Path) -> Reader:
    return Reader(open_archive(uri))
