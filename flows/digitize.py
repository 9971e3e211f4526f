"""The digitization flows: `digitize-inbox` (the nightly job) and `digitize-dossier` (one hồ sơ).

Tasks wrap `pipeline` functions thinly. Documents run side by side in threads (ThreadPoolTaskRunner)
and share one page-worker process pool, so OCR keeps every core busy across documents. Each run
claims its dossiers in the archive (`pipeline.archive.claims`) so concurrent runs on several workers
take disjoint batches; inputs leave the inbox only once their record is verified (`flows.inbox`).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import TaskRunContext, get_run_context
from prefect.futures import as_completed
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from flows import artifacts
from flows import inbox as inbox_ops
from flows import report as reports
from flows.claim_tasks import claim_dossiers, release_claims, renew_lease
from flows.errors import describe, final_state
from flows.inbox_tasks import incomplete_dossiers, move_processed, scan_inbox, stage_inputs, waiting_of
from flows.params import RunSettings
from flows.runtime import current_pool, page_pool
from flows.stores import STORAGE_RETRIES, archive_at, inbox_at
from pipeline import __version__, intake, tesseract, workdir
from pipeline.archive import claims, keys, links, records
from pipeline.document import Outcome, process
from pipeline.errors import SohoaError
from pipeline.options import Options
from pipeline.text import nfc

# Options that change what is archived; the rest (parallelism, work folder) do not touch the cache key.
_OUTPUT_OPTIONS = ("language", "tessdata_dir", "ocr_dpi", "min_output_dpi", "ocr_timeout", "detect_orientation",
                   "deskew", "max_pages", "max_page_megapixels", "max_file_mb", "pdfa")


TESSERACT_TAG = "tesseract"


def document_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    """Content sha256 + pipeline version + output options + archive: a restarted run skips finished documents.

    None (no caching) when forced or when the file cannot be read (process() will quarantine it).
    """
    if parameters.get("force"):
        return None
    item: intake.InputFile = parameters["item"]
    options: Options = parameters["options"]
    try:
        sha = intake.content_sha256(item.path)
    except OSError:
        return None
    opts = options.model_dump_json(include=set(_OUTPUT_OPTIONS))
    salt = hashlib.sha256(f"{opts}|{parameters['archive']}|{item.label}".encode()).hexdigest()[:16]
    return f"sohoa-digitize-{sha}-{__version__}-{salt}"


@task(name="check-engine", cache_policy=NONE)
def check_engine(options: Options) -> str:
    """Fail the run early, with the install command, when Tesseract or its language is missing."""
    version = tesseract.version()
    tesseract.check_language(options.language, options.tessdata_dir)
    return version


@task(name="digitize-document", cache_key_fn=document_cache_key, cache_expiration=timedelta(days=2),
      persist_result=True, task_run_name="digitize {item.label}", retries=2,
      retry_delay_seconds=[2, 10], retry_jitter_factor=0.5)
def digitize_document(item: intake.InputFile, archive: str, options: Options, force: bool = False) -> Outcome:
    """One document; raises only for run-level trouble (archive, engine), which Prefect retries."""
    logger = get_run_logger()
    logger.info("digitizing %s", item.label)
    outcome = process(item, archive_at(archive), options, current_pool(), force=force,
                      on_stage=lambda s: logger.debug("%s: %s", item.label, s))
    logger.info("%s: %s (%d pages, %.1f s)%s", item.label, outcome.status, outcome.pages, outcome.seconds,
                f" — {outcome.error['code']}: {outcome.error['message']}" if outcome.error else "")
    return outcome


def document_tags() -> set[str]:
    """{"tesseract"} when the API has a concurrency limit on that tag (docs/operations.md), else none.

    A tagged task asks the API for a slot of its tags' limits as it starts, whether a limit exists or
    not. On a SQLite server (the embedded one) document tasks starting together lock the database:
    the server answers 503 and the client asks again ~2 s later, measured at every wave of starts.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.read_concurrency_limit_by_tag(TESSERACT_TAG)
    except ObjectNotFound:
        return set()
    except Exception:  # cannot tell: keep the tag, a limit may exist
        pass
    return {TESSERACT_TAG}


def _digitize_task(item: intake.InputFile, archive: str, tags: set[str]) -> Any:
    """The document task, told to refresh its cache when the archive holds no record of the input.

    A cached "archived" outcome must never stand in for a record that is not there (an archive
    emptied or restored since, a record deleted to have it redone): the task runs and re-caches.
    """
    refresh = True
    with contextlib.suppress(Exception):  # unreadable input, archive trouble: running is right (it retries)
        refresh = not records.has_record(archive_at(archive), intake.content_sha256(item.path))
    if refresh:
        return digitize_document.with_options(refresh_cache=True, tags=tags)
    return digitize_document.with_options(tags=tags) if tags else digitize_document


@task(name="archive-report", cache_policy=NONE, **STORAGE_RETRIES)
def archive_report(archive: str, rep: dict[str, Any]) -> None:
    archive_at(archive).put_json(keys.run_report(rep["run_id"]), rep)


def _run_id() -> str:
    try:
        ctx = get_run_context()
        return str(ctx.flow_run.id)  # type: ignore[union-attr]
    except Exception:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _failed_outcome(item: intake.InputFile, e: BaseException) -> Outcome:
    return Outcome(item.label, item.filename, item.dossier_id, "failed",
                   error={"code": getattr(e, "code", "E_INTERNAL"), "message": describe(e),
                          "exception": type(e).__name__})


def digitize_items(items: list[intake.InputFile], archive: str, options: Options, *, force: bool,
                   progress: artifacts.Progress, held: dict[str, claims.Claim] | None = None,
                   lease_seconds: float = 7200) -> list[Outcome]:
    """Digitize `items` side by side; one Outcome each, in input order.

    `held` are this run's dossier claims, renewed as their documents finish so long runs keep them.
    """
    logger = get_run_logger()
    outcomes: list[Outcome] = []
    renewed: dict[str, float] = {}
    with page_pool(options.jobs):
        tags = document_tags()
        futures = {_digitize_task(item, archive, tags).submit(item, archive, options, force): item for item in items}
        for future in as_completed(list(futures)):
            item = futures[future]
            try:
                outcome = future.result()
                if future.state.name == "Cached" and outcome.status == "archived":
                    outcome.status = "skipped"  # done by an earlier (crashed or repeated) run
                outcomes.append(outcome)
            except Exception as e:  # run-level failure of this document after retries
                logger.error("%s failed: %s", item.label, describe(e))
                outcomes.append(_failed_outcome(item, e))
            progress.tick()
            renew_lease(archive, held, inbox_ops.batch_of(item), renewed, lease_seconds)
    order = {item.label: i for i, item in enumerate(items)}
    outcomes.sort(key=lambda o: order.get(o.label, 0))
    link_dossiers(archive, outcomes)
    return outcomes


@task(name="link-dossiers", cache_policy=NONE, **STORAGE_RETRIES)
def link_dossiers(archive: str, outcomes: list[Outcome]) -> int:
    """List scans under the dossier code their receipt's QR code gives (pipeline.archive.links)."""
    done = [(o.dossier_id, o.filename, o.record) for o in outcomes
            if o.record and o.status in ("archived", "skipped")]
    made = links.link_by_receipts(archive_at(archive), done)
    for link in made:
        get_run_logger().info("dossier %s: %d document(s) of %s linked by the receipt's QR code",
                              link.dossier_code, link.documents, link.inbox_folder or "the inbox's loose files")
    return len(made)


def run_documents(items: list[intake.InputFile], archive: str, options: Options, *, force: bool,
                  inbox: str) -> dict[str, Any]:
    """Digitize `items` without claims or moves; returns the run report (not yet published)."""
    started, t0 = datetime.now(UTC), time.monotonic()
    progress = artifacts.Progress()
    progress.total = len(items)
    outcomes = digitize_items(items, archive, options, force=force, progress=progress)
    return reports.build(_run_id(), inbox, archive, outcomes, started, time.monotonic() - t0)


def publish(rep: dict[str, Any]) -> None:
    """Archive the report, then show it in the UI."""
    archive_report(rep["archive"], rep)
    artifacts.publish(rep, archive_at(rep["archive"]))


def _process_batch(inbox: str, archive: str, options: Options, force: bool, settings: RunSettings,
                   items: list[intake.InputFile], held: dict[str, claims.Claim], move: bool,
                   progress: artifacts.Progress) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """Stage and digitize one claimed batch, move what is verified, and always release the claims."""
    moved: list[dict[str, Any]] = []
    staged: list[intake.InputFile] = []
    try:
        staged = stage_inputs(inbox, items, options)
        progress.total -= len(items) - len(staged)
        outcomes = digitize_items(staged, archive, options, force=force, progress=progress, held=held,
                                  lease_seconds=settings.lease_minutes * 60)
        if move:
            statuses = {o.label: o.status for o in outcomes}
            moved = [m.__dict__ for m in move_processed(inbox, archive, staged, statuses, options.work_dir)]
    finally:
        inbox_at(inbox, options.work_dir).unstage(staged)
        release_claims(archive, list(held.values()))
    return outcomes, moved


def fan_out(inbox: str, archive: str, options: Options, force: bool, settings: RunSettings) -> int:
    """Start `parallel_runs - 1` more runs of this deployment; idle workers pick them up. Returns how many."""
    from prefect.deployments import run_deployment

    logger = get_run_logger()
    ctx = get_run_context()
    deployment_id = getattr(getattr(ctx, "flow_run", None), "deployment_id", None)
    if deployment_id is None:
        logger.warning("parallel_runs=%d ignored: this run is not from a deployment", settings.parallel_runs)
        return 0
    params = {"inbox": inbox, "archive": archive, "options": options.model_dump(mode="json"), "force": force,
              "settings": settings.model_copy(update={"parallel_runs": 1}).model_dump(mode="json")}
    for n in range(1, settings.parallel_runs):
        run_deployment(deployment_id, parameters=params, timeout=0, as_subflow=False,
                       flow_run_name=f"{ctx.flow_run.name}-{n}")  # type: ignore[union-attr]
    logger.info("started %d more run(s) of this deployment", settings.parallel_runs - 1)
    return settings.parallel_runs - 1


@flow(name="digitize-inbox", task_runner=ThreadPoolTaskRunner(max_workers=3), log_prints=True)
def digitize_inbox(inbox: str, archive: str = "archive", options: Options | None = None,
                   force: bool = False, settings: RunSettings | None = None) -> State:
    """Digitize the complete, unclaimed dossiers of INBOX into ARCHIVE and move them to INBOX/processed.

    With a batch size (settings.max_dossiers) the run claims a batch, digitizes it, moves it, and claims
    the next, until no dossier is left that no other run holds: concurrent runs share the inbox.

    Args:
        inbox: Folder (or s3://BUCKET/PREFIX) with one sub-folder per dossier (hồ sơ); loose files are dossier "_".
        archive: A directory, or s3://BUCKET/PREFIX.
        options: How documents are digitized.
        force: Re-process documents already archived (re-OCR).
        settings: Batch size, parallel runs, dossier leases and moving of processed inputs.
    """
    options = options or Options()
    settings = settings or RunSettings()
    logger = get_run_logger()
    check_engine(options)
    workdir.clean_once(options.work_dir)  # what a killed run left, even when there is nothing to do
    if settings.parallel_runs > 1:
        fan_out(inbox, archive, options, force, settings)
    started, t0 = datetime.now(UTC), time.monotonic()
    progress = artifacts.Progress()
    outcomes: list[Outcome] = []
    moved: list[dict[str, Any]] = []
    taken: list[str] = []  # dossiers this run digitized
    seen: set[str] = set()  # … plus those found already done by another run
    incomplete: set[str] = set()
    elsewhere: list[str] = []
    while True:
        groups = inbox_ops.by_dossier(scan_inbox(inbox, options))
        incomplete = incomplete_dossiers(inbox, options) & set(groups)
        candidates = [d for d in groups if d not in incomplete and d not in seen]
        held = {c.dossier_id: c for c in claim_dossiers(archive, candidates, _run_id(), settings)} \
            if candidates else {}
        elsewhere = [d for d in candidates if d not in held]
        if not held:
            break
        # The scan may predate another run finishing a dossier (moved, then released): keep what is still there.
        gone = [d for d in held if not any(inbox_at(inbox, options.work_dir).present(i) for i in groups[d])]
        if gone:
            release_claims(archive, [held.pop(d) for d in gone])
            seen.update(gone)
            if not held:
                continue
        logger.info("taking %d dossier(s): %s", len(held), ", ".join(sorted(held)))
        taken += sorted(held)
        seen.update(held)
        batch = [item for d in groups if d in held for item in groups[d]]
        progress.total += len(batch)
        done, batch_moved = _process_batch(inbox, archive, options, force, settings, batch, held,
                                           settings.move_processed, progress)
        outcomes += done
        moved += batch_moved
        if not settings.max_dossiers or not settings.move_processed:
            break  # one pass: all taken at once, or (inputs not moved) a later batch could not tell done from new
    for name in sorted(incomplete):
        logger.info("dossier %s: files still being written, left for the next run", name)
    for name in elsewhere:
        logger.info("dossier %s: not taken (claimed by another run, or over the batch size)", name)
    waiting = waiting_of(inbox, options, groups, incomplete)
    for w in waiting:
        logger.info("waiting (still being written): %s — %s", w["label"], w["reason"])
    rep = reports.build(_run_id(), inbox, archive, outcomes, started, time.monotonic() - t0, waiting=waiting)
    rep.update(dossiers=taken, moved=moved if settings.move_processed else None,
               incomplete=sorted(incomplete), claimed_elsewhere=elsewhere)
    rep["review"] = start_review(archive, rep, settings)
    publish(rep)
    return final_state(rep)


def start_review(archive: str, rep: dict[str, Any], settings: RunSettings) -> dict[str, Any]:
    """Start review/on-demand for the documents this run flagged, when served from a deployment.

    Elsewhere (the CLI's temporary server goes with the run) the report says what to review and how."""
    from flows.deployments import REVIEW_DEPLOYMENT

    ids = [o["document_id"] for o in rep["outcomes"]
           if o["status"] == "archived" and o["review_needed"] and o.get("document_id")]
    out: dict[str, Any] = {"documents": ids, "flow_run_id": None,
                           "command": f"sohoa review --archive {archive}" if ids else None}
    ctx = get_run_context()
    if not ids or not settings.start_review or getattr(ctx.flow_run, "deployment_id", None) is None:  # type: ignore[union-attr]
        return out
    from prefect.deployments import run_deployment

    try:
        run = run_deployment(REVIEW_DEPLOYMENT, parameters={"archive": archive, "request": {"document_ids": ids}},
                             timeout=0, as_subflow=False)
        out["flow_run_id"] = str(run.id)
        get_run_logger().info("started %s for %d document(s): flow run %s", REVIEW_DEPLOYMENT, len(ids), run.id)
    except Exception as e:  # no such deployment on this server: say how to review instead
        get_run_logger().warning("could not start %s (%s); review with: %s", REVIEW_DEPLOYMENT, e, out["command"])
    return out


class DossierBusyError(SohoaError):
    """Another live run holds the dossier's claim: the operator waits for it or for the lease to expire."""

    code = "E_DOSSIER_BUSY"
    stage = "claim"
    document_level = False
    message = "{detail}; wait for that run to finish (or its lease to expire) and trigger again"
    message_vi = "{detail}; hãy chờ lượt chạy đó kết thúc (hoặc hết hạn giữ) rồi chạy lại"


@flow(name="digitize-dossier", task_runner=ThreadPoolTaskRunner(max_workers=3), log_prints=True)
def digitize_dossier(dossier: str, inbox: str, archive: str = "archive", options: Options | None = None,
                     force: bool = False, settings: RunSettings | None = None) -> State:
    """Digitize one dossier, e.g. after a re-scan: INBOX/<dossier>, else (with force) INBOX/processed/<dossier>.

    Args:
        dossier: The dossier's folder name (hồ sơ id).
        inbox: The inbox folder (or s3://BUCKET/PREFIX) holding the dossier.
        archive: A directory, or s3://BUCKET/PREFIX.
        options: How documents are digitized.
        force: Re-process documents already archived (re-OCR), e.g. after a better scan of the same file.
        settings: Lease and moving of processed inputs.
    """
    options = options or Options()
    settings = settings or RunSettings()
    logger = get_run_logger()
    name = nfc(dossier)
    if not name or "/" in name or "\\" in name or name in (".", "..", inbox_ops.PROCESSED):
        raise ValueError(f"not a dossier folder name: {dossier!r}")
    check_engine(options)
    workdir.clean_once(options.work_dir)
    items = [i for i in scan_inbox(inbox, options) if i.dossier_id == name]
    move = settings.move_processed
    if not items and force:
        done_dir = inbox_at(inbox, options.work_dir).processed()
        items = [i for i in scan_inbox(done_dir, options) if i.dossier_id == name]
        move = False  # already in processed/
        logger.info("dossier %s: re-processing %d file(s) from %s", name, len(items), done_dir)
    if not items:
        logger.warning("dossier %s: no files in %s", name, inbox)
    held = {c.dossier_id: c for c in claim_dossiers(archive, [name], _run_id(), settings)}
    if name not in held:
        current = claims.read_claim(archive_at(archive), name)
        owner = f"run {current.owner} until {current.expires_at}" if current else "another run"
        raise DossierBusyError(f"dossier {name} is being processed by {owner}")
    started, t0 = datetime.now(UTC), time.monotonic()
    progress = artifacts.Progress()
    progress.total = len(items)
    outcomes, moved = _process_batch(inbox, archive, options, force, settings, items, held, move, progress)
    rep = reports.build(_run_id(), inbox, archive, outcomes, started, time.monotonic() - t0)
    rep.update(dossiers=[name], moved=moved if move else None)
    publish(rep)
    return final_state(rep)

