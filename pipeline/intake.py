"""Intake: find the documents in an inbox and say what each one is.

INBOX/<dossier id>/<files…> belong to that dossier (hồ sơ); files at the top level belong to none.
The type is sniffed from the bytes, not trusted from the name. Files still being written (too young)
are left for the next run; nothing is opened beyond the first bytes here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EmptyFileError, LimitExceededError, UnsupportedTypeError
from pipeline.text import nfc

log = logging.getLogger(__name__)

MEDIA_TYPES = {"application/pdf": "pdf", "image/tiff": "tif", "image/jpeg": "jpg", "image/png": "png"}
_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".filepart")
_JUNK = {".ds_store", "thumbs.db", "desktop.ini"}  # written by file managers, never documents


@dataclass(frozen=True)
class InputFile:
    path: Path
    dossier_id: str | None
    filename: str  # NFC, no folders
    size: int
    mtime: float

    @property
    def label(self) -> str:
        return f"{self.dossier_id}/{self.filename}" if self.dossier_id else self.filename


def _candidates(inbox: Path) -> Iterator[tuple[Path, Path]]:
    """(path, path relative to the inbox) of every file that may be an input, in sorted order."""
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if any(part.startswith(".") for part in rel.parts[:-1]) or rel.parts[0] in ("processed",):
            continue  # hidden folders (.git, .sohoa) and the processed/ area are not inbox
        if path.name.lower() in _JUNK or path.name.startswith("._"):
            continue
        if not path.is_file() or path.is_symlink():
            continue
        yield path, rel


def is_partial(name: str) -> bool:
    """A name a downloader or an office program gives a file it is still writing."""
    return name.lower().endswith(_IGNORED_SUFFIXES) or name.startswith("~$")


def still_written(path: Path, min_age_seconds: float, now: float) -> str | None:
    """Why the file may still be being written (a partial name, a recent change), or None."""
    if is_partial(path.name):
        return "partial file name"
    age = now - path.stat().st_mtime
    if age < min_age_seconds:
        return f"modified {age:.1f} s ago"
    return None


def scan_inbox(inbox: Path, *, min_age_seconds: float = 0.0, now: float | None = None) -> list[InputFile]:
    """Every candidate file in the inbox, dossiers first by name, then loose files.

    File-manager junk, hidden folders, partial downloads and files younger than `min_age_seconds` are
    skipped (`waiting_files` names the last two, so a run can show them). Anything else is returned, even
    if it will be rejected later: bad input must be quarantined, not silently left behind.
    """
    now = time.time() if now is None else now
    found: list[InputFile] = []
    for path, rel in _candidates(inbox):
        why = still_written(path, min_age_seconds, now)
        if why:
            log.info("skipping %s: %s, may still be being written", rel, why)
            continue
        st = path.stat()
        dossier = nfc(rel.parts[0]) if len(rel.parts) > 1 else None
        found.append(InputFile(path, dossier, nfc(path.name), st.st_size, st.st_mtime))
    return found


def waiting_files(inbox: Path, *, min_age_seconds: float, now: float | None = None) -> list[dict[str, str]]:
    """The files `scan_inbox` leaves out because they may still be being written: {"label", "reason"}."""
    now = time.time() if now is None else now
    out = []
    for path, rel in _candidates(inbox):
        why = still_written(path, min_age_seconds, now)
        if why:
            out.append({"label": nfc(rel.as_posix()), "reason": why})
    return out


def wait_until_written(inbox: Path, *, min_age_seconds: float, limit_seconds: float,
                       on_wait: Callable[[list[dict[str, str]], float], None] | None = None) -> list[dict[str, str]]:
    """Wait (at most `limit_seconds`) until no file of the inbox is younger than `min_age_seconds`, for an
    interactive run on files just copied in; returns those still waiting (partial names never settle)."""
    deadline = time.monotonic() + limit_seconds
    while True:
        waiting = waiting_files(inbox, min_age_seconds=min_age_seconds)
        young = [w for w in waiting if w["reason"] != "partial file name"]
        left = deadline - time.monotonic()
        if not young or left <= 0:
            return waiting
        pause = min(left, max(0.2, min_age_seconds - min(_age(inbox / w["label"]) for w in young) + 0.1))
        if on_wait:
            on_wait(young, pause)
        time.sleep(pause)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def sniff(head: bytes) -> str | None:
    """Media type from magic bytes, or None."""
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def identify(item: InputFile, *, max_bytes: int | None = None) -> tuple[str, str]:
    """(media type, sha256 hex) of an input, streaming (a 500 MB scan is never read whole).

    Raises the typed input errors that send a file to quarantine.
    """
    if item.size == 0:
        raise EmptyFileError()
    if max_bytes is not None and item.size > max_bytes:
        raise LimitExceededError(f"file is {item.size / 1e6:.0f} MB, limit {max_bytes / 1e6:.0f} MB")
    with item.path.open("rb") as f:
        head = f.read(1024)
    media_type = sniff(head)
    if media_type is None:
        ext = item.path.suffix.lower() or "without extension"
        raise UnsupportedTypeError(f"(named {ext}, content not recognised)")
    return media_type, content_sha256(item.path)


def content_sha256(path: Path) -> str:
    """SHA-256 of a file, read once per version of it: the flow's cache key, `identify` and the
    check before an input is moved out of the inbox all ask, and a 500 MB scan should be read once.
    A version is (path, size, mtime): a file rewritten in place gets hashed again."""
    st = path.stat()
    return _sha256_of(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def changed_since_scan(item: InputFile) -> bool:
    """True when the file grew, shrank or was touched after the scan: a writer is still at it."""
    try:
        st = item.path.stat()
    except FileNotFoundError:
        return True
    return st.st_size != item.size or st.st_mtime != item.mtime


def iter_chunks(path: Path, size: int = 8 << 20) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from iter(lambda: f.read(size), b"")
