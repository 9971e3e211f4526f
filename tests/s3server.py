"""A real S3-compatible server for tests: the `minio` binary when on PATH, else moto's server.

Both run as a subprocess on a free loopback port and are spoken to over HTTP with the real minio
client. `TcpGate` is a loopback TCP relay put in front of the server for the fault test: closing
it makes the endpoint unreachable (connection refused, open connections cut) while the server —
and the data it holds, which moto keeps only in memory — lives on; reopening it on the same port
is "the server is back".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "sohoa-test-access-AKX9"
SECRET_KEY = "sohoa-test-SECRET-do-not-log-7f3c9e1b"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3Server:
    endpoint: str  # host:port
    kind: str  # "minio" or "moto"
    proc: subprocess.Popen[bytes]
    data_dir: Path | None = None

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """SOHOA_S3_* variables pointing at this server (or at `endpoint`, e.g. a gate)."""
        return {"SOHOA_S3_ENDPOINT": endpoint or self.endpoint, "SOHOA_S3_ACCESS_KEY": ACCESS_KEY,
                "SOHOA_S3_SECRET_KEY": SECRET_KEY, "SOHOA_S3_SECURE": "0", "SOHOA_S3_REGION": "us-east-1"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_server() -> S3Server:
    port = free_port()
    endpoint = f"127.0.0.1:{port}"
    minio_bin = shutil.which("minio")
    data_dir = None
    if minio_bin:
        data_dir = Path(tempfile.mkdtemp(prefix="sohoa-minio-"))
        env = {**os.environ, "MINIO_ROOT_USER": ACCESS_KEY, "MINIO_ROOT_PASSWORD": SECRET_KEY}
        cmd = [minio_bin, "server", str(data_dir), "--address", endpoint, "--quiet"]
        kind = "minio"
    else:
        env = {**os.environ}
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        kind = "moto"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = S3Server(endpoint, kind, proc, data_dir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://{endpoint}/", timeout=1).close()
            return server
        except urllib.error.HTTPError:
            return server  # answering (403 for minio without auth) is ready enough
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{kind} server did not start on {endpoint}")


class TcpGate:
    """Relay 127.0.0.1:port → target; `close()` refuses and cuts connections, `open()` resumes."""

    def __init__(self, target: str, port: int | None = None) -> None:
        host, p = target.rsplit(":", 1)
        self.target = (host, int(p))
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def open(self) -> None:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            if self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
