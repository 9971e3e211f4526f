"""Prefect flows, deployments and the `sohoa` CLI around the `pipeline` library."""

from __future__ import annotations
