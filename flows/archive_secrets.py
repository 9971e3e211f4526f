"""S3 credentials from a Prefect Secret block, for workers that should not see them in env vars.

Set `SOHOA_S3_SECRET_BLOCK` to the name of a Secret block whose value is JSON
`{"access_key": "...", "secret_key": "..."}` (optionally `session_token`); the endpoint and the
other settings still come from `SOHOA_S3_*`. `install()` registers the lookup with
`pipeline.archive.s3`, which stays free of Prefect imports.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from typing import Any

from pipeline.archive import s3
from pipeline.errors import ArchiveConfigError

BLOCK_ENV = "SOHOA_S3_SECRET_BLOCK"


def _load_block(name: str) -> Any:
    from prefect.blocks.system import Secret

    return Secret.load(name).get()


def provider(block: str, load: Callable[[str], Any] = _load_block) -> Callable[[], s3.S3Config]:
    """A config provider that reads the keys from the Secret block named `block`."""

    def config() -> s3.S3Config:
        base = s3.S3Config.from_env()
        try:
            value = load(block)
        except Exception as e:
            raise ArchiveConfigError(f"cannot read the Prefect Secret block {block!r} ({type(e).__name__})") from None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict) or not value.get("access_key") or not value.get("secret_key"):
            raise ArchiveConfigError(f"the Prefect Secret block {block!r} must hold JSON with access_key and "
                                     "secret_key")
        return dataclasses.replace(base, access_key=value["access_key"], secret_key=value["secret_key"],
                                   session_token=value.get("session_token") or base.session_token)

    return config


def install() -> bool:
    """Use the Secret block named by SOHOA_S3_SECRET_BLOCK, if set; returns whether one is used."""
    block = os.environ.get(BLOCK_ENV, "").strip()
    s3.set_config_provider(provider(block) if block else None)
    return bool(block)
