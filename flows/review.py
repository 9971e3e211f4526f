"""The `review` flow: an operator resolves flagged fields in the Prefect UI, one document at a time.

For each pending document (pipeline.review.select) the run publishes an evidence artifact (the crops of
the archived page around each flagged field, the machine's value and its reason), then waits on a form
prefilled with the machine's values (pipeline.review.form) and commits the answer as the record's next
revision (pipeline.review.decide). Everything but the waiting is library code shared with `sohoa review`.

Waiting is `suspend_flow_run` by default (docs/operations.md says why): the run leaves its worker, and
when resumed it is rescheduled and executed again from the top. That is safe because every step is
idempotent: documents already committed are no longer pending, and each suspend has a stable key (the
document, its revision, the attempt), so the one already answered returns its stored answer at once
instead of suspending again. A refused answer (a date that does not exist) changes nothing: the form
comes back with the reason and the answer to fix, under the next attempt's key.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from prefect import flow, get_run_logger, pause_flow_run, suspend_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.context import get_run_context
from prefect.input.run_input import run_input_subclass_from_type
from prefect.states import Completed, State

from flows.params import ReviewRequest
from flows.stores import STORAGE_RETRIES, archive_at
from pipeline.archive import records as store
from pipeline.errors import ReviewInputError, RevisionConflictError
from pipeline.review import decide, evidence, form, select

MAX_ATTEMPTS = 20  # refused answers per document before the run gives up on it (and leaves it pending)
PAUSE_DEFAULT_HOURS = 24
PAUSE_POLL_SECONDS = 2  # a paused run asks the API this often whether it was resumed (Prefect's default: 10)


@task(name="pending-reviews", cache_policy=NONE, **STORAGE_RETRIES)
def pending_reviews(archive: str, request: ReviewRequest) -> list[dict[str, Any]]:
    return select.pending(archive_at(archive), dossier=request.dossier, ids=request.document_ids)


@task(name="evidence", cache_policy=NONE, task_run_name="evidence {record[source][filename]}", **STORAGE_RETRIES)
def build_evidence(archive: str, record: dict[str, Any]) -> list[evidence.FieldEvidence]:
    """Render and archive the crops (records/{id}/evidence/{field}.png)."""
    return evidence.build(archive_at(archive), record)


@task(name="commit-review", cache_policy=NONE, task_run_name="commit {decision.document_id:.12}",
      **STORAGE_RETRIES)
def commit_review(archive: str, decision: decide.Decision) -> dict[str, Any] | None:
    """The new revision; None when the record changed since the form was shown (reviewed in another run)."""
    try:
        return decide.commit(archive_at(archive), decision)
    except RevisionConflictError as e:
        get_run_logger().warning("%s: not committed: %s", decision.document_id[:12], e.message_en)
        return None


def ui_url(path: str) -> str | None:
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/{path.lstrip('/')}" if base else None


def pdf_url(archive: str, record: dict[str, Any]) -> str:
    key = (record.get("artifacts") or {}).get("searchable_pdf")
    try:
        return archive_at(archive).presigned_url(key, expires_seconds=7 * 24 * 3600) if key else ""
    except Exception:  # an archive without URLs: no link
        return ""


def _cell(value: Any) -> str:
    if value in (None, "", []):
        return "*(none)*"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def evidence_markdown(record: dict[str, Any], items: list[evidence.FieldEvidence], pdf: str = "") -> str:
    """The operator's sheet: per flagged field the crop (inline, so it shows for a local archive as for
    MinIO), the machine's value, its confidence and the reason. Also the form's description."""
    src = record.get("source") or {}
    lines = [f"### {src.get('filename')} — {record.get('dossier_id') or 'no dossier'}", "",
             f"Document `{record['document_id'][:12]}…`, revision {store.revision_of(record)}, "
             f"{src.get('page_count')} page(s)" + (f" · [searchable PDF]({pdf})" if pdf else ""), ""]
    shown: dict[bytes, str] = {}
    for fe in items:
        conf = f", confidence {fe.confidence:.2f}" if fe.confidence is not None else ""
        title = form.spec(fe.name).title
        lines += [f"**{title}** — machine: {_cell(fe.value)}{conf}  ", f"*{fe.reason}*", ""]
        if fe.png and fe.png in shown:
            lines += [f"(the crop above, at {shown[fe.png]})", ""]
        elif fe.png:
            shown[fe.png] = title
            where = f"page {fe.page}" + ("" if fe.located == "evidence" else f", {fe.located.replace(':', ' ')}")
            lines += [f"![{fe.name} ({where})](data:image/png;base64,{base64.b64encode(fe.png).decode()})", ""]
    if not items:
        lines += ["No field is flagged: check the document (see the reasons) and submit to confirm it.", ""]
    for reason in (record.get("review") or {}).get("reasons") or []:
        if reason.split(":", 1)[0] not in {fe.name for fe in items}:
            lines.append(f"- {reason}")
    lines += ["", "Leave a value to **confirm** it, change it to **correct** it, empty it to **clear** it."]
    return "\n".join(lines) + "\n"


def pending_markdown(archive: str, pending: list[dict[str, Any]], run_url: str | None) -> str:
    """What waits for review, oldest first, with links (the PDF, this run's forms)."""
    lines = [f"# Pending review: {len(pending)} document(s), oldest first", "",
             "| digitized | document | dossier | fields to check | links |", "|---|---|---|---|---|"]
    for rec in pending:
        links = [f"[PDF]({url})" for url in [pdf_url(archive, rec)] if url]
        links += [f"[review run]({run_url})"] if run_url else []
        fields = ", ".join((rec.get("review") or {}).get("fields") or []) or "(page warnings)"
        lines.append(f"| {rec.get('processed_at')} | {rec['source']['filename']} (`{rec['document_id'][:12]}`) | "
                     f"{rec.get('dossier_id') or ''} | {fields} | {' · '.join(links)} |")
    return "\n".join(lines) + "\n"


def _key_part(document_id: str) -> str:
    return document_id[:12]


def ask(record: dict[str, Any], sheet: str, request: ReviewRequest) -> decide.Decision | None:
    """Wait for the operator's answer to `record`'s form; None after MAX_ATTEMPTS refused answers."""
    logger = get_run_logger()
    doc, revision = record["document_id"], store.revision_of(record)
    prefill: dict[str, Any] | None = None
    note = ""
    for attempt in range(MAX_ATTEMPTS):
        model = form.form_model(record, reviewer=request.reviewer, prefill=prefill)
        wanted = run_input_subclass_from_type(model).with_initial_data(description=note + sheet)
        key = f"review-{_key_part(doc)}-r{revision}-{attempt}"
        if request.wait == "pause":
            hours = request.timeout_hours or PAUSE_DEFAULT_HOURS
            answer = pause_flow_run(wait_for_input=wanted, timeout=round(hours * 3600), key=key,
                                    poll_interval=PAUSE_POLL_SECONDS)
        else:
            timeout = round(request.timeout_hours * 3600) if request.timeout_hours else None
            answer = suspend_flow_run(wait_for_input=wanted, timeout=timeout, key=key)
        values = answer.model_dump()
        try:
            return decide.decision_from(record, values)
        except ReviewInputError as e:
            logger.warning("%s: answer refused: %s", record["source"]["filename"], e.message_en)
            note = f"> **Answer refused, nothing was changed:** {e.detail}. Correct it and submit again.\n\n"
            prefill = values
    logger.error("%s: %d answers refused; left pending", record["source"]["filename"], MAX_ATTEMPTS)
    return None


@flow(name="review", log_prints=True, persist_result=True)
def review(archive: str = "archive", request: ReviewRequest | None = None) -> State:
    """Put each document flagged for review before an operator: evidence crops, a form prefilled with the
    machine's values, and the answer committed as the record's next version (the old one kept in history/).

    Args:
        archive: A directory, or s3://BUCKET/PREFIX.
        request: Which documents (a dossier, ids, at most N) and how the run waits for answers.
    """
    request = request or ReviewRequest()
    logger = get_run_logger()
    t0 = time.monotonic()
    run = get_run_context().flow_run  # type: ignore[union-attr]
    if request.wait == "suspend" and getattr(run, "deployment_id", None) is None:
        logger.info("not started from a deployment: pausing instead of suspending (suspend needs one)")
        request = request.model_copy(update={"wait": "pause"})
    todo = pending_reviews(archive, request)
    run_url = ui_url(f"runs/flow-run/{run.id}")
    create_markdown_artifact(pending_markdown(archive, todo, run_url), key="pending-reviews",
                             description="Documents waiting for review, oldest first")
    chosen = todo[:request.limit] if request.limit else todo
    done: list[dict[str, Any]] = []
    for record in chosen:
        items = build_evidence(archive, record)
        sheet = evidence_markdown(record, items, pdf_url(archive, record))
        create_markdown_artifact(sheet, key=f"review-{_key_part(record['document_id'])}",
                                 description=f"Evidence for {record['source']['filename']}")
        decision = ask(record, sheet, request)
        if decision is None:
            continue
        new = commit_review(archive, decision)
        if new is None:
            continue
        logger.info("%s: %s by %s (revision %s)", record["source"]["filename"], new["review"]["status"],
                    decision.reviewer, new.get("revision"))
        done.append(new)
    left = len(todo) - len(done)
    message = (f"{len(done)} document(s) reviewed ({sum(r['review']['status'] == 'corrected' for r in done)} "
               f"corrected), {left} still pending; {time.monotonic() - t0:.0f} s")
    logger.info(message)
    return Completed(message=message, data={"reviewed": [r["document_id"] for r in done], "pending": left})
