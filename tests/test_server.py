"""The CLI's early temporary Prefect server (flows/server.py): used, stopped, never left behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows import server
from pipeline.synth import Document, render_page

ROOT = Path(__file__).resolve().parents[1]
SOHOA = [sys.executable, "-m", "flows.cli"]
VIEW_AT = re.compile(r"View at http://127\.0\.0\.1:(\d+)/")


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return {**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "INFO"}


def test_cli_run_uses_the_early_server_and_stops_it_with_every_log_line_delivered(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    res = subprocess.run([*SOHOA, "digitize", str(tmp_path / "inbox"), "--archive", str(tmp_path / "archive"),
                          "--min-file-age", "0"], capture_output=True, text=True, timeout=180, cwd=ROOT,
                         env=_env())
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    m = VIEW_AT.search(out)
    assert m, out
    assert "Starting temporary server" not in out, "Prefect started a second server of its own"
    assert "Error logging to API" not in out, "logs queued at the end were not flushed before the stop"
    assert not _answers(int(m.group(1))), "the temporary server outlived the run"


def test_cli_run_with_pages_started_ahead_archives_each_once_and_leaves_no_work_folder(tmp_path: Path) -> None:
    """While the server boots the CLI starts the first documents' OCR (pipeline/ahead.py): the run
    must still archive every input once, and the folder those pages were written to must go."""
    from pipeline.synth import save_pdf

    inbox, work = tmp_path / "inbox", tmp_path / "work"
    (inbox / "hs-1").mkdir(parents=True)
    page, _ = render_page(Document(), dpi=150)
    save_pdf([page, page], inbox / "hs-1" / "scan.pdf", dpi=150)
    page.save(inbox / "loose.png", dpi=(150, 150))
    res = subprocess.run([*SOHOA, "digitize", str(inbox), "--archive", str(tmp_path / "archive"),
                          "--min-file-age", "0", "--work-dir", str(work), "--jobs", "2"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT, env=_env())
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert len(list((tmp_path / "archive" / "records").iterdir())) == 2, out
    assert [p.name for p in work.iterdir()] == [], "a work folder outlived the run"


def test_killed_cli_takes_its_server_with_it(tmp_path: Path) -> None:
    """Regression: a CLI killed with SIGKILL left Prefect's temporary server running forever."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    page, _ = render_page(Document(), dpi=150)
    for i in range(3):
        page.save(inbox / f"p{i}.png", dpi=(150, 150))
    proc = subprocess.Popen([*SOHOA, "digitize", str(inbox), "--archive", str(tmp_path / "archive"),
                             "--min-file-age", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT, env=_env())
    port = None
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while port is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = VIEW_AT.search(line)
        port = int(m.group(1)) if m else None
    assert port is not None and _answers(port)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while _answers(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(port)


def test_no_early_server_when_the_environment_names_an_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setattr(server, "TemporaryServer", lambda: pytest.fail("no server may be started"))
    assert server.start() is None


def test_early_server_is_stopped_when_the_settings_name_an_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile or prefect.toml can name the API: the server launched before reading them is stopped."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    started: list[server.TemporaryServer] = []
    real = server.TemporaryServer

    def record() -> server.TemporaryServer:
        started.append(real())
        return started[-1]

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(server, "TemporaryServer", record)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert server.start() is None
    assert len(started) == 1 and started[0].process.poll() is not None


FALLBACK = """
import socket, sys
from flows import server

busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen()
server.free_port = lambda: busy.getsockname()[1]  # uvicorn cannot bind: the early server dies

from prefect import flow

@flow
def answer() -> int:
    return 42

with server.embedded() as ready:
    ready()
    from prefect.settings import PREFECT_API_URL
    print("api url:", PREFECT_API_URL.value())
    print("flow:", answer())
"""


def test_an_early_server_that_cannot_start_falls_back_to_prefects_own(tmp_path: Path) -> None:
    """The module's promise: it only makes the start faster, never different. Run in a process of its
    own so no test harness's API URL can make the fallback path look taken."""
    env = {**_env(), "PREFECT_HOME": str(tmp_path / "prefect-home")}
    res = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True, timeout=180,
                         cwd=ROOT, env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "temporary Prefect server did not answer" in out
    assert "api url: None" in out and "flow: 42" in out, out
