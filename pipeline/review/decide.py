"""An operator's answer → a checked Decision → the record's next revision, committed.

`decision_from(record, answers)` checks every answer (form.check_value) before anything is written: a
bad answer raises ReviewInputError and the archive is untouched. `apply` is pure (record in, record
out); `commit` writes it through `records.commit_revision` (history copy, then record.json through
`commit_record`, so the index, the manifest and anything else hung on the one commit path follow the
corrected values). Committing the same decision twice is a no-op: a suspended review run re-executed
from the start after it is resumed may repeat it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.archive import Archive, keys
from pipeline.archive import records as store
from pipeline.errors import ReviewInputError, RevisionConflictError
from pipeline.review import form
from pipeline.review.evidence import reason_of
from schemas.record import Record


@dataclass
class Decision:
    """Checked answers for one record: flagged field → value (None or [] when cleared)."""

    document_id: str
    base_revision: int
    values: dict[str, Any]
    reviewer: str
    not_administrative: bool = False
    errors: list[str] = field(default_factory=list)


def decision_from(record: dict[str, Any], answers: dict[str, Any]) -> Decision:
    """Check `answers` (the form's fields) against the record's flagged fields; every problem is named at
    once in one ReviewInputError, and nothing is decided."""
    flagged = list((record.get("review") or {}).get("fields") or [])
    values: dict[str, Any] = {}
    errors: list[str] = []
    for name in flagged:
        if name not in answers:
            errors.append(f"{name}: no answer")
            continue
        try:
            values[name] = form.check_value(name, answers[name])
        except ReviewInputError as e:
            errors.append(e.detail)
    reviewer = re.sub(r"\s+", " ", str(answers.get("reviewer") or "")).strip()
    if not reviewer:
        errors.append("reviewer: give your name")
    if errors:
        raise ReviewInputError("; ".join(errors))
    return Decision(record["document_id"], store.revision_of(record), values, reviewer,
                    bool(answers.get("not_administrative")))


def _same(a: Any, b: Any) -> bool:
    return (a or None) == (b or None)


def apply(record: dict[str, Any], decision: Decision, *, at: datetime | None = None) -> dict[str, Any]:
    """The record as the operator decided it (not yet committed; `commit` numbers the revision)."""
    at = at or datetime.now(UTC).replace(microsecond=0)
    new = {**record, "evidence": dict(record.get("evidence") or {})}
    if isinstance(record.get("component"), dict):
        new["component"] = {**record["component"], "evidence": dict(record["component"].get("evidence") or {})}
    decisions: dict[str, Any] = {}
    changed = False
    for name, value in decision.values.items():
        machine = form.value_of(record, name)
        if _same(value, machine):
            action = "confirmed"
        else:
            action = "cleared" if not value else "corrected"
            changed = True
        decisions[name] = {"source": "operator", "action": action, "machine_value": _plain(machine),
                           "reason": reason_of(record, name)}
        form.set_value(new, name, value)
        _mark_evidence(new, name, action)
    md = new["metadata"] = dict(new.get("metadata") or {})
    _follow_number_symbol(md, decision.values, decisions, record)
    review = dict(record.get("review") or {})
    decisions = {**(review.get("decisions") or {}), **decisions}  # an earlier review's decisions stay
    changed = changed or any(d["action"] != "confirmed" for d in decisions.values())
    flagged = set(review.get("fields") or [])
    review.update(
        needed=False, fields=[],
        reasons=[r for r in review.get("reasons") or [] if r.split(":", 1)[0] not in flagged],
        status="corrected" if changed else "confirmed", decisions=decisions,
        not_administrative=decision.not_administrative or None,
        reviewed_by=decision.reviewer, reviewed_at=at.isoformat())
    new["review"] = review
    return Record.model_validate(new).model_dump(mode="json", exclude_none=False)


def _plain(value: Any) -> Any:
    """A machine value as FieldDecision keeps it (text, a list of text, or None)."""
    if value is None or isinstance(value, str):
        return value
    return [str(v) for v in value] if isinstance(value, list) else str(value)


def _mark_evidence(record: dict[str, Any], name: str, action: str) -> None:
    """A cleared value has no evidence left; a corrected one is vouched for by the operator."""
    if name.startswith(form.COMPONENT):
        store_ = (record.get("component") or {}).get("evidence")
        key = name[len(form.COMPONENT):]
    else:
        store_, key = record.get("evidence"), name
    if not isinstance(store_, dict) or key not in store_:
        return
    if action == "cleared":
        store_.pop(key)
    elif action == "corrected":
        store_[key] = dict(store_[key], source="operator", confidence=1.0)


def _follow_number_symbol(md: dict[str, Any], values: dict[str, Any], decisions: dict[str, Any],
                          record: dict[str, Any]) -> None:
    """A corrected number or symbol carries number_symbol with it, unless the operator set that too."""
    touched = [n for n in ("number", "symbol") if n in decisions and decisions[n]["action"] != "confirmed"]
    explicit = "number_symbol" in decisions and decisions["number_symbol"]["action"] != "confirmed"
    if not touched or explicit:
        return
    old = (record.get("metadata") or {}).get("number_symbol")
    number, symbol = md.get("number"), md.get("symbol")
    if not number or not symbol:
        composed = None
    elif old and "/" in old:  # keep a year part: 12/2024/QĐ-UBND
        parts = old.split("/")
        composed = "/".join([number, *parts[1:-1], symbol])
    else:
        composed = f"{number}/{symbol}"
    if composed == old:
        return
    md["number_symbol"] = composed
    decisions["number_symbol"] = {"source": "operator", "action": "corrected" if composed else "cleared",
                                  "machine_value": old, "reason": decisions.get("number_symbol", {}).get(
                                      "reason") or f"follows the {' and '.join(touched)}"}


def commit(archive: Archive, decision: Decision) -> dict[str, Any]:
    """Commit the decision as the record's next revision; the same decision a second time changes nothing."""
    current = store.get_record(archive, decision.document_id)
    if current is None:
        raise RevisionConflictError(f"record {decision.document_id[:12]}… is gone")
    if store.revision_of(current) != decision.base_revision:
        if _already(archive, current, decision):
            return current
        raise RevisionConflictError(f"record {decision.document_id[:12]}… is at revision "
                                    f"{store.revision_of(current)}, the answer was given on {decision.base_revision}")
    return store.commit_revision(archive, apply(current, decision), base_revision=decision.base_revision)


def _already(archive: Archive, current: dict[str, Any], decision: Decision) -> bool:
    """`current` is this decision committed (a repeated commit after a re-executed run)."""
    if store.revision_of(current) != decision.base_revision + 1 or \
            (current.get("review") or {}).get("reviewed_by") != decision.reviewer:
        return False
    try:
        base = archive.get_json(keys.history(decision.document_id, decision.base_revision))
    except FileNotFoundError:
        return False
    return apply(base, decision)["metadata"] == current.get("metadata")


def carry_over(previous: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """`fresh` (a re-extraction of the same document) with the operator's decisions of `previous` kept:
    an operator's value beats any machine read, so re-processing never undoes a review."""
    review = previous.get("review") or {}
    decided = {n: d for n, d in (review.get("decisions") or {}).items() if d.get("source") == "operator"}
    if not decided:
        return fresh
    out = {**fresh, "evidence": dict(fresh.get("evidence") or {})}
    for name in decided:
        form.set_value(out, name, form.value_of(previous, name))
        if not name.startswith(form.COMPONENT):
            if name in (previous.get("evidence") or {}):
                out["evidence"][name] = previous["evidence"][name]
            else:
                out["evidence"].pop(name, None)
    new_review = dict(fresh.get("review") or {})
    left = [f for f in new_review.get("fields") or [] if f not in decided]
    new_review.update(
        fields=left, reasons=[r for r in new_review.get("reasons") or [] if r.split(":", 1)[0] not in decided],
        decisions={**decided, **(new_review.get("decisions") or {})}, reviewed_by=review.get("reviewed_by"),
        reviewed_at=review.get("reviewed_at"), not_administrative=review.get("not_administrative"))
    new_review["needed"] = bool(left)
    new_review["status"] = "pending" if new_review["needed"] else review.get("status")
    out.update(review=new_review, revision=previous.get("revision"))
    return Record.model_validate(out).model_dump(mode="json")
