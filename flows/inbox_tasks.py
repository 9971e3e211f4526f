"""The inbox side of a run as Prefect tasks: scan, what waits, stage, and move what is archived.

Thin over `flows.inbox` (folder or S3 inbox); storage trouble is retried.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from flows import inbox as inbox_ops
from flows.stores import STORAGE_RETRIES, archive_at, inbox_at
from pipeline import intake
from pipeline.options import Options


@task(name="scan-inbox", cache_policy=NONE, **STORAGE_RETRIES)
def scan_inbox(inbox: str, options: Options) -> list[intake.InputFile]:
    items = inbox_at(inbox, options.work_dir).scan(options.min_file_age_seconds)
    get_run_logger().info("%d file(s) in %s", len(items), inbox)
    return items


@task(name="incomplete-dossiers", cache_policy=NONE, **STORAGE_RETRIES)
def incomplete_dossiers(inbox: str, options: Options) -> set[str]:
    return inbox_at(inbox, options.work_dir).incomplete(options.min_file_age_seconds)


@task(name="waiting-files", cache_policy=NONE, **STORAGE_RETRIES)
def waiting_files(inbox: str, options: Options) -> list[dict[str, str]]:
    """Files left out because they may still be being written (named in the summary, never silently)."""
    return inbox_at(inbox, options.work_dir).waiting(options.min_file_age_seconds)


def waiting_of(inbox: str, options: Options, groups: dict[str, list[intake.InputFile]],
               incomplete: set[str]) -> list[dict[str, str]]:
    """Every input this run leaves for the next one: files still being written, and the complete files of
    the dossiers that wait for them."""
    young = waiting_files(inbox, options)
    named = {w["label"] for w in young}
    return young + [{"label": i.label, "reason": "its dossier has a file still being written"}
                    for d in sorted(incomplete) for i in groups.get(d, []) if i.label not in named]


@task(name="stage-inputs", cache_policy=NONE, **STORAGE_RETRIES)
def stage_inputs(inbox: str, items: list[intake.InputFile], options: Options) -> list[intake.InputFile]:
    """Inputs still in the inbox, as local files (an S3 inbox's objects are downloaded to the work folder)."""
    staged = inbox_at(inbox, options.work_dir).stage(items)
    if len(staged) != len(items):
        get_run_logger().info("%d input(s) gone from %s since the scan", len(items) - len(staged), inbox)
    return staged


@task(name="move-processed", cache_policy=NONE, **STORAGE_RETRIES)
def move_processed(inbox: str, archive: str, items: list[intake.InputFile], statuses: dict[str, str],
                   work_dir: Path | None = None) -> list[inbox_ops.Moved]:
    """Move inputs out of the inbox once their record (or quarantine entry) is verified in the archive."""
    moved = inbox_at(inbox, work_dir).move_processed(archive_at(archive), items, statuses)
    get_run_logger().info("%d input(s) moved to %s/%s", len(moved), inbox, inbox_ops.PROCESSED)
    return moved
