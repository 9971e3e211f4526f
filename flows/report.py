"""Run reports: one dict per run (archived as runs/{run_id}/report.json), rendered as a terminal
table, a Prefect table artifact and a markdown summary."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pipeline.document import Outcome


def outcome_row(o: Outcome) -> dict[str, Any]:
    row = asdict(o)
    rec = row.pop("record") or {}
    md = rec.get("metadata") or {}
    confs = [p["mean_confidence"] for p in rec.get("pages", []) if p.get("mean_confidence") is not None]
    row.update(
        document_type=md.get("document_type"),
        number_symbol=md.get("number_symbol"),
        issued_date=md.get("issued_date"),
        mean_confidence=round(sum(confs) / len(confs), 1) if confs else None,
        review_needed=(rec.get("review") or {}).get("needed"),
        searchable_pdf=(rec.get("artifacts") or {}).get("searchable_pdf"),
    )
    return row


def build(run_id: str, inbox: str, archive: str, outcomes: list[Outcome], started: datetime,
          seconds: float, *, waiting: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The run's report; `waiting` names the inputs left for the next run because they (or a file of their
    dossier) may still be being written."""
    rows = [outcome_row(o) for o in outcomes]
    done = [r for r in rows if r["status"] == "archived"]
    pages = sum(r["pages"] for r in done)
    totals = {
        "documents": len(rows),
        "archived": len(done),
        "skipped": sum(r["status"] == "skipped" for r in rows),
        "quarantined": sum(r["status"] == "quarantined" for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "deferred": sum(r["status"] == "deferred" for r in rows),
        "waiting": len(waiting or []),
        "review_needed": sum(bool(r["review_needed"]) and r["status"] in ("archived", "skipped") for r in rows),
        "pages": pages,
        "ocr_pages": sum(r["ocr_pages"] for r in done),
        "text_pages": sum(r["text_pages"] for r in done),
        "seconds": round(seconds, 2),
        "pages_per_minute": round(pages / seconds * 60, 1) if seconds > 0 else 0.0,
    }
    line = (f"{totals['documents']} documents: {totals['archived']} archived, {totals['skipped']} already "
            f"archived, {totals['quarantined']} quarantined, {totals['failed']} failed, {totals['deferred']} "
            f"left for the next run, {totals['waiting']} waiting (still being written); {pages} pages in "
            f"{seconds:.1f} s ({totals['pages_per_minute']} pages/min)")
    return {"run_id": run_id, "inbox": inbox, "archive": archive, "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "totals": totals, "outcomes": rows,
            "waiting": list(waiting or []), "summary_line": line}


def artifact_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-document table operators see in the Prefect UI."""
    return [
        {"file": r["label"], "dossier": r["dossier_id"] or "", "type": r["document_type"] or "",
         "number/symbol": r["number_symbol"] or "", "date": r["issued_date"] or "", "pages": r["pages"],
         "mean confidence": r["mean_confidence"] if r["mean_confidence"] is not None else "",
         "needs review": "yes" if r["review_needed"] else "", "status": r["status"],
         "error": (r["error"] or {}).get("code", "")}
        for r in report["outcomes"]
    ]


def markdown(report: dict[str, Any]) -> str:
    t = report["totals"]
    lines = [
        f"# sohoa run {report['run_id']}", "",
        "| documents | archived | already archived | quarantined | pages | OCR'd pages | text-layer pages "
        "| seconds | pages/min |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {t['documents']} | {t['archived']} | {t['skipped']} | {t['quarantined']} | {t['pages']} | "
        f"{t['ocr_pages']} | {t['text_pages']} | {t['seconds']} | {t['pages_per_minute']} |",
    ]
    waiting = report.get("waiting") or []
    if waiting:
        lines += ["", f"## Waiting (still being written): {len(waiting)}", "",
                  "Left for the next run; nothing was lost."] + [f"- `{w['label']}` — {w['reason']}" for w in waiting]
    flagged = [r for r in report["outcomes"] if r["review_needed"] and r["status"] in ("archived", "skipped")]
    if flagged:
        lines += ["", f"## Needs review: {len(flagged)}", ""]
        lines += [f"- `{r['label']}` (`{(r['document_id'] or '')[:12]}`)" for r in flagged]
    failures = [r for r in report["outcomes"] if r["status"] in ("quarantined", "failed")]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- `{r['label']}` ({r['status']}) — **{r['error']['code']}**: {r['error']['message']}"
                  for r in failures]
    warned = [r for r in report["outcomes"] if r["warnings"]]
    if warned:
        lines += ["", "## Warnings", ""]
        lines += [f"- `{r['label']}`: {'; '.join(r['warnings'])}" for r in warned]
    return "\n".join(lines) + "\n"
