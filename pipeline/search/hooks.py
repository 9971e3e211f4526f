"""The index kept in step with the archive: called by `pipeline.archive.records` after each commit.

A failure here never fails the commit — the record is in the archive, which is the source of truth.
It is logged as a warning naming the document, and `sohoa records reindex` repairs the index. One index
object per file is kept for the process; it hands each thread its own connection.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pipeline.archive import Archive, keys
from pipeline.search import SearchIndex, SearchSettings, index_path, open_index
from pipeline.search.model import doc_from_record

log = logging.getLogger(__name__)
_open: OrderedDict[Any, tuple[int, SearchIndex]] = OrderedDict()  # where → (inode, index), most recent last
_KEEP = 4  # indexes kept open per process (a process writes one archive, tests many)
_lock = threading.Lock()


def writer(archive: Archive) -> SearchIndex | None:
    """The process's index of `archive`, opened (or created) once; None when indexing is off."""
    settings = SearchSettings()
    path = index_path(archive, settings)
    if path is None:
        return None
    where: Any = (settings.dsn, settings.pg_schema) if settings.backend == "postgres" else path
    with _lock:
        cached = _open.get(where)
        if cached is not None and cached[0] == _inode(where):
            _open.move_to_end(where)
            return cached[1]
        index = open_index(archive, settings=settings, create=True)  # new, or the file was replaced under us
        _open[where] = (_inode(where), index)
        _open.move_to_end(where)
        while len(_open) > _KEEP:
            _open.popitem(last=False)
        return index


def _inode(where: Any) -> int:
    if not isinstance(where, Path):
        return 0
    try:
        return os.stat(where).st_ino
    except FileNotFoundError:
        return -1


def on_commit(archive: Archive, record: dict[str, Any], text: str | None = None) -> None:
    """Index a just-committed record. Without `text` (a corrected record) the index keeps its copy of the
    body, or reads text.txt for a document it does not have yet."""
    document_id = record["document_id"]
    try:
        index = writer(archive)
        if index is None:
            return
        if text is None and not index.has(document_id):
            text = _archived_text(archive, document_id)
        index.upsert([doc_from_record(record, text)])
    except Exception as e:  # the commit stands whatever happens here
        log.warning("search index not updated for %s (%s); the record is committed — "
                    "`sohoa records reindex` brings the index up to date", document_id[:12], e)


def on_dossier(archive: Archive, dossier_id: str, document_ids: list[str]) -> None:
    """Index one more dossier membership (the same file found in a second hồ sơ)."""
    try:
        index = writer(archive)
        if index is None:
            return
        index.add_dossiers((document_id, dossier_id) for document_id in document_ids)
    except Exception as e:
        log.warning("search index: dossier %s not recorded (%s); `sohoa records reindex` repairs it", dossier_id, e)


def _archived_text(archive: Archive, document_id: str) -> str:
    try:
        return archive.get_bytes(keys.text(document_id)).decode("utf-8")
    except FileNotFoundError:
        return ""
