"""`sohoa records …`: read the archive the way downstream systems do (pipeline.reader)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from flows.cli_common import ArchiveOpt, fail
from pipeline.errors import SohoaError

records_app = typer.Typer(no_args_is_help=True, help="Read archived records.")


@records_app.command("export")
def records_export(
    archive: ArchiveOpt = "archive",
    with_text: Annotated[bool, typer.Option("--with-text", help="Add the full text as `text`.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="json (the record) or nd30 (Decree 30 names).")] = "json",
) -> None:
    """Print every archived record, one JSON object per line."""
    from pipeline import reader

    try:
        with reader.open_reader(archive) as r:
            for rec in r.records():
                if fmt == "nd30":
                    from pipeline.extract.nd30 import to_nd30

                    rec = to_nd30(rec)
                if with_text:
                    rec["text"] = r.text(rec.get("document_id") or rec.get("DocumentId"))
                sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    except SohoaError as e:
        fail(e)


@records_app.command("show")
def records_show(
    document_id: Annotated[str, typer.Argument(help="SHA-256 of the original (a unique prefix is enough).")],
    archive: ArchiveOpt = "archive",
    with_text: Annotated[bool, typer.Option("--with-text")] = False,
) -> None:
    """Print one record."""
    from pipeline import reader

    try:
        with reader.open_reader(archive) as r:
            rec = r.get(document_id)
            if with_text:
                rec["text"] = r.text(rec["document_id"])
            sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
    except SohoaError as e:
        fail(e)
