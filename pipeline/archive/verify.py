"""`sohoa records verify`: prove the archive is what its metadata and records say it is.

Checks, streaming every object once (memory stays bounded whatever the object size):
- mismatch     the bytes no longer hash to the SHA-256 stored in the object's metadata
- unhashed     an object without a stored SHA-256 (written by something other than sohoa)
- orphan       records/{id}/ holds objects but no record.json (an interrupted write; the next run
               completes it — or the input is gone and the objects can be deleted)
- missing      a committed record names an artifact that does not exist
- wrong id     an original whose bytes do not hash to its document id
- dangling     an index entry whose record is not committed
- history      an earlier version under records/{id}/history/ that is not that record's version N,
               or a version missing below the record's revision (`missing`)

Review objects are known, not orphans, once record.json is there: history/{revision}.json (earlier
versions of the record) and evidence/{field}.png (the crops shown to the reviewing operator).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.archive import index, keys
from pipeline.archive.base import Archive


@dataclass
class Problem:
    kind: str  # mismatch | unhashed | orphan | missing | wrong_id | dangling | history
    key: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "detail": self.detail}


@dataclass
class VerifyReport:
    objects: int = 0
    bytes: int = 0
    records: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def of(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "objects": self.objects, "bytes": self.bytes, "records": self.records,
                "problems": [p.to_dict() for p in self.problems]}


def hash_object(archive: Archive, key: str) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with archive.open(key) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def verify(archive: Archive, *, prefix: str = "", on_object: Callable[[str], None] | None = None) -> VerifyReport:
    """Re-hash every object under `prefix` and check records, artifacts and index entries."""
    report = VerifyReport()
    record_dirs: dict[str, set[str]] = {}
    index_entries: list[tuple[str, str]] = []
    for key in archive.list(prefix):
        if on_object:
            on_object(key)
        if key.startswith(index.ROOT):
            index_entries.append((key, key.rsplit("/", 1)[1]))
        parts = key.split("/")
        if parts[0] == "records" and len(parts) >= 3:
            record_dirs.setdefault(parts[1], set()).add("/".join(parts[2:]))
        info = archive.stat(key)
        if info is None:
            continue  # deleted while we were listing
        try:
            digest, size = hash_object(archive, key)
        except FileNotFoundError:
            continue
        report.objects += 1
        report.bytes += size
        if info.sha256 is None:
            report.problems.append(Problem("unhashed", key, "no sha256 in the object's metadata"))
        elif digest != info.sha256:
            report.problems.append(Problem("mismatch", key,
                                           f"stored {info.sha256[:16]}…, bytes hash to {digest[:16]}…"))
        if parts[0] == "records" and len(parts) == 3 and parts[2].startswith("original.") and digest != parts[1]:
            report.problems.append(Problem("wrong_id", key, "the original's bytes do not hash to its document id"))

    committed = {doc for doc, names in record_dirs.items() if "record.json" in names}
    report.records = len(committed)
    for doc, names in sorted(record_dirs.items()):
        if doc not in committed:
            report.problems.append(Problem("orphan", keys.record_prefix(doc),
                                           f"{len(names)} object(s) without record.json: " + ", ".join(sorted(names))))
            continue
        try:
            rec = archive.get_json(keys.record(doc))
        except (FileNotFoundError, ValueError):
            continue
        own = keys.record_prefix(doc)
        for name, art in sorted((rec.get("artifacts") or {}).items()):
            present = art[len(own):] in names if art and art.startswith(own) else not art or archive.exists(art)
            if not present:
                report.problems.append(Problem("missing", art, f"artifact {name} of record {doc[:12]}… is absent"))
        report.problems += _check_history(archive, doc, rec, names)
    for key, doc in index_entries:
        if doc in committed:
            continue
        if prefix and not keys.record(doc).startswith(prefix) and archive.exists(keys.record(doc)):
            continue  # verifying only part of the archive: the record lives outside the prefix
        report.problems.append(Problem("dangling", key, f"record {doc[:12]}… is not committed"))
    return report


def _check_history(archive: Archive, doc: str, rec: dict[str, Any], names: set[str]) -> list[Problem]:
    """Every version below the record's revision is kept, each is that document's version N."""
    problems = []
    revision = int(rec.get("revision") or 1)
    kept = {n for n in names if n.startswith("history/")}
    for n in range(1, revision):
        key = keys.history(doc, n)
        name = key[len(keys.record_prefix(doc)):]
        if name not in kept:
            problems.append(Problem("missing", key, f"version {n} of record {doc[:12]}… (now at {revision}) is absent"))
            continue
        kept.discard(name)
        try:
            old = archive.get_json(key)
        except (FileNotFoundError, ValueError) as e:
            problems.append(Problem("history", key, f"unreadable: {e}"))
            continue
        if old.get("document_id") != doc or int(old.get("revision") or 1) != n:
            problems.append(Problem("history", key, f"holds document {str(old.get('document_id'))[:12]}… "
                                                    f"revision {old.get('revision') or 1}, not {doc[:12]}… {n}"))
    for name in sorted(kept):
        key = keys.record_prefix(doc) + name
        if key == keys.history(doc, revision) and _same_record(archive, key, rec):
            continue  # a review commit interrupted after its history copy: the next commit rewrites it
        problems.append(Problem("history", key, f"not a version below the record's revision {revision}"))
    return problems


def _same_record(archive: Archive, key: str, rec: dict[str, Any]) -> bool:
    try:
        return bool(archive.get_json(key) == rec)
    except (FileNotFoundError, ValueError):
        return False
