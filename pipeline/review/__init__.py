"""Review: an operator resolves the fields extraction flagged, and the record gets a new version.

Read in data-flow order; no Prefect here (the `review` flow and `sohoa review` share all of it):

- `select`     which committed records wait for a person (review.needed, status pending), oldest first
- `evidence`   crops of the archived page around each flagged field, stored under the record's key
- `form`       the pydantic form over the flagged field names, prefilled with the machine's values
- `decide`     an answer → a checked `Decision` (a date that is not a date is refused, nothing changes)
               → the new record, committed as the next revision (the old one kept under history/)
- `corrections` operator decisions as ground-truth lines (the shape of the evaluation's truth.jsonl)
"""

from __future__ import annotations
