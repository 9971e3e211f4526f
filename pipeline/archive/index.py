"""Lookup index: find records by dossier, number/symbol, issue date or citizen ID without listing the bucket.

One small object per (value, document), contract v1:

    index/dossier/{dossier}/{document_id}             dossier = keys.component(dossier_id)
    index/number_symbol/{ns}/{document_id}            ns = component(NFC, upper case, no spaces), '/' → '_'
    index/issued_date/{YYYY-MM-DD}/{document_id}
    index/citizen/{hmac}/{document_id}                hmac = HMAC-SHA256(SOHOA_INDEX_KEY, digits), hex
    index/kind/{kind}/{document_id}                   kind = component.kind (application_form, id_card, …)
    index/procedure/{code}/{document_id}              code = a procedure code (mã TTHC, '1.004227') the
                                                      document carries (metadata or its receipt)

A reader lists the one short prefix `index/{kind}/{value}/` and takes the last key part as the
document id; a date prefix may be shortened (`index/issued_date/2024-05`) for a month or a year.
Bodies are `{"document_id", "record"}` JSON; the key alone carries the answer.

Why per-document objects: writers never read-modify-write a shared object, so concurrent runs
cannot lose each other's entries. Entries are written *before* record.json: a crash in between
leaves an entry pointing at an uncommitted record (readers skip it, `verify` reports it, the next
run commits it), never a committed record missing from the index. A re-processed record whose
metadata changed gets its stale entries removed after the commit; readers still check each hit
against the record, so a stale entry is harmless.

Citizen IDs never appear in keys: only their keyed hash does. Without SOHOA_INDEX_KEY no citizen
entries are written (a plain hash of a 12-digit number is easy to reverse by brute force).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pipeline.archive import keys
from pipeline.archive.base import Archive
from pipeline.errors import IndexKeyMissingError

log = logging.getLogger(__name__)

Kind = Literal["dossier", "number_symbol", "issued_date", "citizen", "kind", "procedure"]
KINDS: tuple[Kind, ...] = ("dossier", "number_symbol", "issued_date", "citizen", "kind", "procedure")
ROOT = "index/"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_warned_no_key = False


def index_key_from_env() -> bytes | None:
    """The HMAC secret for citizen-ID entries (SOHOA_INDEX_KEY), None when unset."""
    value = os.environ.get("SOHOA_INDEX_KEY", "")
    return value.encode("utf-8") if value else None


def citizen_hash(citizen_id: str, secret: bytes) -> str:
    digits = re.sub(r"\D", "", citizen_id)
    return hmac.new(secret, digits.encode("ascii"), hashlib.sha256).hexdigest()


def normalize_number_symbol(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", value)).upper()


def value_part(kind: Kind, value: str, secret: bytes | None = None) -> str:
    """The key part for `value` of `kind` (a prefix for partial dates)."""
    if kind == "dossier":
        return keys.component(value)
    if kind == "number_symbol":
        return keys.component(normalize_number_symbol(value))
    if kind in ("kind", "procedure"):
        return keys.component(value.strip())
    if kind == "issued_date":
        if not _DATE.match(value):
            raise ValueError(f"issue date must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        return value
    if secret is None:
        raise IndexKeyMissingError()
    return citizen_hash(value, secret)


def entry_key(kind: Kind, value: str, document_id: str, secret: bytes | None = None) -> str:
    return f"{ROOT}{kind}/{value_part(kind, value, secret)}/{document_id}"


def component_kind(record: dict[str, Any]) -> str | None:
    comp = record.get("component") or {}
    return comp.get("kind")


def procedure_codes(record: dict[str, Any]) -> list[str]:
    """The procedure codes a record carries: its text's (metadata) and its receipt's."""
    md = record.get("metadata") or {}
    receipt = (record.get("component") or {}).get("receipt") or {}
    codes = list(md.get("procedure_codes") or [])
    if receipt.get("procedure_code"):
        codes.append(receipt["procedure_code"])
    return list(dict.fromkeys(codes))


OWNER_FIELDS = (("id_card", "number"), ("application_form", "citizen_id"), ("land_certificate", "owner_citizen_id"),
                ("receipt", "applicant_citizen_id"))


def owner_citizen_id(component: dict[str, Any] | None) -> str | None:
    """The owner's ID number of a component (record dict form): the card's, the applicant's, the owner's."""
    for kind, key in OWNER_FIELDS:
        part = (component or {}).get(kind)
        if isinstance(part, dict) and part.get(key):
            return str(part[key])
    return None


def citizen_ids(record: dict[str, Any]) -> list[str]:
    """Every citizen ID a record holds: the text's and its component fields'."""
    md = record.get("metadata") or {}
    ids = list(md.get("citizen_ids") or [])
    owner = owner_citizen_id(record.get("component"))
    if owner:
        ids.append(owner)
    return list(dict.fromkeys(ids))


def entries_for(record: dict[str, Any], secret: bytes | None) -> list[str]:
    """Every index key `record` belongs under (its first dossier; others come via `add_dossier`)."""
    global _warned_no_key
    doc = record["document_id"]
    md = record.get("metadata") or {}
    out = []
    if record.get("dossier_id"):
        out.append(entry_key("dossier", record["dossier_id"], doc))
    if md.get("number_symbol"):
        out.append(entry_key("number_symbol", md["number_symbol"], doc))
    if md.get("issued_date") and re.match(r"^\d{4}-\d{2}-\d{2}$", md["issued_date"]):
        out.append(entry_key("issued_date", md["issued_date"], doc))
    if component_kind(record):
        out.append(entry_key("kind", component_kind(record), doc))  # type: ignore[arg-type]
    out.extend(entry_key("procedure", code, doc) for code in procedure_codes(record))
    ids = citizen_ids(record)
    if ids and secret is None:
        if not _warned_no_key:
            log.warning("SOHOA_INDEX_KEY is not set: citizen IDs are not indexed")
            _warned_no_key = True
    elif ids:
        out.extend(entry_key("citizen", c, doc, secret) for c in ids)
    return sorted(set(out))


def _body(document_id: str) -> dict[str, str]:
    return {"document_id": document_id, "record": keys.record(document_id)}


def write_entries(archive: Archive, record: dict[str, Any], secret: bytes | None = None) -> list[str]:
    """Write the record's index entries (call before committing record.json)."""
    written = entries_for(record, secret if secret is not None else index_key_from_env())
    for key in written:
        archive.put_json(key, _body(record["document_id"]))
    return written


def remove_stale(archive: Archive, old: dict[str, Any], new: dict[str, Any], secret: bytes | None = None) -> None:
    """Drop entries of a previous version of the record that the new one no longer has."""
    secret = secret if secret is not None else index_key_from_env()
    keep = set(entries_for(new, secret))
    for key in entries_for(old, secret):
        if key not in keep and not key.startswith(f"{ROOT}dossier/"):  # dossier membership is never revoked
            archive.delete(key)


def add_dossier(archive: Archive, dossier_id: str, document_id: str) -> None:
    """Index a document under one more dossier (the same file found in a second hồ sơ)."""
    key = entry_key("dossier", dossier_id, document_id)
    if not archive.exists(key):
        archive.put_json(key, _body(document_id))


def lookup(archive: Archive, kind: Kind, value: str, secret: bytes | None = None) -> list[str]:
    """Document ids indexed under `value` (committed or not: check the record)."""
    if kind == "citizen" and secret is None:
        secret = index_key_from_env()
    part = value_part(kind, value, secret)
    prefix = f"{ROOT}{kind}/{part}" + ("" if kind == "issued_date" and len(value) < 10 else "/")
    return sorted({k.rsplit("/", 1)[1] for k in archive.list(prefix)})


def iter_entries(archive: Archive) -> Iterator[tuple[str, str]]:
    """(index key, document id) of every entry — for `verify`."""
    for key in archive.list(ROOT):
        yield key, key.rsplit("/", 1)[1]


def matches(record: dict[str, Any], kind: Kind, value: str, secret: bytes | None = None) -> bool:
    """Whether `record` really has `value` (index hits are checked against the record)."""
    md = record.get("metadata") or {}
    if kind == "dossier":
        return True  # membership comes from the entry itself (a file may sit in several dossiers)
    if kind == "number_symbol":
        ns = md.get("number_symbol")
        return bool(ns) and normalize_number_symbol(ns) == normalize_number_symbol(value)
    if kind == "issued_date":
        return (md.get("issued_date") or "").startswith(value)
    if kind == "kind":
        return component_kind(record) == value.strip()
    if kind == "procedure":
        return value.strip() in procedure_codes(record)
    digits = re.sub(r"\D", "", value)
    return any(re.sub(r"\D", "", c) == digits for c in citizen_ids(record))


def rebuild(archive: Archive, records: Iterable[dict[str, Any]], secret: bytes | None = None) -> int:
    """Write the entries of existing records and dossier manifests (after a key rotation, or for an
    archive written before the index existed); returns how many entries were written or confirmed."""
    n = 0
    for rec in records:
        n += len(write_entries(archive, rec, secret))
    for key in archive.list("dossiers/"):
        if key.endswith("/manifest.json"):
            manifest = archive.get_json(key)
            for doc in manifest.get("documents", []):
                add_dossier(archive, manifest["dossier_id"], doc["document_id"])
                n += 1
    return n
