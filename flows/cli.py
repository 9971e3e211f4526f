"""`sohoa`: the command line. Every command is a thin shell over flows and the pipeline reader."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_common import ArchiveOpt, console, fail
from flows.cli_records import records_app
from flows.cli_review import review
from flows.errors import exit_code_for_report
from flows.params import RunSettings
from flows.serve import serve
from pipeline import tesseract
from pipeline.errors import ExitCode, SohoaError
from pipeline.options import Options

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
app.add_typer(records_app, name="records")
app.command()(serve)
app.command()(review)
WAIT_FOR_YOUNG_SECONDS = 60  # an interactive run waits this long, at most, for files just copied in


def _inbox_arg(value: str) -> str:
    """INBOX is an existing folder, or an s3:// prefix (checked when the run lists it)."""
    if value.startswith("s3://"):
        if len(value) <= len("s3://") or value[len("s3://")] == "/":
            raise typer.BadParameter("an S3 inbox looks like s3://BUCKET/PREFIX")
        return value
    if not Path(value).is_dir():
        raise typer.BadParameter(f"folder {value!r} does not exist (or give s3://BUCKET/PREFIX)")
    return value


@app.command()
def digitize(
    inbox: Annotated[str, typer.Argument(callback=_inbox_arg,
                                         help="A folder, or s3://BUCKET/PREFIX; one sub-folder per dossier.")],
    archive: ArchiveOpt = "archive",
    jobs: Annotated[int | None, typer.Option(help="Pages OCR'd in parallel (default: cores).")] = None,
    language: Annotated[str | None, typer.Option(help="Tesseract language, e.g. vie.")] = None,
    tessdata_dir: Annotated[Path | None, typer.Option(help="Folder with a better vie.traineddata.")] = None,
    work_dir: Annotated[Path | None, typer.Option(help="Where page work files go.")] = None,
    keep_work: Annotated[bool, typer.Option(help="Keep work files for debugging.")] = False,
    force: Annotated[bool, typer.Option(help="Re-process documents already archived.")] = False,
    min_file_age: Annotated[float | None, typer.Option(help="Skip files modified less than this many s ago.")] = None,
    move_processed: Annotated[bool, typer.Option(
        "--move-processed/--keep-inputs",
        help="Move inputs to INBOX/processed/ once their record is verified (as the nightly run does).")] = True,
) -> None:
    """Digitize INBOX into the archive (Prefect flow; ephemeral mode when no server is configured)."""
    given = {"jobs": jobs, "language": language, "tessdata_dir": tessdata_dir, "work_dir": work_dir,
             "min_file_age_seconds": min_file_age, "keep_work": keep_work or None}
    try:
        options = Options(**{k: v for k, v in given.items() if v is not None})
    except Exception as e:
        console.print(f"[red]invalid option:[/red] {e}")
        raise typer.Exit(int(ExitCode.bad_args)) from e
    try:  # fail in a second, before Prefect starts, when the engine is missing
        tesseract.version()
        tesseract.check_language(options.language, options.tessdata_dir)
    except SohoaError as e:
        fail(e)
    if not inbox.startswith("s3://") and options.min_file_age_seconds > 0:
        _wait_for_copies(Path(inbox), options.min_file_age_seconds)
    from flows import server

    # The temporary Prefect server (when no server is configured) starts first and boots on the second
    # core while this process starts the first pages and imports the flow (Prefect's import is slow).
    with server.embedded() as ready:
        from flows.ahead import start_ahead
        from flows.runtime import page_pool
        from pipeline import extract

        with page_pool(options.jobs) as pool:
            # The first document's pages go to the workers before Prefect is imported (~1.5 s on this
            # core), with or without a server booting beside. The digit models load meanwhile too, not
            # later while pages keep both cores busy.
            start_ahead(pool, inbox, archive, options, force, min_pages=2 * options.jobs)
            preload = threading.Thread(target=extract.preload, name="sohoa-preload", daemon=True)
            preload.start()
            from flows.digitize import digitize_inbox

            ready()
            try:
                # The flow ends Failed when inputs were quarantined; its data is still the report.
                state = digitize_inbox(inbox, archive, options, force, RunSettings(move_processed=move_processed),
                                       return_state=True)
                report = state.result(raise_on_failure=False)
            except SohoaError as e:
                fail(e)
            finally:
                preload.join()
    if isinstance(report, BaseException):
        fail(report)
    print_summary(report)
    raise typer.Exit(int(exit_code_for_report(report)))


def _wait_for_copies(inbox: Path, min_age: float) -> None:
    """Files copied in just before `sohoa digitize` are what the user wants digitized: wait until they
    are `min_age` old (at most WAIT_FOR_YOUNG_SECONDS), saying so, instead of leaving them for a next run."""
    from pipeline import intake

    def say(young: list[dict[str, str]], seconds: float) -> None:
        names = ", ".join(w["label"] for w in young[:5]) + (" …" if len(young) > 5 else "")
        console.print(f"waiting {seconds:.0f} s for {len(young)} file(s) still being written: {names}")

    intake.wait_until_written(inbox, min_age_seconds=min_age, limit_seconds=WAIT_FOR_YOUNG_SECONDS, on_wait=say)


def print_summary(report: dict[str, Any]) -> None:
    t = report["totals"]
    failures = t["quarantined"] + t["failed"]
    table = Table(title="sohoa digitize — summary")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (("documents", t["documents"]), ("  archived now", t["archived"]),
                         ("  already archived", t["skipped"]), ("  quarantined", t["quarantined"]),
                         ("  failed (retried next run)", t["failed"]), ("  left for next run", t["deferred"]),
                         ("  waiting (still being written)", t.get("waiting", 0)),
                         ("  needs review", t.get("review_needed", 0)),
                         ("pages", t["pages"]), ("  OCR'd pages", t["ocr_pages"]),
                         ("  text-layer pages", t["text_pages"]), ("seconds", t["seconds"]),
                         ("pages/min", t["pages_per_minute"]), ("failures", failures)):
        table.add_row(label, str(value))
    out = Console()
    out.print(table)
    for o in report["outcomes"]:
        if o["status"] in ("quarantined", "failed"):
            out.print(f"[red]{o['status']}[/red] {o['label']}: [{o['error']['code']}] {o['error']['message']}")
    for w in report.get("waiting") or []:
        out.print(f"[yellow]waiting (still being written)[/yellow] {w['label']}: {w['reason']}; left for the next run")
    review = report.get("review") or {}
    if review.get("documents"):
        out.print(f"{len(review['documents'])} document(s) need review: [bold]{review['command']}[/bold]"
                  + (f" (or the started review run {review['flow_run_id']})" if review.get("flow_run_id") else ""),
                  soft_wrap=True)  # a command and paths to copy: never broken by an inserted newline
    out.print(f"archive: {report['archive']}  (report: runs/{report['run_id']}/report.json)", soft_wrap=True)


@app.command()
def sample(
    inbox: Annotated[Path, typer.Argument(help="Folder to create the sample inbox in.")],
) -> None:
    """Write a small sample inbox of rendered Vietnamese documents (no download)."""
    from pipeline.samples import write_sample_inbox

    for path in write_sample_inbox(inbox):
        console.print(f"  {path}")


def main() -> None:
    # Before Prefect is imported: no telemetry calls from machines without internet, and the
    # pipeline's own warnings (quarantine, OCR trouble) shown with the flow's log lines.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "pipeline")
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(int(ExitCode.ctrl_c)) from None
    except SystemExit as e:
        _exit_now(e.code)


def _exit_now(code: int | str | None) -> NoReturn:
    """Exit without the interpreter tearing down every module and object Prefect and pydantic built
    (~0.4 s). The work is done by now: remaining threads are joined, exit handlers run (Prefect's
    flushes, logging), streams flushed, as a normal exit would; only the teardown is skipped."""
    for t in threading.enumerate():
        if t is not threading.main_thread() and not t.daemon:
            t.join()
    atexit._run_exitfuncs()
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
