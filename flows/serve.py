"""`sohoa serve`: run the deployments from this machine (one process; no work pool needed).

`prefect.serve` registers the deployments with the Prefect API (PREFECT_API_URL), keeps the nightly
schedule, and runs triggered flow runs as subprocesses of this one, at most `--limit` at a time.
For several machines use the work pool path instead (prefect.yaml + `prefect worker start`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli_common import ArchiveOpt


def serve(
    inbox: Annotated[str, typer.Option("--inbox", "-i", envvar="SOHOA_INBOX",
                                       help="Inbox folder or s3://BUCKET/PREFIX (deployment default).")] = "inbox",
    archive: ArchiveOpt = "archive",
    limit: Annotated[int, typer.Option(min=1, help="Flow runs at once on this machine.")] = 1,
    nightly: Annotated[bool, typer.Option(help="Keep the nightly schedule (01:00 Asia/Ho_Chi_Minh).")] = True,
) -> None:
    """Serve the sohoa deployments (nightly + on-demand) from this machine until Ctrl-C."""
    from prefect import serve as prefect_serve

    from flows.deployments import build

    prefect_serve(*build(inbox, archive, nightly=nightly), limit=limit)
