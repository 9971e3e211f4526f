"""Prefect test fixtures: one session-wide `prefect_test_harness` (≈10 s to start) in a private PREFECT_HOME.

Import the fixture into a test module (`from tests.prefect_fixtures import prefect_harness`); results,
caches and the harness database then live under a temporary folder, never ~/.prefect.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
_HOME = Path(tempfile.mkdtemp(prefix="sohoa-prefect-home-"))
os.environ.setdefault("PREFECT_HOME", str(_HOME))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.settings import PREFECT_HOME, PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_HOME: _HOME, PREFECT_LOCAL_STORAGE_PATH: _HOME / "storage"}), \
            prefect_test_harness(server_startup_timeout=90):
        yield


def read_artifacts(flow_run_id: object) -> list[object]:
    """All artifacts of a flow run, as the UI lists them (progress, table, markdown)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return list(client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))))
