"""Page OCR started ahead of the document that will ask for it.

A command-line run spends its first seconds importing Prefect (and, with no server configured, booting
Prefect's temporary server), mostly on one core while the other would wait. `AheadPool` wraps the
run's page workers: `start()` plans an inbox document and submits its pages' OCR at once, into a work
folder of its own; when the document is processed and submits the same page job (same file, page and
settings, whatever its work folder), it gets that future instead of a second OCR. Pages nobody asks
for are cancelled (or finish and are dropped) when the pool closes, and the folder goes with them.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from pipeline import intake, pages, workdir
from pipeline.document import page_jobs
from pipeline.ocr import PageJob, ocr_page
from pipeline.options import Options

log = logging.getLogger(__name__)

_ANY_FOLDER = Path()
MAX_BYTES = 16_000_000  # ~50 scanned A4 pages at 300 dpi


def _key(job: PageJob) -> PageJob:
    return dataclasses.replace(job, work_dir=_ANY_FOLDER)


class AheadPool(Executor):
    """An executor over `pool` that hands out page OCR submitted ahead; everything else passes through."""

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._ahead: dict[PageJob, Future[Any]] = {}
        self._folders: list[Path] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if fn is ocr_page and len(args) == 1 and not kwargs:
            with self._lock:
                started = self._ahead.pop(_key(args[0]), None)
            if started is not None:
                return started
        return self._pool.submit(fn, *args, **kwargs)

    def start(self, item: intake.InputFile, options: Options, *, max_pages: int,
              skip: Callable[[str], bool] = lambda sha: False) -> int:
        """Submit the OCR of `item`'s first `max_pages` pages now; returns how many. `skip(sha)` says the
        run will not digitize it (e.g. already archived). Never raises: a bad input is the run's to
        quarantine. A large file is left alone: a few seconds matter little to its run, and planning
        it twice would cost memory (a 300-page scan: +95 MB at the run's peak)."""
        if item.size > MAX_BYTES:
            return 0
        try:
            media_type, sha = intake.identify(item, max_bytes=int(options.max_file_mb * 1e6))
            if skip(sha):
                return 0
            plans = pages.plan_pages(item.path, media_type, max_pages=options.max_pages,
                                     max_megapixels=options.max_page_megapixels, dpi=options.ocr_dpi)
            folder = workdir.make(options.work_dir, sha)
        except Exception as e:
            log.debug("%s not started ahead: %s", item.label, e)
            return 0
        jobs = page_jobs(item.path, media_type, plans, folder, options)[:max_pages]
        with self._lock:
            self._folders.append(folder)
            for job in jobs:
                self._ahead[_key(job)] = self._pool.submit(ocr_page, job)
        return len(jobs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel the pages never asked for, then remove their folders (the owner closes the pool)."""
        with self._lock:
            left, self._ahead = list(self._ahead.values()), {}
            folders, self._folders = self._folders, []
        for future in left:
            future.cancel()
        for future in left:
            if not future.cancelled():
                future.exception()  # wait: a running page still writes into its folder
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
