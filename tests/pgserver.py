"""A real PostgreSQL server for tests: Debian's `postgresql` package, a throw-away cluster on a unix socket.

initdb + pg_ctl in a temporary folder, listening on no TCP address (`listen_addresses=''`), only on a
socket in that folder; trust authentication for the one user `sohoa`. PostgreSQL refuses to run as
root, so as root (CI) the cluster runs as the `postgres` system user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.s3server import free_port


@dataclass
class PgServer:
    folder: Path
    port: int
    user: str | None  # the system user running it, None: this one

    @property
    def dsn(self) -> str:
        return f"host={self.folder} port={self.port} user=sohoa dbname=postgres"

    def stop(self) -> None:
        _run(self.user, [_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: apt-get install postgresql (scripts/install.sh)")
    return found[-1]


def _run(user: str | None, cmd: list[str]) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def start_postgres() -> PgServer:
    folder = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        pw = pwd.getpwnam(user)
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    port = free_port()
    _run(user, [_bin("initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "sohoa", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync"])
    _run(user, [_bin("pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
                f"-k {folder} -c listen_addresses= -p {port} -c fsync=off -c synchronous_commit=off", "start"])
    return PgServer(folder, port, user)
