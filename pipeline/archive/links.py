"""Link scans to their dossier by the receipt's QR code when the inbox folder does not name it.

The dossier id is the inbox folder's name (`InputFile.dossier_id`). Operators often scan into folders
named by date or desk ('scan-2024-01-26'), or drop loose files. The receipt the provincial system
printed ('Giấy tiếp nhận hồ sơ và hẹn trả kết quả') carries the dossier code in its QR code; when that
code is trusted (QR of the national format and the printed code agree, or the print was unreadable —
pipeline.extract.components.receipt), the documents are also listed under the code's manifest:

- a folder that is not a dossier code with exactly one trusted receipt code: every document of the
  folder (one folder = one dossier, the convention of the inbox) is listed under
  `dossiers/{code}/manifest.json` too, each entry marked `linked_by: receipt_qr` and `inbox_folder`;
- several different receipt codes in one folder: only each receipt under its own code (which paper
  belongs to which dossier cannot be told);
- a loose file (no folder): the receipt alone;
- a folder named by a dossier code keeps only its own manifest (the name already links it).

Membership under the code also goes in the index (`index/dossier/{code}/…`), as for any dossier.
Nothing is removed: a later run adding documents to the folder links them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.archive import records
from pipeline.archive.base import Archive

_DOSSIER_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?:-KQ\d+)?$")


@dataclass(frozen=True)
class Link:
    dossier_code: str
    inbox_folder: str | None
    documents: int


def is_dossier_code(name: str | None) -> bool:
    return bool(name) and bool(_DOSSIER_CODE.match(name or ""))


def receipt_code(record: dict[str, Any]) -> str | None:
    """The dossier code a record's receipt QR code confirmed, None otherwise."""
    comp = record.get("component") or {}
    receipt = comp.get("receipt") or {}
    if comp.get("kind") == "receipt" and receipt.get("linked_by_qr") and is_dossier_code(receipt.get("dossier_code")):
        return str(receipt["dossier_code"])
    return None


def link_by_receipts(archive: Archive, done: Iterable[tuple[str | None, str, dict[str, Any]]]) -> list[Link]:
    """`done`: (inbox folder or None, file name, record) of a run's documents. Returns the links made."""
    folders: dict[str | None, list[tuple[str, dict[str, Any]]]] = {}
    for folder, filename, record in done:
        folders.setdefault(folder, []).append((filename, record))
    links = []
    for folder, docs in folders.items():
        if is_dossier_code(folder):
            continue
        codes = {c for _, r in docs if (c := receipt_code(r))}
        if folder is not None and len(codes) == 1:
            targets = {codes.pop(): docs}
        else:
            targets = {}
            for filename, r in docs:
                if (c := receipt_code(r)):
                    targets.setdefault(c, []).append((filename, r))
        for code, members in targets.items():
            entries = [dict(records.manifest_entry(r, filename), linked_by="receipt_qr", inbox_folder=folder)
                       for filename, r in members]
            records.add_to_manifest(archive, code, entries)
            links.append(Link(code, folder, len(entries)))
    return links
