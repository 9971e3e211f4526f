"""Which records wait for a person: committed, `review.needed`, not yet decided; oldest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.archive import Archive
from pipeline.archive import records as store
from pipeline.errors import RecordNotFoundError


def is_pending(record: dict[str, Any]) -> bool:
    review = record.get("review") or {}
    return bool(review.get("needed")) and review.get("status") in (None, "pending")


def pending(archive: Archive, *, dossier: str | None = None, ids: Iterable[str] = (),
            limit: int = 0) -> list[dict[str, Any]]:
    """Pending records, oldest `processed_at` first; only `ids` (full ids or unique prefixes) or one
    dossier's when given. `limit` 0 means all."""
    wanted = list(ids)
    if wanted:
        found = [r for r in (_get(archive, i) for i in wanted) if r is not None]
    else:
        found = list(store.iter_records(archive))
    out = [r for r in found if is_pending(r) and (dossier is None or _in_dossier(archive, r, dossier))]
    out.sort(key=lambda r: (str(r.get("processed_at") or ""), r["document_id"]))
    return out[:limit] if limit else out


def _get(archive: Archive, id_or_prefix: str) -> dict[str, Any] | None:
    from pipeline.reader import Reader

    try:
        return Reader(archive).get(id_or_prefix)
    except RecordNotFoundError:
        return None


def _in_dossier(archive: Archive, record: dict[str, Any], dossier: str) -> bool:
    from pipeline.archive import index

    return record.get("dossier_id") == dossier or archive.exists(
        index.entry_key("dossier", dossier, record["document_id"]))
