"""Fixtures shared by the archive tests: one real S3 server per session, a fresh bucket per test.

Register them in a test module by name: `store = archive_fixtures.store`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.archive import Archive, LocalArchive
from pipeline.archive.s3 import S3Archive, S3Config
from tests.s3server import S3Server, start_server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_server()
    yield server
    server.stop()


def s3_config(server: S3Server, endpoint: str | None = None, **kw: str) -> S3Config:
    return S3Config.from_env({**server.env(endpoint), "SOHOA_S3_RETRIES": "1", "SOHOA_S3_PART_SIZE_MB": "5", **kw})


def new_bucket() -> str:
    return f"sohoa-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    """The same tests against the local directory and the S3 bucket."""
    if request.param == "local":
        yield LocalArchive(tmp_path / "archive")
        return
    server: S3Server = request.getfixturevalue("s3_server")
    archive = S3Archive(new_bucket(), "sohoa/v1", s3_config(server))
    yield archive
    archive.close()
