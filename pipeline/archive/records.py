"""Record-level archive operations on top of the key/object interface.

The write order is the contract: original → searchable PDF → text → record.json. A document
without record.json is invisible to readers and redone by the next run. After a commit the search
index (pipeline.search, derived from the archive) is updated; its failures never fail the commit.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.archive import index, keys
from pipeline.archive.base import Archive
from pipeline.errors import RecordNotFoundError, RevisionConflictError
from pipeline.intake import MEDIA_TYPES
from pipeline.locks import KeyedLocks
from pipeline.models import Line, PageText, Word
from pipeline.search import hooks as search_hooks

log = logging.getLogger(__name__)


def has_record(archive: Archive, document_id: str) -> bool:
    return archive.exists(keys.record(document_id))


def get_record(archive: Archive, document_id: str) -> dict[str, Any] | None:
    try:
        return archive.get_json(keys.record(document_id))
    except FileNotFoundError:  # both stores raise it for a missing key
        return None


def iter_record_ids(archive: Archive) -> Iterator[str]:
    """Ids of committed documents (those whose record.json exists), sorted."""
    for key in archive.list("records/"):
        if key.endswith("/record.json"):
            yield key.split("/")[1]


def iter_records(archive: Archive) -> Iterator[dict[str, Any]]:
    for document_id in iter_record_ids(archive):
        rec = get_record(archive, document_id)
        if rec is not None:
            yield rec


def write_document(
    archive: Archive,
    *,
    document_id: str,
    media_type: str,
    original: Path,
    searchable: Path | None,
    text: str,
    record: dict[str, Any],
    pages: list[PageText] | None = None,
) -> None:
    """Store the artifacts, then commit by writing record.json last.

    `pages` (optional) keeps the positioned words per page as pages.json, so extraction can be
    re-run later without OCR (flows `reprocess`)."""
    meta = {"document-id": document_id}
    archive.put_file(keys.original(document_id, MEDIA_TYPES[media_type]), original, content_type=media_type,
                     metadata=meta, sha256=document_id)
    if searchable is not None:
        archive.put_file(keys.searchable(document_id), searchable, content_type="application/pdf", metadata=meta)
    archive.put_bytes(keys.text(document_id), text.encode("utf-8"), content_type="text/plain; charset=utf-8",
                      metadata=meta)
    if pages is not None:
        archive.put_json(pages_key(document_id), pages_to_json(pages), metadata=meta, compact=True)
    commit_record(archive, record, text=text)


_UNREAD: Any = object()  # commit_record's `previous` when the caller has not read record.json


def commit_record(archive: Archive, record: dict[str, Any], *, text: str | None = None,
                  previous: dict[str, Any] | None = _UNREAD) -> dict[str, Any] | None:
    """Write record.json — the one commit path of every writer — and keep the indexes in step with it.

    Index entries go in before the commit (see pipeline.archive.index), entries the previous version
    had and this one lacks are removed after it; then the search index takes the record, with `text`
    (the body just archived) or, when None (a corrected record), the body it already has. Returns the
    previous version (None for a first commit); a caller that read it under the record's lock passes it
    as `previous`, so record.json is not fetched twice. Anything that must follow a committed record
    (another index) belongs here, not in its callers."""
    document_id = record["document_id"]
    index.write_entries(archive, record)
    if previous is _UNREAD:
        previous = get_record(archive, document_id)
    archive.put_json(keys.record(document_id), record, metadata={"document-id": document_id})
    if previous is not None:
        index.remove_stale(archive, previous, record)
    search_hooks.on_commit(archive, record, text)
    return previous


def revision_of(record: dict[str, Any]) -> int:
    """The record's version number: 1 for a record as digitized (older records carry none)."""
    return int(record.get("revision") or 1)


def commit_revision(archive: Archive, record: dict[str, Any], *, base_revision: int) -> dict[str, Any]:
    """Commit `record` as the version after `base_revision`, keeping that version under history/.

    The copy of the replaced version is written before record.json, so a crash in between leaves the
    old record committed and a history copy equal to it (rewritten by the next try, never a gap).
    Raises RevisionConflictError when record.json is no longer `base_revision` (another reviewer, a
    re-processing). Returns the new record as committed."""
    document_id = record["document_id"]
    with archive.exclusive(f"record-{document_id}"):
        current = get_record(archive, document_id)
        if current is None:
            raise RecordNotFoundError(document_id)
        if revision_of(current) != base_revision:
            raise RevisionConflictError(f"record {document_id[:12]}… is at revision {revision_of(current)}, "
                                        f"the change was made on revision {base_revision}")
        new = dict(record, revision=base_revision + 1)
        archive.put_json(keys.history(document_id, base_revision), current, metadata={"document-id": document_id})
        commit_record(archive, new, previous=current)
    if new.get("dossier_id"):
        add_to_manifest(archive, new["dossier_id"], [manifest_entry(new)])
    return new


def get_history(archive: Archive, document_id: str) -> list[dict[str, Any]]:
    """Earlier versions of a record, oldest first."""
    return [archive.get_json(k) for k in archive.list(keys.history_prefix(document_id)) if k.endswith(".json")]


def pages_key(document_id: str) -> str:
    return f"{keys.record_prefix(document_id)}pages.json"


def pages_to_json(pages: list[PageText]) -> dict[str, Any]:
    """What extraction reads from each page, without the page image: words as [text, bbox, conf, size, bold]."""
    return {"version": 1, "pages": [
        {"number": p.number, "width": p.width, "height": p.height, "method": p.method, "dpi": p.dpi,
         "overlay_text": p.overlay_text,
         "lines": [[[w.text, list(w.bbox), w.confidence, w.size, w.bold] for w in line.words] for line in p.lines]}
        for p in pages]}


def pages_from_json(data: dict[str, Any]) -> list[PageText]:
    return [PageText(p["number"], p["width"], p["height"], p["method"],
                     [Line(tuple(Word(t, tuple(b), c, s, bold) for t, b, c, s, bold in line))  # type: ignore[arg-type]
                      for line in p["lines"]],
                     None, p.get("dpi"), p.get("overlay_text", ""))
            for p in data["pages"]]


def get_pages(archive: Archive, document_id: str) -> list[PageText] | None:
    """The stored page words of a document, None when it was archived without them."""
    if not archive.exists(pages_key(document_id)):
        return None
    return pages_from_json(archive.get_json(pages_key(document_id)))


def manifest_entry(record: dict[str, Any], filename: str | None = None, *,
                   secret: bytes | None = None) -> dict[str, Any]:
    """A document's line in its dossier manifest; `filename` is its name in that dossier (default: the record's).

    `kind` is the component kind; `owner_citizen_hmac` the owner's citizen ID keyed like the index
    (SOHOA_INDEX_KEY; absent without a key — the manifest never holds an ID in clear); a receipt
    adds the `dossier_code` it carries."""
    md = record.get("metadata") or {}
    comp = record.get("component") or {}
    entry = {"document_id": record["document_id"], "filename": filename or record["source"]["filename"],
             "kind": comp.get("kind"), "document_type": md.get("document_type"),
             "number_symbol": md.get("number_symbol"), "issued_date": md.get("issued_date"),
             "record": keys.record(record["document_id"])}
    secret = secret if secret is not None else index.index_key_from_env()
    owner = index.owner_citizen_id(comp)
    if owner and secret is not None:
        entry["owner_citizen_hmac"] = index.citizen_hash(owner, secret)
    receipt = comp.get("receipt") or {}
    if receipt.get("dossier_code"):
        entry["dossier_code"] = receipt["dossier_code"]
    return entry


def add_to_manifest(archive: Archive, dossier_id: str, entries: list[dict[str, Any]]) -> bool:
    """Merge documents into the dossier manifest; returns whether anything changed.

    The index entries (one object per document) are the race-free membership; the manifest is a
    read-modify-write snapshot, serialised per dossier within this process."""
    for entry in entries:
        index.add_dossier(archive, dossier_id, entry["document_id"])
    search_hooks.on_dossier(archive, dossier_id, [e["document_id"] for e in entries])
    with _manifest_lock(dossier_id):
        return _merge_manifest(archive, dossier_id, entries)


_manifest_locks = KeyedLocks()


def _manifest_lock(dossier_id: str) -> threading.Lock:
    return _manifest_locks(keys.component(dossier_id))


def _merge_manifest(archive: Archive, dossier_id: str, entries: list[dict[str, Any]]) -> bool:
    key = keys.manifest(dossier_id)
    try:
        current = archive.get_json(key)
    except FileNotFoundError:  # not any error: a failed read must not reset the manifest
        current = {"dossier_id": dossier_id, "documents": []}
    docs = {(d["document_id"], d.get("filename")): d for d in current.get("documents", [])}
    changed = False
    for entry in entries:
        k = (entry["document_id"], entry.get("filename"))
        if docs.get(k) != entry:
            docs[k] = entry
            changed = True
    if changed:
        current["documents"] = sorted(docs.values(), key=lambda d: (d.get("filename") or "", d["document_id"]))
        current["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        archive.put_json(key, current)
    return changed


def quarantine(
    archive: Archive,
    *,
    dossier_id: str | None,
    filename: str,
    sha256: str,
    source: Path,
    error: dict[str, str],
) -> str:
    """Keep a rejected input's bytes and the reason; idempotent for the same bytes and name."""
    prefix = keys.quarantine_prefix(dossier_id, filename, sha256)
    if archive.exists(prefix + "error.json"):
        return prefix
    ext = keys.component(Path(filename).suffix.lstrip(".").lower(), fallback="bin")
    body = {
        "filename": filename,
        "dossier_id": dossier_id,
        "sha256": sha256,
        "quarantined_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **error,
    }
    archive.put_file(prefix + f"original.{ext}", source, content_type="application/octet-stream",
                     metadata={"sha256": sha256})
    archive.put_json(prefix + "error.json", body)
    log.warning("quarantined %s: %s", filename, error.get("message"))
    return prefix


def iter_quarantine(archive: Archive) -> Iterator[dict[str, Any]]:
    for key in archive.list("quarantine/"):
        if key.endswith("/error.json"):
            yield json.loads(archive.get_bytes(key))
