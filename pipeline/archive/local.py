"""A local directory as the archive, with the bucket's key layout.

Object metadata (SHA-256, content type, user metadata) lives beside the tree in
`.sohoa-meta/<key>.json`, so the visible layout is exactly the bucket's. Each write goes to a
temporary file in the target folder, is fsynced, then renamed: readers never see half an object.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.archive.base import Archive, ObjectInfo
from pipeline.errors import ArchiveError
from pipeline.workdir import pid_alive

META_DIR = ".sohoa-meta"
_TEMP = re.compile(r"^\.tmp-(\d+)-.*\.part$")
_UMASK = os.umask(0o022)
os.umask(_UMASK)


_cleaned: set[Path] = set()


def _clean_stale_temp(folder: Path) -> None:
    """Remove temp files of writers that died (kill -9) in a folder this process just wrote to.

    Every re-run rewrites the objects of an uncommitted document, so its folders get cleaned here
    without walking the whole archive; each folder once per process, so busy index folders are not
    listed on every write. The pid check assumes one machine per local archive.
    """
    if folder in _cleaned:
        return
    _cleaned.add(folder)
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = _TEMP.match(entry.name)
            if m and not pid_alive(int(m.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


class LocalArchive(Archive):
    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        self.uri = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ArchiveError(f"cannot create {self.root}: {e.strerror}") from e

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in (
                "", ".", ".."):
            raise ArchiveError(f"invalid key {key!r}")
        return self.root.joinpath(*parts)

    def _meta_path(self, key: str) -> Path:
        return self.root / META_DIR / (key + ".json")

    def _atomic_write(self, dest: Path, writer: object) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".tmp-{os.getpid()}-", suffix=".part")
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide objects from other readers
            with os.fdopen(fd, "wb") as f:
                writer(f)  # type: ignore[operator]
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _clean_stale_temp(dest.parent)

    def _write_meta(self, key: str, info: ObjectInfo) -> None:
        data = json.dumps({"size": info.size, "sha256": info.sha256, "content_type": info.content_type,
                           "metadata": info.metadata}, ensure_ascii=False).encode()
        self._atomic_write(self._meta_path(key), lambda f: f.write(data))

    def put_file(self, key: str, path: Path, *, content_type: str, metadata: dict[str, str] | None = None,
                 sha256: str | None = None) -> ObjectInfo:
        dest = self._path(key)
        try:
            digest = hashlib.sha256()
            self._atomic_write(dest, lambda f: _copy(path, f, digest))
            info = ObjectInfo(key, dest.stat().st_size, sha256 or digest.hexdigest(), content_type,
                              dict(metadata or {}))
            self._write_meta(key, info)
        except OSError as e:
            raise ArchiveError(f"cannot write {key}: {e.strerror or e}") from e
        return info

    def put_bytes(self, key: str, data: bytes, *, content_type: str,
                  metadata: dict[str, str] | None = None) -> ObjectInfo:
        dest = self._path(key)
        info = ObjectInfo(key, len(data), hashlib.sha256(data).hexdigest(), content_type, dict(metadata or {}))
        try:
            self._atomic_write(dest, lambda f: f.write(data))
            self._write_meta(key, info)
        except OSError as e:
            raise ArchiveError(f"cannot write {key}: {e.strerror or e}") from e
        return info

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise
        except OSError as e:
            raise ArchiveError(f"cannot read {key}: {e.strerror}") from e

    def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        try:
            meta = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        return ObjectInfo(key, st.st_size, meta.get("sha256"), meta.get("content_type"), meta.get("metadata") or {})

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.root
        keys = []
        for dirpath, dirnames, filenames in os.walk(base):
            rel_dir = os.path.relpath(dirpath, base)
            if rel_dir == ".":
                dirnames[:] = [d for d in dirnames if d != META_DIR]
            for name in filenames:
                if name.startswith(".tmp-"):
                    continue
                key = name if rel_dir == "." else f"{Path(rel_dir).as_posix()}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        yield from sorted(keys)

    def delete(self, key: str) -> None:
        for p in (self._path(key), self._meta_path(key)):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def presigned_url(self, key: str, expires_seconds: int = 3600) -> str:
        return self._path(key).as_uri()

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """An flock on `.sohoa-meta/.locks/NAME`: every process using this folder on this machine waits its
        turn (on NFS, Linux maps flock to byte-range locks: untested here). Yields False where refused."""
        path = self.root / META_DIR / ".locks" / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = path.open("a+b")
        except OSError:
            yield False
            return
        with f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


def _copy(src: Path, f: BinaryIO, digest: hashlib._Hash) -> None:
    """Copy and hash in one read of the source."""
    with src.open("rb") as s:
        for chunk in iter(lambda: s.read(1 << 20), b""):
            digest.update(chunk)
            f.write(chunk)
