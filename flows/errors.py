"""The one place where pipeline errors become exit codes and Prefect states."""

from __future__ import annotations

from typing import Any

from pipeline.errors import ExitCode, SohoaError


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, SohoaError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.ctrl_c
    return ExitCode.infrastructure


def exit_code_for_report(report: dict[str, Any]) -> ExitCode:
    """0: every input archived (now or before); 4: some failed for run-level reasons (archive
    unreachable, …) and will be retried by the next run; 3: some went to quarantine."""
    totals = report["totals"]
    if totals.get("failed"):
        return ExitCode.infrastructure
    return ExitCode.quarantined if totals["quarantined"] else ExitCode.ok


def describe(exc: BaseException) -> str:
    """One actionable line for the terminal or a Prefect state message."""
    if isinstance(exc, SohoaError):
        return f"[{exc.code}] {exc.message_en}"
    return f"[E_INTERNAL] {type(exc).__name__}: {exc}"


def final_state(report: dict[str, Any]) -> Any:
    """Completed, or Failed naming the quarantined inputs, so the UI shows the run's real outcome."""
    from prefect.states import Completed, Failed

    bad = [o for o in report["outcomes"] if o["status"] in ("quarantined", "failed")]
    if not bad:
        return Completed(message=report["summary_line"], data=report)
    names = ", ".join(f"{o['label']} ({o['error']['code']})" for o in bad[:10])
    return Failed(message=f"{len(bad)} input(s) quarantined or failed: {names}", data=report)
