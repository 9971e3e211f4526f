"""The CLI's temporary Prefect server, started at its first step instead of at the flow's first API call.

With no API configured, Prefect starts a temporary server (ephemeral mode) when the flow first talks
to the API: after the CLI has imported the flow, and after importing Prefect's whole server package
into the CLI process just to launch that subprocess (~2 s of CPU). Both then happen one after the
other while the second core idles. Here the CLI launches the same server (Prefect's own app and
command, with the ephemeral settings: UI off, the local database) before importing the flow, and
points `PREFECT_API_URL` at it: the server boots on one core while the CLI imports on the other.

Anything unexpected (a port taken at the last moment, a server that does not answer) falls back to
Prefect's own ephemeral mode. The one difference from Prefect's own: no flow-run heartbeats, which let
a server notice a crashed run, and this server goes with the run.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger("sohoa.server")

PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


try:  # looked up here, in the parent: the forked child only calls it (no dlopen between fork and exec)
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


def _die_with_parent() -> None:
    """Linux: SIGTERM the server when the CLI dies, even by SIGKILL (Prefect stops its own from an
    atexit handler, which a SIGKILL never runs)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """True once a Prefect API on `port` answers /api/health; False when `process` died or `timeout` passed.

    Plain http.client on loopback: an httpx client builds a TLS context first (~0.1 s of CPU, while
    both cores are busy booting the server and loading the CLI)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return True
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        finally:
            conn.close()
        time.sleep(0.05)
    return False


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM a process started with `start_new_session=True` and its whole group; SIGKILL what lingers
    (a served runner's flow-run subprocesses may need it). For tests and benches that start servers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


class TemporaryServer:
    """Prefect's API app under uvicorn on a loopback port, as `SubprocessASGIServer` runs it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        # Prefect's package folder without importing Prefect (~0.7 s): the spawn is the first thing done.
        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise OSError("prefect is not installed")
        app_dir = Path(spec.origin).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                 "PREFECT__SERVER_FINAL": "1"},
            preexec_fn=_die_with_parent,  # the CLI spawns it before starting any thread
        )

    def wait_ready(self, timeout: float) -> bool:
        """True once /health answers; False when the process died or `timeout` passed."""
        return wait_healthy(self.port, self.process, timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start() -> TemporaryServer | None:
    """Launch the server when Prefect would use ephemeral mode (no API URL configured), else None.

    It is launched before Prefect's settings are read (reading them imports Prefect), and stopped at
    once if they name an API after all (a profile or prefect.toml): it is still importing then, well
    before it opens its database.
    """
    if os.environ.get("PREFECT_API_URL"):
        return None
    try:
        server = TemporaryServer()
    except OSError as e:
        log.info("temporary Prefect server not started early (%s): Prefect starts its own", e)
        return None
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        server.stop()
        return None
    return server


@contextlib.contextmanager
def embedded() -> Iterator[Callable[[], None]]:
    """Start the server now; the yielded `ready()` waits for it and points Prefect at it. Stopped on exit.

    Call `ready()` after the slow imports, right before the flow: that is the overlap this buys.
    """
    server = start()  # first: launching it is the point; importing Prefect's settings takes ~0.7 s
    with contextlib.ExitStack() as stack:

        def ready() -> None:
            if server is None:
                return
            from prefect.settings import (
                PREFECT_API_URL,
                PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
                temporary_settings,
            )

            if server.wait_ready(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())):
                # No flow-run heartbeats: they let a server notice a crashed run, and this one goes with
                # the run; the heartbeat thread's join cost ~0.5-1 s at the end of every run.
                stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url,
                                                                PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))
            else:
                log.warning("temporary Prefect server did not answer; Prefect starts its own")
                server.stop()

        try:
            yield ready
        finally:
            if server is not None:
                _drain()
                server.stop()


def _drain() -> None:
    """Send the run's queued logs and events before the server goes (else Prefect reports, at exit,
    that it could not reach it), as Prefect's own test harness does before stopping its server."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=5)
        except Exception as e:  # a failed flush costs log lines in the UI, never the run
            log.info("could not flush %s: %s", worker.__name__, e)
