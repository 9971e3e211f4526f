"""Process-wide resources shared by concurrent document tasks: the page worker pool.

pdfium is not thread-safe and page work is CPU-bound, so page OCR runs in worker processes;
one pool per run keeps every core busy across documents processed side by side.

The forkserver imports the page-OCR modules once (pypdfium2, Pillow, numpy: ~0.5 s), so workers fork
ready and share those pages; the workers are started as the pool opens, while the first documents
are hashed and planned, not when their first page arrives. The pool is an `AheadPool`: a caller with
a core to spare may start a document's page OCR before the document's task asks for it.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from pipeline.ahead import AheadPool

_pool: AheadPool | None = None


PRELOAD = ["pipeline.ocr"]


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_UP_TO = 32 * 1024 * 1024  # allocations up to this size come from the heap, not fresh mmaps
_KEEP_FREED = 128 * 1024 * 1024  # free heap kept for the next page instead of trimmed


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """Let a worker reuse the memory of its last page instead of faulting it in afresh.

    glibc hands blocks over 128 KiB straight back to the kernel when freed, so every page's ~60 MB of
    bitmaps (pdfium's render, Pillow's copies, the gray page) came back as ~21,000 page faults: ~40 ms of
    kernel time a page. Allocations up to 32 MiB now come from the heap, which keeps up to 128 MiB
    free for the next page: worker CPU 130 -> 92 ms a page, peak RSS unchanged (it is one page's).
    """
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_UP_TO)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED)
    except (OSError, AttributeError):  # not glibc: its defaults stay
        pass


def _ready() -> int:
    return os.getpid()


@contextlib.contextmanager
def page_pool(jobs: int) -> Iterator[AheadPool]:
    global _pool
    if _pool is not None:  # nested (a subflow inside a run): share the outer pool
        yield _pool
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # no effect once this process's forkserver runs
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker) as pool:
        for _ in range(jobs):  # start every worker now (results not awaited)
            pool.submit(_ready)
        _pool = AheadPool(pool)
        try:
            yield _pool
        finally:
            _pool.shutdown()
            _pool = None


def current_pool() -> AheadPool | None:
    return _pool
