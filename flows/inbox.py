"""The inbox side of a run: which dossiers are complete, and moving inputs out once archived.

Layout: INBOX/<dossier>/<files…> (files at the top level belong to no dossier, batch "_").
After a run, an input is moved to INBOX/processed/<dossier>/<file> only once its record is verified
in the archive (record.json present, its source sha256 = the file's, original object hash = the same).
Quarantined inputs go to INBOX/processed/quarantine/<dossier>/<file> once the archive holds their
bytes and error.json, so the nightly run does not quarantine them again; an operator who fixes one
drops it back into the inbox. Inputs whose document failed for a run-level reason, or hit an
unexpected processing error (E_PROCESSING: our bug, not the file's), stay where they are
for the next run. No Prefect here: the flows call these through thin tasks.

`open_inbox` gives the flows one `Inbox` for a folder (`LocalInbox`) or an s3:// prefix
(`flows.inbox_s3.S3Inbox`); both decide where an input goes with `destination`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline import intake
from pipeline.archive import Archive, keys
from pipeline.archive import records as store
from pipeline.archive.base import sha256_file
from pipeline.text import nfc

log = logging.getLogger(__name__)

PROCESSED = "processed"
LOOSE = "_"  # the batch name of files at the inbox's top level


def batch_of(item: intake.InputFile) -> str:
    return item.dossier_id or LOOSE


def by_dossier(items: list[intake.InputFile]) -> dict[str, list[intake.InputFile]]:
    """Items grouped by dossier, in the scan's order."""
    groups: dict[str, list[intake.InputFile]] = defaultdict(list)
    for item in items:
        groups[batch_of(item)].append(item)
    return dict(groups)


def incomplete_dossiers(inbox: Path, min_age_seconds: float, now: float | None = None) -> set[str]:
    """Dossiers with a file still being written (partial name or too young): left whole for the next run."""
    now = time.time() if now is None else now
    found: set[str] = set()
    for top in inbox.iterdir() if inbox.is_dir() else []:
        if not top.is_dir() or top.name.startswith(".") or top.name == PROCESSED:
            continue
        for path in top.rglob("*"):
            if not path.is_file():
                continue
            if intake.is_partial(path.name) or now - path.stat().st_mtime < min_age_seconds:
                found.add(nfc(top.name))
                break
    return found


@dataclass
class Moved:
    label: str
    to: str  # path relative to the inbox
    status: str


def verified(archive: Archive, sha256: str) -> bool:
    """The archive holds this input's committed record: record.json present and hashes agreeing."""
    rec = store.get_record(archive, sha256)
    if rec is None or (rec.get("source") or {}).get("sha256") != sha256 or rec.get("document_id") != sha256:
        return False
    info = archive.stat((rec.get("artifacts") or {}).get("original", ""))
    return info is not None and info.sha256 == sha256


def quarantine_entry(archive: Archive, item: intake.InputFile, sha256: str) -> dict | None:
    """The input's error.json in the archive, or None when it is not there."""
    key = keys.quarantine_prefix(item.dossier_id, item.filename, sha256) + "error.json"
    return archive.get_json(key) if archive.exists(key) else None


def destination(archive: Archive, item: intake.InputFile, status: str | None, sha: str) -> str | None:
    """Where a finished input goes, relative to the inbox, or None when it stays (the log says why).

    Shared by the folder and the S3 inbox so both move by the same rules.
    """
    if status in ("archived", "skipped"):
        if not verified(archive, sha):
            log.warning("%s: record not verified in the archive; input left in the inbox", item.label)
            return None
        return f"{PROCESSED}/{batch_of(item)}"
    if status == "quarantined":
        entry = quarantine_entry(archive, item, sha)
        if entry is None:
            log.warning("%s: quarantine entry not found in the archive; input left in the inbox", item.label)
            return None
        if entry.get("code") == "E_PROCESSING":
            # Not the file's fault but ours: keep it in the inbox so the run after a fix takes it.
            log.warning("%s: unexpected processing error; input left in the inbox for the next run", item.label)
            return None
        return f"{PROCESSED}/quarantine/{batch_of(item)}"
    return None


def move_processed(inbox: Path, archive: Archive, items: list[intake.InputFile],
                   statuses: dict[str, str]) -> list[Moved]:
    """Move every input whose outcome is verified in the archive; leave the rest (and say why in the log)."""
    moved: list[Moved] = []
    for item in items:
        status = statuses.get(item.label)
        if status in (None, "failed") or not item.path.exists():
            continue
        sha = intake.content_sha256(item.path)
        folder = destination(archive, item, status, sha)
        if folder is None:
            continue
        dest_dir = inbox / folder
        dest = _free_name(dest_dir, item.path.name, sha)
        if dest is None:  # the same bytes are already there
            item.path.unlink()
            dest = dest_dir / item.path.name
        else:
            dest_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(item.path, dest)
        moved.append(Moved(item.label, dest.relative_to(inbox).as_posix(), status))
        _prune(item.path.parent, inbox)
    return moved


def _free_name(folder: Path, name: str, sha: str) -> Path | None:
    dest = folder / name
    if not dest.exists():
        return dest
    if sha256_file(dest) == sha:
        return None
    p = Path(name)
    return folder / f"{p.stem}.{sha[:12]}{p.suffix}"


def _prune(folder: Path, inbox: Path) -> None:
    """Remove emptied dossier folders (never the inbox itself)."""
    while folder != inbox and inbox in folder.parents:
        with contextlib.suppress(OSError):
            if any(folder.iterdir()):
                return
            os.rmdir(folder)
        folder = folder.parent


class Inbox(Protocol):
    """What a run needs from an inbox, a local folder (`LocalInbox`) or an S3 prefix (`flows.inbox_s3`)."""

    uri: str

    def scan(self, min_age_seconds: float) -> list[intake.InputFile]: ...
    def incomplete(self, min_age_seconds: float) -> set[str]: ...
    def waiting(self, min_age_seconds: float) -> list[dict[str, str]]: ...
    def present(self, item: intake.InputFile) -> bool: ...
    def stage(self, items: list[intake.InputFile]) -> list[intake.InputFile]: ...
    def unstage(self, items: list[intake.InputFile]) -> None: ...
    def move_processed(self, archive: Archive, items: list[intake.InputFile],
                       statuses: dict[str, str]) -> list[Moved]: ...
    def processed(self) -> str: ...


@dataclass
class LocalInbox:
    """The inbox as a folder: items are the files themselves, so staging is a no-op."""

    root: Path

    @property
    def uri(self) -> str:
        return str(self.root)

    def scan(self, min_age_seconds: float) -> list[intake.InputFile]:
        return intake.scan_inbox(self.root, min_age_seconds=min_age_seconds)

    def incomplete(self, min_age_seconds: float) -> set[str]:
        return incomplete_dossiers(self.root, min_age_seconds)

    def waiting(self, min_age_seconds: float) -> list[dict[str, str]]:
        return intake.waiting_files(self.root, min_age_seconds=min_age_seconds)

    def present(self, item: intake.InputFile) -> bool:
        return item.path.exists()

    def stage(self, items: list[intake.InputFile]) -> list[intake.InputFile]:
        return [item for item in items if item.path.exists()]

    def unstage(self, items: list[intake.InputFile]) -> None:
        pass

    def move_processed(self, archive: Archive, items: list[intake.InputFile],
                       statuses: dict[str, str]) -> list[Moved]:
        return move_processed(self.root, archive, items, statuses)

    def processed(self) -> str:
        return str(self.root / PROCESSED)


def open_inbox(uri: str, open_store: Callable[[str], Archive], work_dir: Path | None = None) -> Inbox:
    """A folder path, or s3://BUCKET/PREFIX opened as an Archive by `open_store` (inputs staged under work_dir)."""
    if uri.startswith("s3://"):
        from flows.inbox_s3 import S3Inbox

        return S3Inbox(open_store(uri.rstrip("/")), work_dir)
    return LocalInbox(Path(uri))
