"""`sohoa review`: the review loop in a terminal (rich prompts), for a desk without the Prefect UI.

The same library code as the `review` flow (pipeline.review): the same pending list, the same crops
(archived under the record's key and written to --crops for an image viewer), the same checks of each
answer and the same commit. Enter keeps the machine's value (confirm), `-` clears it, anything else
corrects it; an answer that does not fit is refused with the reason and asked again, nothing written.
"""

from __future__ import annotations

import getpass
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.prompt import Confirm, Prompt
from rich.table import Table

from flows.cli_common import ArchiveOpt, fail
from pipeline.errors import ReviewInputError, SohoaError

CLEAR = "-"


def _ask_field(out: Console, record: dict[str, Any], name: str, answers: dict[str, Any]) -> Any:
    from pipeline.review import decide, form

    s = form.spec(name)
    current = form.initial((record.get("metadata") or {}).get(name), s.kind)
    if name == "number_symbol" and "number" in answers:  # offer what the answered number makes of it
        trial = decide.apply(record, decide.Decision(record["document_id"], 1, {**answers, name: None}, "-"))
        current = trial["metadata"].get(name) or current
    shown = ", ".join(current) if isinstance(current, list) else current
    while True:
        hint = re.split(r"(?<=[\w)])\.\s+(?=[A-Z])", s.hint)[0].rstrip(".")  # its first sentence
        raw = Prompt.ask(f"  [bold]{s.title}[/bold]" + (f" [dim]({hint})[/dim]" if hint else ""),
                         default=shown or "", show_default=bool(shown), console=out)
        raw = "" if raw.strip() == CLEAR else raw
        try:
            return form.check_value(name, raw)
        except ReviewInputError as e:
            out.print(f"  [red]refused, nothing changed:[/red] {e.detail}")


def review_one(out: Console, archive: Any, record: dict[str, Any], reviewer: str, crops: Path) -> bool:
    """Show one record's evidence, ask each flagged field, commit on confirmation; True when committed."""
    from pipeline.archive import records as store
    from pipeline.review import decide, evidence

    items = evidence.build(archive, record)
    src = record["source"]
    out.rule(f"{src['filename']} — {record.get('dossier_id') or 'no dossier'} "
             f"({record['document_id'][:12]}, revision {store.revision_of(record)})")
    table = Table(show_header=True, header_style="bold")
    for col in ("field", "machine value", "confidence", "reason", "crop"):
        table.add_column(col)
    for fe in items:
        path = ""
        if fe.png:
            p = crops / f"{record['document_id'][:12]}-{fe.name}.png"
            p.write_bytes(fe.png)
            path = str(p)
        value = ", ".join(fe.value) if isinstance(fe.value, list) else fe.value
        table.add_row(fe.name, "" if value is None else str(value),
                      "" if fe.confidence is None else f"{fe.confidence:.2f}", fe.reason, path)
    out.print(table)
    out.print(f"  Enter keeps the value (confirm), [bold]{CLEAR}[/bold] clears it, anything else corrects it.")
    answers: dict[str, Any] = {}
    for fe in items:
        answers[fe.name] = _ask_field(out, record, fe.name, answers)
    answers["not_administrative"] = Confirm.ask("  Not an administrative document?", default=False, console=out)
    answers["reviewer"] = reviewer
    try:
        decision = decide.decision_from(record, answers)
    except ReviewInputError as e:  # the prompts checked each answer; this is the reviewer's name
        out.print(f"[red]refused, nothing changed:[/red] {e.detail}")
        return False
    if not Confirm.ask("  Commit this review?", default=True, console=out):
        out.print("  skipped: the record is unchanged")
        return False
    new = decide.commit(archive, decision)
    out.print(f"  [green]{new['review']['status']}[/green]: revision {new.get('revision')} committed "
              f"(number/symbol {new['metadata'].get('number_symbol')})")
    return True


def review(
    archive: ArchiveOpt = "archive",
    dossier: Annotated[str | None, typer.Option(help="Only this dossier's documents.")] = None,
    document_id: Annotated[list[str] | None, typer.Option("--id", help="Only this document (repeatable).")] = None,
    reviewer: Annotated[str | None, typer.Option(envvar="SOHOA_REVIEWER",
                                                 help="Your name, stored as review.reviewed_by.")] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most this many documents (0: all).")] = 0,
    crops: Annotated[Path | None, typer.Option(help="Folder for the evidence crops (default: a temp folder).")]
    = None,
) -> None:
    """Review the documents flagged for a person, oldest first: confirm, correct or clear each flagged field."""
    from pipeline.archive import open_archive
    from pipeline.review import select

    out = Console()
    try:
        store = open_archive(archive)
        todo = select.pending(store, dossier=dossier, ids=document_id or (), limit=limit)
    except SohoaError as e:
        fail(e)
    if not todo:
        out.print("nothing waits for review")
        raise typer.Exit(0)
    out.print(f"{len(todo)} document(s) wait for review, oldest first")
    name = reviewer or Prompt.ask("Your name (stored as reviewed_by)", default=getpass.getuser(), console=out)
    folder = crops or Path(tempfile.mkdtemp(prefix="sohoa-review-"))
    folder.mkdir(parents=True, exist_ok=True)
    done = 0
    try:
        for record in todo:
            done += review_one(out, store, record, name, folder)
    except SohoaError as e:
        fail(e)
    finally:
        store.close()
    out.print(f"{done} of {len(todo)} document(s) reviewed; crops in {folder}")
