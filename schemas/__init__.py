"""Record models and their committed JSON Schema: the contract with downstream systems."""

from __future__ import annotations

from schemas.record import SCHEMA_VERSION, Record

__all__ = ["SCHEMA_VERSION", "Record"]
