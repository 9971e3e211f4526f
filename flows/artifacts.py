"""What operators see in the Prefect UI: the per-document table, the run summary, links to the
archived PDFs and a progress bar updated as documents finish."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows import report as reports
from pipeline.archive import Archive


class Progress:
    """The run's progress artifact, updated as documents finish (the total grows batch by batch)."""

    def __init__(self) -> None:
        self.id = create_progress_artifact(0.0, description="Documents done")
        self.done = 0
        self.total = 0

    def tick(self) -> None:
        self.done += 1
        update_progress_artifact(self.id, 100.0 * self.done / max(1, self.total),
                                 description=f"{self.done}/{self.total} documents done")


def pdf_links(rep: dict[str, Any], store_: Archive) -> str:
    """Markdown links to the archived searchable PDFs (presigned for S3, file:// for a local archive)."""
    lines = [f"# Archived PDFs — run {rep['run_id']}", "", "| document | dossier | PDF |", "|---|---|---|"]
    for r in rep["outcomes"]:
        key = r.get("searchable_pdf")
        if r["status"] not in ("archived", "skipped") or not key:
            continue
        try:
            url = store_.presigned_url(key, expires_seconds=7 * 24 * 3600)
        except Exception:  # an archive without URLs: show the key
            url = ""
        link = f"[searchable.pdf]({url})" if url else f"`{key}`"
        lines.append(f"| {r['label']} | {r['dossier_id'] or ''} | {link} |")
    return "\n".join(lines) + "\n"


def publish(rep: dict[str, Any], archive: Archive) -> None:
    """The table, the summary and the PDF links in the Prefect UI; the summary line in the log."""
    create_table_artifact(reports.artifact_table(rep), key="documents", description=rep["summary_line"])
    create_markdown_artifact(reports.markdown(rep) + extra_markdown(rep), key="run-summary",
                             description="sohoa run summary")
    create_markdown_artifact(pdf_links(rep, archive), key="archived-pdfs", description="Links to the archived PDFs")
    get_run_logger().info(rep["summary_line"])


def extra_markdown(rep: dict[str, Any]) -> str:
    lines: list[str] = []
    if rep.get("moved") is not None:
        lines += ["", f"Moved to `processed/`: {len(rep['moved'])} input(s)."]
    for title, names in (("Not taken by this run (claimed by another run, or over the batch size)",
                          rep.get("claimed_elsewhere")),
                         ("Left for the next run (files still being written)", rep.get("incomplete"))):
        if names:
            lines += ["", f"## {title}", ""] + [f"- `{n}`" for n in names]
    review = rep.get("review") or {}
    if review.get("flow_run_id"):
        from flows.review import ui_url

        url = ui_url(f"runs/flow-run/{review['flow_run_id']}")
        run = f"[review run]({url})" if url else f"review run `{review['flow_run_id']}`"
        lines += ["", f"Review of {len(review['documents'])} flagged document(s) started: {run} "
                  "(open it and press Resume to answer each form)."]
    elif review.get("command"):
        lines += ["", f"Review the {len(review['documents'])} flagged document(s) with `{review['command']}`, "
                  "or from the UI: Deployments → review/on-demand → Run."]
    return "\n".join(lines) + ("\n" if lines else "")
