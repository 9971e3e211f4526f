"""`sohoa records …`: read the archive the way downstream systems do (pipeline.reader)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from flows.cli_common import ArchiveOpt, console, fail
from pipeline.errors import ExitCode, SohoaError
from schemas.record import COMPONENT_KINDS

records_app = typer.Typer(no_args_is_help=True, help="Read archived records.")
console_out = Console(highlight=False, soft_wrap=True)  # results on stdout; `console` (stderr) for messages


@records_app.command("export")
def records_export(
    archive: ArchiveOpt = "archive",
    with_text: Annotated[bool, typer.Option("--with-text", help="Add the full text as `text`.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="json (the record) or nd30 (Decree 30 names).")] = "json",
) -> None:
    """Print every archived record, one JSON object per line."""
    from pipeline import reader
    from pipeline.extract.nd30 import to_nd30

    if fmt not in ("json", "nd30"):
        console.print(f"[red]unknown --format {fmt!r}[/red]: use json or nd30")
        raise typer.Exit(int(ExitCode.bad_args))
    try:
        with reader.open_reader(archive) as r:
            for rec in r.records():
                # nd30 keeps the archive's document id beside the Decree 30 names so a reader can fetch artifacts
                out = {"DocumentId": rec["document_id"], **to_nd30(rec)} if fmt == "nd30" else rec
                if with_text:
                    out["text"] = r.text(rec["document_id"])
                sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
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


@records_app.command("verify")
def records_verify(
    archive: ArchiveOpt = "archive",
    prefix: Annotated[str, typer.Option(help="Only objects under this key prefix, e.g. records/.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-hash every object against its stored SHA-256; report mismatches, orphans and dangling entries.

    Exit code 0 when the archive is sound, 5 when problems were found."""
    from pipeline import reader

    try:
        with reader.open_reader(archive) as r:
            rep = r.verify(prefix)
    except SohoaError as e:
        fail(e)
    if as_json:
        sys.stdout.write(json.dumps(rep.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        for p in rep.problems:
            sys.stdout.write(f"{p.kind:9} {p.key}  {p.detail}\n")
        sys.stdout.write(f"{rep.objects} objects ({rep.bytes} bytes), {rep.records} records: "
                         f"{'OK' if rep.ok else f'{len(rep.problems)} problem(s)'}\n")
    raise typer.Exit(0 if rep.ok else int(ExitCode.integrity))


@records_app.command("url")
def records_url(
    document_id: Annotated[str, typer.Argument(help="Document id (a unique prefix is enough).")],
    archive: ArchiveOpt = "archive",
    artifact: Annotated[str, typer.Option(help="searchable_pdf, original or text.")] = "searchable_pdf",
    expires: Annotated[int, typer.Option(help="Seconds the link stays valid (S3: at most 604800).")] = 3600,
) -> None:
    """Print a time-limited download URL of an artifact (presigned on S3, file:// locally)."""
    from pipeline import reader

    try:
        with reader.open_reader(archive) as r:
            sys.stdout.write(r.url(document_id, artifact, expires) + "\n")
    except KeyError:
        fail(SohoaError(f"the record has no artifact {artifact!r}"))
    except SohoaError as e:
        fail(e)


@records_app.command("find")
def records_find(
    archive: ArchiveOpt = "archive",
    dossier: Annotated[str | None, typer.Option("--dossier", help="Dossier (hồ sơ) id.")] = None,
    number_symbol: Annotated[str | None, typer.Option("--number-symbol", help="Số/ký hiệu, e.g. 12/2024/QĐ-UBND.")]
    = None,
    date: Annotated[str | None, typer.Option("--date", help="Issue date YYYY-MM-DD (or YYYY-MM, YYYY).")] = None,
    citizen_id: Annotated[str | None, typer.Option("--citizen-id", help="CCCD/CMND number (needs SOHOA_INDEX_KEY).")]
    = None,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Component kind: {', '.join(COMPONENT_KINDS)}.")]
    = None,
    procedure: Annotated[str | None, typer.Option("--procedure", help="Procedure code (mã TTHC), e.g. 1.004227.")]
    = None,
    ids: Annotated[bool, typer.Option("--ids", help="Print document ids only.")] = False,
) -> None:
    """Find records through the index (no bucket listing); criteria combine with AND."""
    from pipeline import reader

    if not any((dossier, number_symbol, date, citizen_id, kind, procedure)):
        console.print("[red]error:[/red] give --dossier, --number-symbol, --date, --citizen-id, --kind or --procedure")
        raise typer.Exit(int(ExitCode.bad_args))
    try:
        with reader.open_reader(archive) as r:
            found = r.find(dossier=dossier, number_symbol=number_symbol, issued_date=date, citizen_id=citizen_id,
                           kind=kind, procedure=procedure)
    except ValueError as e:
        console.print(f"[red]error:[/red] {e}")
        raise typer.Exit(int(ExitCode.bad_args)) from None
    except SohoaError as e:
        fail(e)
    for rec in found:
        sys.stdout.write((rec["document_id"] if ids else json.dumps(rec, ensure_ascii=False)) + "\n")
    if not found:
        console.print("no matching record")
        raise typer.Exit(1)


@records_app.command("search")
def records_search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, a OR b, -excluded; marks optional.')],
    archive: ArchiveOpt = "archive",
    field: Annotated[str | None, typer.Option("--field", help="Only this field: summary, number_symbol, "
                                              "document_type, issuing_agency, signer, issued_place, text.")] = None,
    dossier: Annotated[str | None, typer.Option("--dossier", help="Only documents of this dossier (hồ sơ).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind: component.kind, else the document "
                                             "type (e.g. 'Quyết định'; marks and case do not matter).")] = None,
    date_from: Annotated[str | None, typer.Option("--date-from", help="Issued on or after YYYY[-MM[-DD]].")] = None,
    date_to: Annotated[str | None, typer.Option("--date-to", help="Issued on or before YYYY[-MM[-DD]].")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many results.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per result line.")] = False,
    index: Annotated[str | None, typer.Option("--index", help="The SQLite index file (default: SOHOA_SEARCH_INDEX, "
                                              "else beside the archive).")] = None,
) -> None:
    """Full-text search of the archived records, with or without Vietnamese marks, best first.

    Exit code 0 with results, 1 with none."""
    from rich.markup import escape

    from pipeline import reader

    try:
        with reader.open_reader(archive, search_index=index) as r:
            hits = r.search(query, field=field, dossier=dossier, kind=kind, date_from=date_from, date_to=date_to,
                            limit=limit, mark=("\x02", "\x03"))
    except SohoaError as e:
        fail(e)
    for hit in hits:
        if as_json:
            out = dict(hit.to_dict(), snippet=hit.snippet.replace("\x02", "«").replace("\x03", "»"))
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            continue
        snippet = escape(hit.snippet).replace("\x02", "[bold yellow]").replace("\x03", "[/bold yellow]")
        head = "  ".join(v for v in (hit.document_id[:12], hit.dossier_id, hit.document_type, hit.number_symbol,
                                     hit.issued_date) if v)
        console_out.print(f"[cyan]{escape(head)}[/cyan]\n    {snippet}", highlight=False)
    if not hits:
        console.print("no matching record" + (_ID_HINT if _looks_like_citizen_id(query) else ""))
        raise typer.Exit(1)


_ID_HINT = " (citizen IDs are not searchable as text: use `sohoa records find --citizen-id`)"


def _looks_like_citizen_id(query: str) -> bool:
    from pipeline.search.fold import MASK, mask_citizen_ids

    return MASK in mask_citizen_ids(query)


@records_app.command("reindex")
def records_reindex(
    archive: ArchiveOpt = "archive",
    index: Annotated[str | None, typer.Option("--index", help="The SQLite index file (default: SOHOA_SEARCH_INDEX, "
                                              "else beside the archive).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Rebuild the search index from the archive alone; searches and runs may go on meanwhile."""
    from pipeline import reader

    try:
        with reader.open_reader(archive, search_index=index) as r:
            rep = r.reindex()
    except SohoaError as e:
        fail(e)
    if as_json:
        sys.stdout.write(json.dumps(rep.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(f"{rep.records} records in {rep.seconds:.1f} s ({rep.changed} changed, {rep.unchanged} "
                         f"unchanged, {rep.removed} removed): {rep.location}\n")


@records_app.command("corrections")
def records_corrections(
    archive: ArchiveOpt = "archive",
    corrected_only: Annotated[bool, typer.Option("--corrected-only",
                                                 help="Only fields the operator changed (not confirmed ones).")]
    = False,
) -> None:
    """Print operator review decisions as ground-truth lines (the shape of the evaluation's truth.jsonl)."""
    from pipeline import reader
    from pipeline.review.corrections import truth_lines

    try:
        with reader.open_reader(archive) as r:
            for line in truth_lines(r.records(), corrected_only=corrected_only):
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    except SohoaError as e:
        fail(e)
