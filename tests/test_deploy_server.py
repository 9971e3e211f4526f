"""End to end as operators use it: a real `prefect server` on a loopback port, `sohoa serve` in a subprocess,
a digitize-dossier run triggered through the API with parameters, then the archive and the run's
artifacts checked through the Prefect client. PREFECT_HOME is a temporary folder (never ~/.prefect)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.server import free_port, stop_group, wait_healthy
from pipeline.archive import LocalArchive
from pipeline.archive import records as store
from pipeline.synth import Document, render_page

pytestmark = pytest.mark.server
VENV_BIN = Path(sys.executable).parent
DOSSIER = "000.00.20.H27-240126-0042"


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=Path(__file__).resolve().parents[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM our process group, SIGKILL if it lingers (a served runner may need it)."""
    stop_group(proc)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_RUNNER_POLL_FREQUENCY": "1",
           "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_PROFILE", None)
    proc = _start([str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                   "--no-ui"], env, tmp_path / "server.log")
    try:
        assert wait_healthy(port, proc, 60), (tmp_path / "server.log").read_text()[-3000:]
        yield url, env
    finally:
        _stop(proc)


def test_serve_and_trigger_a_dossier_run(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url, env = server
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    (inbox / DOSSIER).mkdir(parents=True)
    page, _ = render_page(Document(number="07", symbol="QĐ-UBND"), dpi=150)
    page.convert("L").save(inbox / DOSSIER / "quyet-dinh.png", dpi=(150, 150))
    serve = _start([str(VENV_BIN / "sohoa"), "serve", "--inbox", str(inbox), "--archive", str(archive),
                    "--no-nightly"], env, tmp_path / "serve.log")
    try:
        with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            deadline = time.monotonic() + 40
            while True:  # the runner registers its deployments with the server
                try:
                    client.read_deployment_by_name("digitize-dossier/on-demand")
                    break
                except Exception:
                    assert serve.poll() is None and time.monotonic() < deadline, \
                        (tmp_path / "serve.log").read_text()[-3000:]
                    time.sleep(0.5)
            options = {"jobs": 1, "ocr_dpi": 150, "detect_orientation": False, "min_file_age_seconds": 0,
                       "work_dir": str(tmp_path / "work")}
            run = run_deployment("digitize-dossier/on-demand", parameters={"dossier": DOSSIER, "options": options},
                                 timeout=0, as_subflow=False)
            deadline = time.monotonic() + 90
            while True:
                run = client.read_flow_run(run.id)
                if run.state and run.state.is_final():
                    break
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
                time.sleep(1)
            assert run.state.is_completed(), f"{run.state}\n{(tmp_path / 'serve.log').read_text()[-3000:]}"
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

            arts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    finally:
        _stop(serve)
    keys = {a.key for a in arts}
    assert {"documents", "run-summary", "archived-pdfs"} <= keys
    assert "quyet-dinh.png" in str(next(a for a in arts if a.key == "documents").data)
    assert len(list(store.iter_record_ids(LocalArchive(archive)))) == 1
    assert (inbox / "processed" / DOSSIER / "quyet-dinh.png").is_file()
