"""Pieces every `sohoa` sub-command shares: the archive option, the error console, `fail()`."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console

from flows.errors import describe, exit_code_for

console = Console(stderr=True)

ArchiveOpt = Annotated[str, typer.Option("--archive", "-a", envvar="SOHOA_ARCHIVE",
                                         help="Archive: a directory, or s3://BUCKET/PREFIX.")]


def fail(exc: BaseException) -> NoReturn:
    """Print the error's actionable message and exit with its documented code."""
    console.print(f"[red]error:[/red] {describe(exc)}")
    raise typer.Exit(int(exit_code_for(exc)))
