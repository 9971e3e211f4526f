"""`sohoa records reindex`: the search index from the archive alone (record.json, text.txt, manifests).

It works on the live index, batch by batch, so searches go on meanwhile and runs keep committing:
a row a run wrote after the rebuild started is newer than what the rebuild read and is left alone,
and a document no longer in the archive is removed. Records are read by a few threads (an S3 GET
is mostly waiting); a record.json the index already has (same SHA-256) costs one read and no text
read, so bringing another machine's index up to date costs a listing and one GET per record.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.archive import Archive, keys
from pipeline.archive import records as store
from pipeline.search import SearchIndex
from pipeline.search.model import IndexDoc, doc_from_record, record_sha
from pipeline.search.sqlite import now

BATCH = 500


@dataclass
class RebuildReport:
    location: str
    records: int = 0
    unchanged: int = 0  # record.json as indexed: its text was not read again
    changed: int = 0
    removed: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rebuild(archive: Archive, index: SearchIndex, *, workers: int = 8,
            progress: Callable[[int], None] | None = None) -> RebuildReport:
    started, t0 = now(), time.monotonic()
    report = RebuildReport(index.location)
    ids = list(store.iter_record_ids(archive))
    known = index.record_shas()
    with ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(ids), BATCH):
            loaded = list(pool.map(lambda i: _load(archive, i, known), ids[start:start + BATCH]))
            docs = [d for d in loaded if isinstance(d, IndexDoc)]
            report.unchanged += sum(d is UNCHANGED for d in loaded)
            report.changed += index.upsert(docs, unless_indexed_since=started)
            report.records += len(docs) + sum(d is UNCHANGED for d in loaded)
            if progress:
                progress(report.records)
    index.add_dossiers(_memberships(archive))
    report.removed = index.remove(index.document_ids() - set(ids), unless_indexed_since=started)
    index.optimize()
    index.set_meta("rebuilt_at", started)
    report.seconds = round(time.monotonic() - t0, 3)
    return report


UNCHANGED = object()


def _load(archive: Archive, document_id: str, known: dict[str, str]) -> IndexDoc | object | None:
    """The document as indexed; UNCHANGED when the index has this very record; None when it is gone."""
    record = store.get_record(archive, document_id)
    if record is None:  # removed since the listing
        return None
    if known.get(document_id) == record_sha(record):
        return UNCHANGED
    try:
        text = archive.get_bytes(keys.text(document_id)).decode("utf-8")
    except FileNotFoundError:
        text = ""
    return doc_from_record(record, text)


def _memberships(archive: Archive) -> itertools.chain[tuple[str, str]]:
    """(document, dossier) of every manifest line: the dossiers a document joined after its first."""
    def of(key: str) -> list[tuple[str, str]]:
        manifest = archive.get_json(key)
        return [(d["document_id"], manifest["dossier_id"]) for d in manifest.get("documents", [])]

    return itertools.chain.from_iterable(of(k) for k in archive.list("dossiers/") if k.endswith("/manifest.json"))
