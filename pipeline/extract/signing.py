"""Cross-check the issue date against the PDF's digital signatures.

A signed document is signed on its issue day or within days after it (the issuing body first, the
gazette centre later), so the earliest signing day, in Vietnam time, bounds the issue date from above:
a read after it is wrong. A handwritten day read that lands the date a few days before the signing day
gains support, but only when the signature tells the competing reads apart (a contradicting read that
lands in the same window is not ruled out). A date long before the signing day is normal (documents are
also signed weeks later, or when digitized), so it only keeps a two-of-three read flagged. The
signatures never supply a date themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.signatures import Signature

VIETNAM = dt.timezone(dt.timedelta(hours=7))
WINDOW_DAYS = 10  # issue date to the first signature: 0–4 days on real documents, more is unusual
ACCEPT = 0.85  # a two-digit read agreed by two readers, and singled out by the signing day

Relation = Literal["after", "near", "far"]


def first_signing_day(signatures: Sequence[Signature]) -> dt.date | None:
    """The day (Vietnam time) of the earliest signature; naive times are taken as Vietnam time."""
    times = [s.signed_at if s.signed_at.tzinfo else s.signed_at.replace(tzinfo=VIETNAM)
             for s in signatures if s.signed_at is not None]
    return min(times).astimezone(VIETNAM).date() if times else None


def relation(issued: dt.date, signed: dt.date, window: int = WINDOW_DAYS) -> Relation:
    """'after' the signing day (impossible), 'near' (within `window` days before it), or 'far'."""
    if issued > signed:
        return "after"
    return "near" if (signed - issued).days <= window else "far"


def _date(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


@dataclass(frozen=True)
class DateRead:
    """An issue date as read, with what the cross-check needs to know about the written day."""

    value: str | None  # ISO date
    confidence: float
    reason: str = ""
    handwritten: bool = False  # day (or month) read from a blank
    support: int = 0  # readers agreeing on the written value
    two_digits: bool = True  # the written day has two digits (Decree 30 pads; one digit may be a lost one)
    rivals: tuple[str, ...] = ()  # ISO dates the other, disagreeing reads give


def cross_check(read: DateRead, signed: dt.date | None, *, review_below: float = 0.8) -> DateRead:
    """The date read, with confidence raised or lowered by the first signing day (never a new value
    except one of the rival reads when the read itself is impossible)."""
    issued = _date(read.value)
    if signed is None:
        return read
    note = f"first digital signature {signed.isoformat()}"
    if issued is None:
        return _from_rivals(read, signed, note) or read
    rel = relation(issued, signed)
    if rel == "after":  # provably wrong: a rival read near the signing day, or nothing
        return _from_rivals(read, signed, note) or DateRead(
            None, 0.0, f"date read as {read.value}, after the {note}", read.handwritten, rivals=read.rivals)
    if not read.handwritten:
        return read
    rivals = [d for d in (_date(r) for r in read.rivals) if d is not None and d != issued]
    rival_near = any(relation(d, signed) == "near" for d in rivals)
    if (rel == "near" and read.support >= 2 and read.two_digits and not rival_near
            and read.confidence < ACCEPT):
        return DateRead(read.value, ACCEPT, "", read.handwritten, read.support, read.two_digits, read.rivals)
    if rel == "far" and read.support < 3 and read.confidence >= review_below:
        return DateRead(read.value, min(read.confidence, 0.7), f"handwritten day far before the {note}",
                        read.handwritten, read.support, read.two_digits, read.rivals)
    return read


def _from_rivals(read: DateRead, signed: dt.date, note: str) -> DateRead | None:
    """Without a possible read: the one rival read near the signing day, flagged for a person."""
    near = [r for r in dict.fromkeys(read.rivals) if (d := _date(r)) is not None and relation(d, signed) == "near"]
    if len(near) != 1:
        return None
    reason = f"{read.reason + '; ' if read.reason else ''}chosen among disagreeing reads by the {note}"
    return DateRead(near[0], min(0.4, read.confidence or 0.4), reason, read.handwritten, 1, read.two_digits,
                    read.rivals)


__all__ = ["VIETNAM", "WINDOW_DAYS", "DateRead", "cross_check", "first_signing_day", "relation"]
