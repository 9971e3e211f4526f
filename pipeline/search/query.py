"""Search queries: what a person types, parsed once for every backend.

    giao đất Mộ Đức          every word must occur (folded: with, without or with partial marks)
    "giao đất"               a phrase: these words next to each other, in order
    quyết*                   a prefix
    đất OR nhà               either
    -thu -"thu hồi"          must not occur
    12/2024/QĐ-UBND          a word with punctuation inside is a phrase of its parts (12 2024 qd ubnd)

Words and phrases that carry marks are also matched exactly; records that match more of them rank first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline.errors import SearchQueryError
from pipeline.search.fold import has_marks, nfc, words
from pipeline.search.model import FIELDS

_TOKEN = re.compile(r'-?"[^"]*"?\*?|\S+')
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Unit:
    """A word or phrase of the query (NFC, as typed)."""

    text: str
    prefix: bool = False

    @property
    def exact(self) -> bool:
        return has_marks(self.text)


@dataclass(frozen=True)
class Query:
    groups: tuple[tuple[Unit, ...], ...]  # every group must match; a group matches when one of its units does
    excluded: tuple[Unit, ...] = ()
    field: str | None = None  # one indexed field (model.FIELDS), or all

    def __post_init__(self) -> None:
        if self.field is not None and self.field not in FIELDS:  # backends put it in SQL: never anything else
            raise SearchQueryError(f"unknown field {self.field!r}: use one of {', '.join(FIELDS)}")

    @property
    def exact_units(self) -> tuple[Unit, ...]:
        return tuple(dict.fromkeys(u for g in self.groups for u in g if u.exact))


@dataclass(frozen=True)
class Filters:
    dossier: str | None = None
    kind: str | None = None  # component.kind, else metadata.document_type; compared folded
    date_from: str | None = None  # YYYY[-MM[-DD]], inclusive
    date_to: str | None = None  # inclusive: 2024-05 ends on 2024-05-31
    limit: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SearchQueryError(f"the limit must be 1 to {MAX_LIMIT}, not {self.limit}")

    def date_bounds(self) -> tuple[str | None, str | None]:
        """ISO strings to compare issued_date with (a record without a date never matches a bound)."""
        lo = _date(self.date_from, "date-from")
        hi = _date(self.date_to, "date-to")
        if hi is not None:
            hi += "-99" * (2 - hi.count("-"))  # '2024-05' → '2024-05-99': after every day of May in ISO order
        if lo is not None and hi is not None and lo > hi:
            raise SearchQueryError(f"--date-from {self.date_from} is after --date-to {self.date_to}")
        return lo, hi


def _date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    parts = value.split("-")
    try:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise ValueError
        dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        raise SearchQueryError(f"--{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}") from None
    return value


def parse(text: str, field: str | None = None) -> Query:
    """The query's units; SearchQueryError when nothing is left to look for or the field is unknown."""
    Query(((Unit("x"),),), field=field)  # the field is checked before anything else
    groups: list[list[Unit]] = []
    excluded: list[Unit] = []
    join_next = False
    for raw in _TOKEN.findall(nfc(text)):
        if raw == "OR":
            join_next = bool(groups)
            continue
        negated = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negated else raw
        prefix = body.endswith("*")
        body = body.rstrip("*").strip('"').strip()
        if not words(body):
            continue  # punctuation only: nothing any tokenizer would index
        unit = Unit(body, prefix)
        if negated:
            excluded.append(unit)
        elif join_next:
            groups[-1].append(unit)
        else:
            groups.append([unit])
        join_next = False
    if not groups:
        raise SearchQueryError(f"nothing to search for in {text!r}: give at least one word that must occur")
    return Query(tuple(tuple(g) for g in groups), tuple(excluded), field)
