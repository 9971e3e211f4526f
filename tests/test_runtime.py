"""The run's page workers (flows/runtime.py)."""

from __future__ import annotations

import resource

from flows.runtime import page_pool

MIB = 1024 * 1024


def _faults_of_a_second_page_sized_buffer() -> int:
    """Minor page faults taken by a 20 MiB buffer allocated, filled and freed a second time."""
    first = bytearray(20 * MIB)  # zero-filled: every page touched
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    second = bytearray(20 * MIB)
    del second
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_page_workers_reuse_the_memory_of_the_last_page():
    """Regression: glibc gave every freed page bitmap back to the kernel, and each next page faulted its
    ~60 MB in again (~40 ms of kernel time a page)."""
    with page_pool(1) as pool:
        faults = pool.submit(_faults_of_a_second_page_sized_buffer).result()
    assert faults < 20 * MIB // 4096 // 4  # afresh from the kernel: ~5,100 faults
