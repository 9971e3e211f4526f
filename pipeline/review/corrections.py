"""Operator decisions as evaluation data: one line per reviewed record, shaped like the truth.jsonl of
the development set (`id` = the file name's stem, the field values, `handwritten`, `uncertain`, `notes`).

Only fields an operator decided are given (confirmed, corrected or cleared — each is ground truth);
`fields` lists them, so a scorer compares those and nothing else. `--corrected-only` keeps the
fields whose value the operator changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.review import form


def truth_line(record: dict[str, Any], *, corrected_only: bool = False) -> dict[str, Any] | None:
    review = record.get("review") or {}
    decided = {n: d for n, d in (review.get("decisions") or {}).items() if d.get("source") == "operator"
               and (not corrected_only or d.get("action") != "confirmed")}
    if not decided:
        return None
    filename = (record.get("source") or {}).get("filename") or record["document_id"]
    line: dict[str, Any] = {"id": re.sub(r"\.[^.]+$", "", filename), "document_id": record["document_id"]}
    line.update({n: form.value_of(record, n) for n in decided})
    line.update(fields=sorted(decided), corrected=sorted(n for n, d in decided.items() if d["action"] != "confirmed"),
                handwritten=[], uncertain=[],
                notes=f"operator review by {review.get('reviewed_by')} at {review.get('reviewed_at')}"
                      + ("; not an administrative document" if review.get("not_administrative") else ""))
    return line


def truth_lines(records: Iterable[dict[str, Any]], *, corrected_only: bool = False) -> Iterator[dict[str, Any]]:
    for rec in records:
        line = truth_line(rec, corrected_only=corrected_only)
        if line is not None:
            yield line
