"""The inbox as an S3/MinIO prefix: s3://BUCKET/PREFIX, read through the same `S3Archive` as the archive.

Layout, as for a folder: PREFIX/<dossier>/<file> are dossiers, PREFIX/<file> loose files (batch "_"),
PREFIX/processed/… is the processed area. `pipeline.document.process` reads local files, so each input
of a claimed batch is first *staged*: streamed (1 MiB at a time) to WORK/sohoa-inbox-<hash>/<etag>/<key>
and handed over as an InputFile with the staged file's stat. The object's ETag at listing time is part
of the staged path; the move copies the object server-side only if its ETag is still that one
(`x-amz-copy-source-if-match`), so an input replaced during the run is never moved unprocessed.

S3 lists an object only once its upload is complete, so there are no partial files; uploads still in
progress (multipart) and objects younger than min_file_age_seconds (by Last-Modified) keep their
dossier for the next run, like a folder's young files.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from minio.commonconfig import REPLACE, CopySource
from minio.error import S3Error

from flows import inbox as inbox_ops
from pipeline import intake
from pipeline.archive import Archive
from pipeline.archive.s3 import S3Archive
from pipeline.errors import ArchiveConfigError
from pipeline.text import nfc

log = logging.getLogger(__name__)

_ETAG = re.compile(r"[^0-9A-Za-z-]")
_GONE = {"NoSuchKey", "NoSuchObject", "PreconditionFailed", "ResourceNotFound"}


@dataclass(frozen=True)
class Entry:
    """One listed inbox object; `key` is relative to the inbox prefix."""

    key: str
    size: int
    etag: str
    last_modified: float

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.key.split("/"))


def _skipped(parts: tuple[str, ...]) -> bool:
    """Not an inbox input at all: processed/, hidden folders, file-manager junk, bad key segments."""
    name = parts[-1]
    return (parts[0] == inbox_ops.PROCESSED or any(p.startswith(".") for p in parts[:-1])
            or any(p in ("", ".", "..") for p in parts) or name.lower() in intake._JUNK or name.startswith("._"))


def _partial(name: str) -> bool:
    return intake.is_partial(name)


class S3Inbox:
    """An inbox bucket/prefix opened as an `S3Archive` (one client, same SOHOA_S3_* settings as the archive)."""

    def __init__(self, store: Archive, work_dir: Path | None = None) -> None:
        if not isinstance(store, S3Archive):
            raise ArchiveConfigError(f"an S3 inbox needs an S3 store, got {store!r}")
        self.store = store
        self.uri = store.uri
        tag = hashlib.sha256(f"{store.config.url}|{store.uri}".encode()).hexdigest()[:12]
        self.root = (Path(work_dir) if work_dir else Path(tempfile.gettempdir())) / f"sohoa-inbox-{tag}"

    # -- listing ----------------------------------------------------------------------
    def _full(self, key: str) -> str:
        return f"{self.store.prefix}/{key}" if self.store.prefix else key

    def entries(self) -> Iterator[Entry]:
        """Every object under the prefix with its size, ETag and Last-Modified (one paged listing)."""
        s = self.store
        try:
            for obj in s.client.list_objects(s.bucket, prefix=self._full(""), recursive=True):
                if not obj.object_name or obj.is_dir:
                    continue
                modified = obj.last_modified.timestamp() if isinstance(obj.last_modified, datetime) else 0.0
                yield Entry(s._key(obj.object_name), int(obj.size or 0), (obj.etag or "").strip('"'), modified)
        except S3Error as e:
            if e.code != "NoSuchBucket":
                s._fail("list", "", e)
        except Exception as e:
            s._fail("list", "", e)

    def uploading(self) -> set[str]:
        """Keys with a multipart upload in progress (best effort: not every S3 server lists them)."""
        s = self.store
        try:
            result = s.client._list_multipart_uploads(s.bucket, prefix=self._full(""), max_uploads=1000)
        except Exception as e:  # not supported, no bucket: young objects are caught by min age anyway
            log.debug("cannot list multipart uploads of %s: %s", self.uri, e)
            return set()
        return {s._key(u.object_name) for u in result.uploads if u.object_name}

    def scan(self, min_age_seconds: float, now: float | None = None) -> list[intake.InputFile]:
        """Candidate inputs, dossiers first by name, then loose files (as `intake.scan_inbox` orders a folder).

        The InputFile's path is where the object will be staged; size and mtime are the object's.
        """
        now = time.time() if now is None else now
        found: list[intake.InputFile] = []
        for e in sorted(self.entries(), key=lambda e: e.parts):
            if _skipped(e.parts):
                continue
            if _partial(e.parts[-1]):
                log.info("skipping partial object %s", e.key)
                continue
            if now - e.last_modified < min_age_seconds:
                log.info("skipping %s: uploaded %.1f s ago, may still be part of an upload batch", e.key,
                         now - e.last_modified)
                continue
            dossier = nfc(e.parts[0]) if len(e.parts) > 1 else None
            found.append(intake.InputFile(self._staged_path(e), dossier, nfc(e.parts[-1]), e.size, e.last_modified))
        return found

    def incomplete(self, min_age_seconds: float, now: float | None = None) -> set[str]:
        """Dossiers with an object still arriving (partial name, too young, multipart upload in progress)."""
        now = time.time() if now is None else now
        found: set[str] = set()
        for e in self.entries():
            if len(e.parts) > 1 and not _skipped(e.parts) and (
                    _partial(e.parts[-1]) or now - e.last_modified < min_age_seconds):
                found.add(nfc(e.parts[0]))
        for key in self.uploading():
            parts = tuple(key.split("/"))
            if len(parts) > 1 and not _skipped(parts):
                found.add(nfc(parts[0]))
        return found

    def waiting(self, min_age_seconds: float, now: float | None = None) -> list[dict[str, str]]:
        """Objects a scan leaves out because they may still be arriving: {"label", "reason"}."""
        now = time.time() if now is None else now
        out = []
        for e in sorted(self.entries(), key=lambda e: e.parts):
            if _skipped(e.parts):
                continue
            if _partial(e.parts[-1]):
                out.append({"label": nfc("/".join(e.parts)), "reason": "partial file name"})
            elif now - e.last_modified < min_age_seconds:
                out.append({"label": nfc("/".join(e.parts)), "reason": f"uploaded {now - e.last_modified:.1f} s ago"})
        out += [{"label": nfc(key), "reason": "upload in progress"} for key in self.uploading()
                if not _skipped(tuple(key.split("/")))]
        return out

    # -- staging ----------------------------------------------------------------------
    def _staged_path(self, e: Entry) -> Path:
        etag = _ETAG.sub("", e.etag) or "none"
        return self.root.joinpath(etag[:64], *e.parts)

    def key_of(self, item: intake.InputFile) -> str:
        return "/".join(item.path.relative_to(self.root).parts[1:])

    def etag_of(self, item: intake.InputFile) -> str:
        return item.path.relative_to(self.root).parts[0]

    def present(self, item: intake.InputFile) -> bool:
        return self.store.stat(self.key_of(item)) is not None

    def stage(self, items: list[intake.InputFile]) -> list[intake.InputFile]:
        """Download each item to its staged path (kept if already complete); items gone meanwhile are dropped."""
        staged: list[intake.InputFile] = []
        for item in items:
            dest = item.path
            if not (dest.is_file() and dest.stat().st_size == item.size):
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{threading.get_ident()}.part")
                try:
                    self.store.download(self.key_of(item), tmp)
                except FileNotFoundError:
                    log.info("%s: gone from the inbox before it could be staged", item.label)
                    tmp.unlink(missing_ok=True)
                    continue
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
                if tmp.stat().st_size != item.size:  # replaced since the listing: the next run takes it
                    log.info("%s: replaced in the inbox since the scan; left for the next run", item.label)
                    tmp.unlink()
                    continue
                os.replace(tmp, dest)
            st = dest.stat()  # the staged file's own stat, so changed_since_scan does not defer it
            staged.append(replace(item, size=st.st_size, mtime=st.st_mtime))
        return staged

    def unstage(self, items: list[intake.InputFile]) -> None:
        """Remove staged copies and the folders they emptied (never the staging root itself)."""
        for item in items:
            if self.root not in item.path.parents:
                continue
            item.path.unlink(missing_ok=True)
            folder = item.path.parent
            while folder != self.root and self.root in folder.parents:
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent

    # -- moving ------------------------------------------------------------------------
    def move_processed(self, archive: Archive, items: list[intake.InputFile],
                       statuses: dict[str, str]) -> list[inbox_ops.Moved]:
        """Copy each verified input to processed/… then delete it, by the folder inbox's rules."""
        moved: list[inbox_ops.Moved] = []
        for item in items:
            status = statuses.get(item.label)
            if status in (None, "failed") or not item.path.exists():
                continue
            sha = intake.content_sha256(item.path)
            folder = inbox_ops.destination(archive, item, status, sha)
            if folder is None:
                continue
            dest = self._move(self.key_of(item), self.etag_of(item), folder, sha)
            if dest is not None:
                moved.append(inbox_ops.Moved(item.label, dest, status))
        return moved

    def _move(self, key: str, etag: str, folder: str, sha: str) -> str | None:
        """Server-side copy to folder/<name> if the object is still the one staged, then delete it."""
        s = self.store
        name = PurePosixPath(key).name
        dest = f"{folder}/{name}"
        there = s.stat(dest)
        if there is not None and there.sha256 != sha:
            p = PurePosixPath(name)
            dest = f"{folder}/{p.stem}.{sha[:12]}{p.suffix}"
            there = s.stat(dest)
        try:
            src = s.client.stat_object(s.bucket, self._full(key))
            if (src.etag or "").strip('"') != etag:
                log.info("%s: replaced in the inbox during the run; left for the next run", key)
                return None
            if there is None or there.sha256 != sha:
                meta = {k[len("x-amz-meta-"):]: v for k, v in (src.metadata or {}).items()
                        if k.lower().startswith("x-amz-meta-") and k.lower() != "x-amz-meta-sha256"}
                s.client.copy_object(s.bucket, self._full(dest), CopySource(s.bucket, self._full(key), match_etag=etag),
                                     metadata={**meta, "Content-Type": src.content_type or "application/octet-stream",
                                               "sha256": sha}, metadata_directive=REPLACE)
            s.client.remove_object(s.bucket, self._full(key))
        except S3Error as e:
            if e.code in _GONE:
                log.info("%s: gone or replaced in the inbox during the run (%s); left as it is", key, e.code)
                return None
            s._fail("move", key, e)
        except Exception as e:
            s._fail("move", key, e)
        log.debug("moved %s to %s", key, dest)
        return dest

    def processed(self) -> str:
        return f"{self.uri}/{inbox_ops.PROCESSED}"
