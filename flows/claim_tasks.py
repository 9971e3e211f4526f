"""Dossier claims as Prefect tasks: concurrent runs take disjoint batches (`pipeline.archive.claims`).

A claim whose owner is a finished flow run (crashed on another worker) is taken over at once; long
batches renew their leases as documents finish.
"""

from __future__ import annotations

import time

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from flows.params import RunSettings
from flows.stores import STORAGE_RETRIES, archive_at
from pipeline.archive import claims


def owner_run_alive(claim: claims.Claim) -> bool:
    """False when the claim's owner is a flow run that has finished (e.g. Crashed on another worker)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(claim.owner))
    except Exception:  # not a flow run id, unknown to this API, API trouble: trust the lease
        return True
    return not (run.state and run.state.is_final())


@task(name="claim-dossiers", cache_policy=NONE, **STORAGE_RETRIES)
def claim_dossiers(archive: str, dossiers: list[str], owner: str, settings: RunSettings) -> list[claims.Claim]:
    return claims.claim_many(archive_at(archive), dossiers, owner, limit=settings.max_dossiers,
                             lease_seconds=settings.lease_minutes * 60, settle_seconds=settings.claim_settle_seconds,
                             alive=owner_run_alive)


@task(name="release-claims", cache_policy=NONE, **STORAGE_RETRIES)
def release_claims(archive: str, held: list[claims.Claim]) -> None:
    for claim in held:
        claims.release(archive_at(archive), claim)


def renew_lease(archive: str, held: dict[str, claims.Claim] | None, dossier: str, renewed: dict[str, float],
           lease_seconds: float) -> None:
    """Renew a dossier's lease at most every tenth of its length."""
    if not held or dossier not in held or time.monotonic() - renewed.get(dossier, 0.0) < lease_seconds / 10:
        return
    claim = claims.renew(archive_at(archive), held[dossier], lease_seconds=lease_seconds)
    renewed[dossier] = time.monotonic()
    if claim is None:
        get_run_logger().warning("dossier %s: lease lost to another run", dossier)
    else:
        held[dossier] = claim
