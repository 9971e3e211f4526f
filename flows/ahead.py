"""Which pages the command line starts ahead, while it imports Prefect and a temporary server boots."""

from __future__ import annotations

import logging

from flows import inbox as inbox_ops
from flows.stores import archive_at, inbox_at
from pipeline.ahead import AheadPool
from pipeline.archive import claims, records
from pipeline.options import Options

log = logging.getLogger(__name__)


def start_ahead(pool: AheadPool, inbox: str, archive: str, options: Options, force: bool, *,
                min_pages: int) -> int:
    """Start the page OCR of the run's first documents, at least `min_pages` pages; returns how many.

    Chosen as the run will choose: complete dossiers, in the scan's order, not held by another run,
    not archived yet. Local inbox and archive only (an S3 store may need the API for its keys); a
    guess that turns out wrong costs only that CPU.
    """
    if inbox.startswith("s3://") or archive.startswith("s3://") or options.keep_work:
        return 0
    started = 0
    try:
        box, store = inbox_at(inbox, options.work_dir), archive_at(archive)
        groups = inbox_ops.by_dossier(box.scan(options.min_file_age_seconds))
        incomplete = box.incomplete(options.min_file_age_seconds)
        for dossier, items in groups.items():
            if dossier in incomplete or not claims.is_free(claims.read_claim(store, dossier), owner=""):
                continue
            for item in items:
                started += pool.start(item, options, max_pages=min_pages - started,
                                      skip=lambda sha: not force and records.has_record(store, sha))
                if started >= min_pages:
                    return started
    except Exception as e:  # the run itself meets and reports whatever went wrong here
        log.debug("no pages started ahead: %s", e)
    return started
