"""The review loop as operators use it: a real `prefect server`, `sohoa serve`, a digitize-inbox run on a rendered
document with a blank number and day; the run starts review/on-demand, which suspends on the form. Answers go
through Prefect's API as the UI sends them (resume with run_input): a number with letters is refused by the API
(the run stays suspended), a date that does not exist is refused by the flow (the form comes back), a good
answer resumes the run, which `sohoa serve` re-executes from the top and which commits the new revision."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.archive import LocalArchive, keys
from pipeline.archive import records as store
from pipeline.archive.verify import verify
from pipeline.reader import Reader
from pipeline.synth import Document, render_page
from tests.test_deploy_server import VENV_BIN, _start, _stop, server  # noqa: F401  (fixture import)

pytestmark = [pytest.mark.server, pytest.mark.slow]
DOSSIER = "000.00.20.H27-240126-0055"
OPTIONS = {"jobs": 1, "ocr_dpi": 150, "detect_orientation": False, "min_file_age_seconds": 0}
ANSWER = {"number": "51", "issued_date": "2025-01-17", "number_symbol": "", "not_administrative": False,
          "reviewer": "Nguyễn Thị Lan"}


def wait(what: str, check: Any, timeout: float, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"{what}\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    return got


def test_review_run_suspends_refuses_bad_input_and_commits_the_answer(server: tuple[str, dict[str, str]],  # noqa: F811
                                                                       tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.responses import SetStateStatus
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url, env = server
    inbox, archive, log = tmp_path / "inbox", tmp_path / "archive", tmp_path / "serve.log"
    (inbox / DOSSIER).mkdir(parents=True)
    page, _ = render_page(Document(number=None, day="    "), dpi=150)
    page.convert("L").save(inbox / DOSSIER / "quyet-dinh.png", dpi=(150, 150))
    serve = _start([str(VENV_BIN / "sohoa"), "serve", "--inbox", str(inbox), "--archive", str(archive),
                    "--no-nightly"], env, log)
    try:
        with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            def deployment(name: str) -> Any:
                try:
                    return client.read_deployment_by_name(name)
                except Exception:
                    return None

            review_dep = wait("deployments registered", lambda: deployment("review/on-demand"), 60, log)
            digitize = run_deployment("digitize-inbox/on-demand", parameters={"options": OPTIONS}, timeout=0,
                                      as_subflow=False)

            def review_run() -> Any:
                runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
                    id=DeploymentFilterId(any_=[review_dep.id])))
                return runs[0] if runs and runs[0].state and runs[0].state.is_paused() else None

            run = wait("review run suspended on the form", review_run, 180, log)
            assert run.state.name == "Suspended"
            digitized = client.read_flow_run(digitize.id)
            assert digitized.state.is_completed(), digitized.state
            ar = LocalArchive(archive)
            (doc,) = store.iter_record_ids(ar)
            report = ar.get_json(keys.run_report(str(digitize.id)))
            assert report["review"] == {"documents": [doc], "flow_run_id": str(run.id),
                                        "command": f"sohoa review --archive {archive}"}
            before = {k: ar.stat(k).sha256 for k in ar.list("records/")}  # type: ignore[union-attr]

            # A number with letters: Prefect's API refuses it against the form's schema; the run stays suspended.
            res = client.resume_flow_run(run.id, run_input={**ANSWER, "number": "5a"})
            assert res.status == SetStateStatus.REJECT
            assert "Validation failed for field 'number'" in res.details.reason
            assert client.read_flow_run(run.id).state.name == "Suspended"

            # A date that does not exist passes the pattern; the flow refuses it and asks again.
            res = client.resume_flow_run(run.id, run_input={**ANSWER, "issued_date": "2025-02-30"})
            assert res.status == SetStateStatus.ACCEPT, res.details
            wait("run resumed", lambda: not client.read_flow_run(run.id).state.is_paused(), 120, log)
            again = wait("form asked again", lambda: (r := client.read_flow_run(run.id)).state.is_paused() and r, 120,
                         log)
            assert again.state.state_details.pause_key.endswith("-1"), "the second attempt's form"
            assert {k: ar.stat(k).sha256 for k in ar.list("records/")} == before, "nothing changed"

            res = client.resume_flow_run(run.id, run_input=ANSWER)
            assert res.status == SetStateStatus.ACCEPT, res.details
            done = wait("review run finished",
                        lambda: (r := client.read_flow_run(run.id)).state.is_final() and r, 120, log)
            assert done.state.is_completed(), f"{done.state}\n{log.read_text()[-3000:]}"
    finally:
        _stop(serve)
    rec = store.get_record(ar, doc)
    assert rec["metadata"]["number"] == "51" and rec["metadata"]["number_symbol"] == "51/QĐ-UBND"
    assert rec["metadata"]["issued_date"] == "2025-01-17" and rec["revision"] == 2
    assert rec["review"]["decisions"]["number"]["source"] == "operator"
    assert rec["review"]["status"] == "corrected" and rec["review"]["reviewed_by"] == "Nguyễn Thị Lan"
    (old,) = store.get_history(ar, doc)
    assert old["metadata"]["number"] is None and old["review"]["status"] == "pending"
    r = Reader(ar)
    assert [x["document_id"] for x in r.find(number_symbol="51/QĐ-UBND")] == [doc]
    assert verify(ar).ok
