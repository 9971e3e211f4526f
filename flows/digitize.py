"""The digitization flows: `digitize-inbox` (the nightly job) and `digitize-dossier` (one hồ sơ).

Tasks wrap `pipeline` functions thinly. Documents run side by side in threads (ThreadPoolTaskRunner)
and share one page-worker process pool, so OCR keeps every core busy across documents.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows import report as reports
from flows.errors import describe
from flows.runtime import current_pool, page_pool
from pipeline import intake, tesseract
from pipeline.archive import Archive, keys, open_archive
from pipeline.document import Outcome, process
from pipeline.options import Options


@functools.lru_cache(maxsize=8)
def _archive(uri: str) -> Archive:
    return open_archive(uri)


@task(name="check-engine", cache_policy=NONE)
def check_engine(options: Options) -> str:
    """Fail the run early, with the install command, when Tesseract or its language is missing."""
    version = tesseract.version()
    tesseract.check_language(options.language, options.tessdata_dir)
    return version


@task(name="scan-inbox", cache_policy=NONE)
def scan_inbox(inbox: str, options: Options) -> list[intake.InputFile]:
    items = intake.scan_inbox(Path(inbox), min_age_seconds=options.min_file_age_seconds)
    get_run_logger().info("%d file(s) in %s", len(items), inbox)
    return items


@task(name="digitize-document", cache_policy=NONE, tags=["tesseract"],
      task_run_name="digitize {item.label}", retries=2, retry_delay_seconds=[2, 10], retry_jitter_factor=0.5)
def digitize_document(item: intake.InputFile, archive: str, options: Options, force: bool = False) -> Outcome:
    """One document; raises only for run-level trouble (archive, engine), which Prefect retries."""
    logger = get_run_logger()
    logger.info("digitizing %s", item.label)
    outcome = process(item, _archive(archive), options, current_pool(), force=force,
                      on_stage=lambda s: logger.debug("%s: %s", item.label, s))
    logger.info("%s: %s (%d pages, %.1f s)%s", item.label, outcome.status, outcome.pages, outcome.seconds,
                f" — {outcome.error['code']}: {outcome.error['message']}" if outcome.error else "")
    return outcome


def _run_id() -> str:
    try:
        ctx = get_run_context()
        return str(ctx.flow_run.id)  # type: ignore[union-attr]
    except Exception:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def run_documents(items: list[intake.InputFile], archive: str, options: Options, *, force: bool,
                  inbox: str) -> dict[str, Any]:
    """Digitize `items`, publish artifacts, archive the run report; returns the report."""
    logger = get_run_logger()
    started, t0 = datetime.now(UTC), time.monotonic()
    progress = create_progress_artifact(0.0, description="Documents done")
    outcomes: list[Outcome] = []
    with page_pool(options.jobs):
        futures = {digitize_document.submit(item, archive, options, force): item for item in items}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            item = futures[future]
            try:
                outcomes.append(future.result())
            except Exception as e:  # run-level failure of this document after retries
                logger.error("%s failed: %s", item.label, describe(e))
                code = getattr(e, "code", "E_INTERNAL")
                outcomes.append(Outcome(item.label, item.filename, item.dossier_id, "failed",
                                        error={"code": code, "message": describe(e),
                                               "exception": type(e).__name__}))
            update_progress_artifact(progress, 100.0 * done / max(1, len(items)))
    order = {item.label: i for i, item in enumerate(items)}
    outcomes.sort(key=lambda o: order.get(o.label, 0))
    rep = reports.build(_run_id(), inbox, archive, outcomes, started, time.monotonic() - t0)
    _archive(archive).put_json(keys.run_report(rep["run_id"]), rep)
    create_table_artifact(reports.artifact_table(rep), key="documents", description=rep["summary_line"])
    create_markdown_artifact(reports.markdown(rep), key="run-summary", description="sohoa run summary")
    logger.info(rep["summary_line"])
    return rep


@flow(name="digitize-inbox", task_runner=ThreadPoolTaskRunner(max_workers=3), log_prints=True)
def digitize_inbox(inbox: str, archive: str = "archive", options: Options | None = None,
                   force: bool = False) -> dict[str, Any]:
    """Digitize every document in INBOX (one folder per dossier) into ARCHIVE."""
    options = options or Options()
    check_engine(options)
    items = scan_inbox(inbox, options)
    return run_documents(items, archive, options, force=force, inbox=inbox)
