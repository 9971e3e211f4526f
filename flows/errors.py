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
    """0 when every input was archived (or already was); 3 when some went to quarantine."""
    return ExitCode.quarantined if report["totals"]["quarantined"] else ExitCode.ok


def describe(exc: BaseException) -> str:
    """One actionable line for the terminal or a Prefect state message."""
    if isinstance(exc, SohoaError):
        return f"[{exc.code}] {exc.message_en}"
    return f"[E_INTERNAL] {type(exc).__name__}: {exc}"


def final_state(report: dict[str, Any]) -> Any:
    """Completed, or Failed naming the quarantined inputs, so the UI shows the run's real outcome."""
    from prefect.states import Completed, Failed

    q = [o for o in report["outcomes"] if o["status"] == "quarantined"]
    if not q:
        return Completed(message=report["summary_line"], data=report)
    names = ", ".join(f"{o['label']} ({o['error']['code']})" for o in q[:10])
    return Failed(message=f"{len(q)} input(s) quarantined: {names}", data=report)
