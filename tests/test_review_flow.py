"""The `review` flow on MinIO/S3 (tests/s3server.py) under Prefect's test harness: started outside a deployment it
pauses (suspend needs one), publishes the pending list and the evidence sheet with its crops, and commits the
answer sent through Prefect's API; a refused answer changes nothing and brings the form back."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.archive import LocalArchive, keys
from pipeline.archive import records as store_ops
from pipeline.archive.s3 import S3Archive
from pipeline.archive.verify import verify
from tests import archive_fixtures
from tests.prefect_fixtures import prefect_harness, read_artifacts  # noqa: F401  (fixture import)
from tests.test_review import DOSSIER, digitized  # noqa: F401  (fixture import)

s3_server = archive_fixtures.s3_server
pytestmark = pytest.mark.usefixtures("prefect_harness")
ANSWER = {"number": "51", "issued_date": "2025-01-17", "number_symbol": "", "not_administrative": False,
          "reviewer": "Lan"}


def paused(run_id: Any, key_suffix: str, timeout: float = 60) -> Any:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run_id)
            if run.state and run.state.is_paused() and (run.state.state_details.pause_key or "").endswith(key_suffix):
                return run
            time.sleep(0.3)
    raise AssertionError(f"run {run_id} never waited on attempt {key_suffix}")


def test_review_flow_on_s3_pauses_refuses_and_commits(s3_server, digitized: LocalArchive,  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from flows.params import ReviewRequest
    from flows.review import review

    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    archive = S3Archive(archive_fixtures.new_bucket(), "review", archive_fixtures.s3_config(s3_server))
    for key in digitized.list(""):
        info = digitized.stat(key)
        archive.put_bytes(key, digitized.get_bytes(key), content_type=info.content_type or "", metadata=info.metadata)
    (doc,) = store_ops.iter_record_ids(archive)
    states: list[Any] = []
    name = f"review-s3-{time.time_ns()}"
    runner = threading.Thread(target=lambda: states.append(review.with_options(flow_run_name=name)(
        archive.uri, ReviewRequest(reviewer="Lan"), return_state=True)))
    runner.start()
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 60
            while not (runs := client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    name=FlowRunFilterName(any_=[name])))):
                assert time.monotonic() < deadline
                time.sleep(0.3)
            run = paused(runs[0].id, "-0")
            assert run.state.name == "Paused"  # not from a deployment: pause, not suspend
            before = {k: archive.stat(k).sha256 for k in archive.list("records/")}  # type: ignore[union-attr]
            client.resume_flow_run(run.id, run_input={**ANSWER, "issued_date": "2025-02-30"})
            paused(run.id, "-1")
            assert {k: archive.stat(k).sha256 for k in archive.list("records/")} == before
            client.resume_flow_run(run.id, run_input=ANSWER)
    finally:
        runner.join(60)
    (state,) = states
    assert state.is_completed(), state
    rec = store_ops.get_record(archive, doc)
    assert rec["metadata"]["number_symbol"] == "51/QĐ-UBND" and rec["revision"] == 2
    assert rec["review"]["decisions"]["issued_date"]["source"] == "operator"
    assert archive.exists(keys.history(doc, 1)) and archive.exists(keys.evidence_crop(doc, "number"))
    arts = {a.key: a for a in read_artifacts(state.state_details.flow_run_id)}
    assert "quyet-dinh.png" in arts["pending-reviews"].data
    sheet = arts[f"review-{doc[:12]}"].data
    assert "data:image/png;base64," in sheet and "blank left empty" in sheet
    assert verify(archive).ok
    archive.close()


def test_review_flow_with_nothing_pending_completes_at_once(tmp_path: Path) -> None:
    from flows.review import review

    state = review(str(tmp_path / "archive"), return_state=True)
    assert state.is_completed() and "0 document(s) reviewed" in state.message
