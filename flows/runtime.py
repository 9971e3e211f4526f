"""Process-wide resources shared by concurrent document tasks: the page worker pool.

pdfium is not thread-safe and page work is CPU-bound, so page OCR runs in worker processes;
one pool per run keeps every core busy across documents processed side by side.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

_pool: Executor | None = None


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


@contextlib.contextmanager
def page_pool(jobs: int) -> Iterator[Executor]:
    global _pool
    if _pool is not None:  # nested (a subflow inside a run): share the outer pool
        yield _pool
        return
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker) as pool:
        _pool = pool
        try:
            yield pool
        finally:
            _pool = None


def current_pool() -> Executor | None:
    return _pool
