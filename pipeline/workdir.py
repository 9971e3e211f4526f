"""Per-document work folders, and the clean-up of those left by a killed run.

A folder is named `sohoa-{pid}-{sha12}-{random}`: the owner's pid tells a later run on the same
machine whether the folder is an orphan (owner gone, e.g. after kill -9) or still in use.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

from pipeline.errors import WorkDirError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^sohoa-(\d+)-[0-9a-f]{12}-")
_cleaned: set[Path] = set()
_lock = threading.Lock()


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(parent: Path) -> int:
    """Remove work folders whose owning process is gone; returns how many."""
    removed = 0
    try:
        entries = list(parent.iterdir())
    except OSError:
        return 0
    for entry in entries:
        m = _NAME.match(entry.name)
        if m and entry.is_dir() and not pid_alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    if removed:
        log.info("removed %d work folder(s) left by killed runs in %s", removed, parent)
    return removed


def clean_once(parent: Path | None) -> Path:
    """The work folders' parent, created, with orphans of dead runs cleared (once per process).

    A run calls it as it starts, not only when it makes its first folder: a run with nothing to do
    still clears what a killed one left."""
    base = Path(parent) if parent else Path(tempfile.gettempdir())
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WorkDirError(f"{base}: {e.strerror}") from e
    with _lock:
        if base not in _cleaned:
            _cleaned.add(base)
            clean_stale(base)
    return base


def make(parent: Path | None, sha: str) -> Path:
    """A fresh work folder for one document."""
    base = clean_once(parent)
    try:
        return Path(tempfile.mkdtemp(prefix=f"sohoa-{os.getpid()}-{sha[:12]}-", dir=base))
    except OSError as e:
        raise WorkDirError(f"{base}: {e.strerror}") from e
