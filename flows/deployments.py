"""The sohoa deployments, defined in code (served by `sohoa serve`; `prefect.yaml` holds the same for workers).

- digitize-inbox/nightly    — cron 0 1 * * * in Asia/Ho_Chi_Minh: the nightly run over the inbox
- digitize-inbox/on-demand  — the same flow, triggered by an operator (form: options, batch size, …)
- digitize-dossier/on-demand — one dossier, e.g. after a re-scan (form: dossier, force)
- reprocess/on-demand       — re-extract archived documents without OCR
- review/on-demand          — an operator resolves flagged fields (started by digitize-inbox runs too)
"""

from __future__ import annotations

import os
from typing import Any

from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from flows.digitize import digitize_dossier, digitize_inbox
from flows.reprocess import reprocess
from flows.review import review

NIGHTLY_CRON = "0 1 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"
TAGS = ["sohoa"]
REVIEW_DEPLOYMENT = "review/on-demand"


def default_locations() -> tuple[str, str]:
    """(inbox, archive) from SOHOA_INBOX / SOHOA_ARCHIVE, as the worker containers set them."""
    return os.environ.get("SOHOA_INBOX", "inbox"), os.environ.get("SOHOA_ARCHIVE", "archive")


def build(inbox: str | None = None, archive: str | None = None, *, nightly: bool = True) -> list[RunnerDeployment]:
    """The five deployments with `inbox`/`archive` as default parameters (operators can change them per run)."""
    env_inbox, env_archive = default_locations()
    where: dict[str, Any] = {"inbox": inbox or env_inbox, "archive": archive or env_archive}
    common: dict[str, Any] = {"entrypoint_type": EntrypointType.MODULE_PATH, "tags": TAGS}
    return [
        digitize_inbox.to_deployment(
            name="nightly", schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)] if nightly else None,
            parameters=where,
            description="Nightly: digitize the inbox's complete dossiers, archive, move to processed/.",
            **common),
        digitize_inbox.to_deployment(
            name="on-demand", parameters=where, description="Digitize the inbox now.", **common),
        digitize_dossier.to_deployment(
            name="on-demand", parameters=where,
            description="One dossier (re-scan): type its folder name; force re-OCRs documents already archived.",
            **common),
        reprocess.to_deployment(
            name="on-demand", parameters={"archive": where["archive"]},
            description="Re-run metadata extraction on archived documents without OCR.", **common),
        review.to_deployment(
            name=REVIEW_DEPLOYMENT.split("/")[1], parameters={"archive": where["archive"]},
            description="Resolve flagged fields: evidence crops and a form per document; answers make a new "
                        "version of the record.", **common),
    ]
