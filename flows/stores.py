"""The run's archive and inbox, opened once per process and shared by its tasks and helpers."""

from __future__ import annotations

import functools
from pathlib import Path

from prefect.tasks import exponential_backoff

from flows import inbox as inbox_ops
from pipeline.archive import Archive, open_archive

# Retries of tasks that talk to the archive or the inbox (a store restarting, a network blip).
STORAGE_RETRIES = {"retries": 3, "retry_delay_seconds": exponential_backoff(backoff_factor=2),
                   "retry_jitter_factor": 0.5}


@functools.lru_cache(maxsize=8)
def archive_at(uri: str) -> Archive:
    if uri.startswith("s3://"):
        from flows import archive_secrets

        archive_secrets.install()  # S3 keys from a Prefect Secret block when SOHOA_S3_SECRET_BLOCK is set
    return open_archive(uri)


@functools.lru_cache(maxsize=8)
def inbox_at(uri: str, work_dir: Path | None = None) -> inbox_ops.Inbox:
    """A folder, or an s3:// prefix opened like the archive (same credentials); S3 inputs are staged to work_dir."""
    return inbox_ops.open_inbox(uri, archive_at, work_dir)
