"""Helper threads keep the caller's context: under Prefect, the task run their log lines belong to."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline import beside
from pipeline.extract import extract, fields
from tests.test_extract_fields import decision_page

RUN = contextvars.ContextVar("RUN", default=None)


def test_a_helper_thread_sees_the_callers_context_variables() -> None:
    RUN.set("task-run-1")
    with ThreadPoolExecutor(2) as pool:
        assert pool.submit(RUN.get).result() is None  # what a bare pool gives: the reason for beside
        assert [f.result() for f in [beside.submit(pool, RUN.get) for _ in range(4)]] == ["task-run-1"] * 4


def test_summary_and_signer_read_beside_the_header_keep_the_callers_context(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: their threads lost Prefect's run context, so their log lines (a benign Tesseract
    warning on a zone) printed a UserWarning and were missing from the task run's logs."""
    seen: dict[str, str | None] = {}
    real_summary, real_signer = fields._summary, fields._signer

    def summary(*args: object) -> None:
        seen["summary"] = RUN.get()
        real_summary(*args)  # type: ignore[arg-type]

    def signer(*args: object) -> None:
        seen["signer"] = RUN.get()
        real_signer(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(fields, "_summary", summary)
    monkeypatch.setattr(fields, "_signer", signer)
    RUN.set("task-run-2")
    got = extract([decision_page()], zone_ocr=False)
    assert seen == {"summary": "task-run-2", "signer": "task-run-2"}
    assert got.metadata.number == "12"
