"""Helper threads that run a call as if made in place: with the caller's context variables.

A `ThreadPoolExecutor` thread starts with an empty context, so what the caller's context carries is lost
there; under Prefect that is the task run the `pipeline` loggers' records belong to: Prefect warns on the
console and the line is missing from the run's logs. Extraction reads fields side by side in helper
threads, so every submit goes through here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def submit(pool: Executor, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """`pool.submit(fn, ...)` in a copy of the caller's context (one copy per call: a context cannot be
    entered by two threads at once)."""
    return pool.submit(contextvars.copy_context().run, fn, *args, **kwargs)
