"""Dossier claims: a lease object in the archive so concurrent runs take disjoint dossiers.

`claims/{dossier}.json` holds the owner (a flow run id), a random nonce, an expiry, and the host and
pid of the claimant. A run takes a dossier only when the claim is absent, expired, already its own, or
stale: its claimant was on this host and that process is gone (a killed run), or the caller's `alive`
check says the owner is finished (flows ask Prefect for the owner run's state). It writes its claim,
waits `settle_seconds`, then re-reads: it owns the dossier only if the object still carries its nonce.

A local archive folder has a real lock (`Archive.exclusive`, an flock): claims are read and written
under it and nothing needs to settle. An object store has no compare-and-swap, so there this is a
lease with a bounded race window, not a lock:
two runs could both believe they own a dossier only if one of them took longer than `settle_seconds`
between reading "free" and writing its claim (a stalled process or a very slow store). Writes are
last-writer-wins and atomic per object, so whoever wrote last is the one that both runs read back.
Even then double work is harmless to the archive (records are keyed by content sha256 and written
idempotently); the lease only keeps OCR from being done twice.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.archive import keys
from pipeline.archive.base import Archive
from pipeline.workdir import pid_alive

LOCK = "claims"  # the store-wide lock claims are taken under, where the store has one (a local folder)


def claim_key(dossier_id: str) -> str:
    return f"claims/{keys.component(dossier_id)}.json"


@dataclass(frozen=True)
class Claim:
    dossier_id: str
    owner: str
    nonce: str
    expires_at: str  # ISO 8601, UTC
    host: str = ""
    pid: int = 0

    @property
    def expired(self) -> bool:
        return datetime.fromisoformat(self.expires_at) <= datetime.now(UTC)

    @property
    def holder_gone(self) -> bool:
        """The claimant ran on this host and its process no longer exists (killed, crashed)."""
        if self.host != socket.gethostname() or self.pid <= 0:
            return False  # cannot tell from here: trust the lease
        return not pid_alive(self.pid)


Alive = Callable[[Claim], bool]


def is_free(current: Claim | None, owner: str, alive: Alive | None = None) -> bool:
    """Whether `owner` may take a dossier whose current claim is `current`."""
    if current is None or current.owner == owner or current.expired or current.holder_gone:
        return True
    return alive is not None and not alive(current)


def read_claim(archive: Archive, dossier_id: str) -> Claim | None:
    try:
        data: dict[str, Any] = archive.get_json(claim_key(dossier_id))
        return Claim(**{k: data[k] for k in ("dossier_id", "owner", "nonce", "expires_at")},
                     host=str(data.get("host", "")), pid=int(data.get("pid", 0)))
    except FileNotFoundError:
        return None
    except (KeyError, TypeError, ValueError, json.JSONDecodeError):
        return None  # a damaged claim protects nothing: treat as free
    except Exception as e:  # S3 NoSuchKey and friends
        if "NoSuchKey" in type(e).__name__ + str(e):
            return None
        raise


def _write(archive: Archive, dossier_id: str, owner: str, nonce: str, lease_seconds: float) -> Claim:
    expires = (datetime.now(UTC) + timedelta(seconds=lease_seconds)).isoformat(timespec="seconds")
    claim = Claim(dossier_id, owner, nonce, expires, socket.gethostname(), os.getpid())
    archive.put_json(claim_key(dossier_id), asdict(claim))
    return claim


def try_claim(archive: Archive, dossier_id: str, owner: str, *, lease_seconds: float = 7200,
              settle_seconds: float = 1.0, alive: Alive | None = None) -> Claim | None:
    """Take the dossier for `owner`; the claim when it is ours, None when another live run holds it."""
    mine = claim_many(archive, [dossier_id], owner, lease_seconds=lease_seconds, settle_seconds=settle_seconds,
                      alive=alive)
    return mine[0] if mine else None


def renew(archive: Archive, claim: Claim, *, lease_seconds: float = 7200) -> Claim | None:
    """Extend our lease; None (and nothing written) when someone else took the dossier meanwhile."""
    with archive.exclusive(LOCK):
        back = read_claim(archive, claim.dossier_id)
        if back is None or back.nonce != claim.nonce:
            return None
        return _write(archive, claim.dossier_id, claim.owner, claim.nonce, lease_seconds)


def release(archive: Archive, claim: Claim) -> None:
    """Drop our claim (only if it is still ours)."""
    with archive.exclusive(LOCK):
        back = read_claim(archive, claim.dossier_id)
        if back is not None and back.nonce == claim.nonce:
            archive.delete(claim_key(claim.dossier_id))


def claim_many(archive: Archive, dossier_ids: list[str], owner: str, *, limit: int = 0,
               lease_seconds: float = 7200, settle_seconds: float = 1.0, alive: Alive | None = None) -> list[Claim]:
    """Claim up to `limit` (0: all) free dossiers at once: one settle wait for the whole batch."""
    written: list[Claim] = []
    with archive.exclusive(LOCK) as exclusive:
        for dossier_id in dossier_ids:
            if limit and len(written) >= limit:
                break
            current = read_claim(archive, dossier_id)
            if not is_free(current, owner, alive):
                continue
            nonce = current.nonce if current is not None and current.owner == owner else secrets.token_hex(8)
            written.append(_write(archive, dossier_id, owner, nonce, lease_seconds))
    if exclusive:  # nobody could read "free" and write between our read and our write: nothing to settle
        return written
    if written and settle_seconds > 0:
        time.sleep(settle_seconds)
    mine = []
    for claim in written:
        back = read_claim(archive, claim.dossier_id)
        if back is not None and back.nonce == claim.nonce:
            mine.append(claim)
    return mine
