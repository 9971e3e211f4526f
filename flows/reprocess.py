"""`reprocess`: re-run metadata extraction on archived documents after an extraction improvement.

No OCR when the page images are unchanged: the words come from `records/{id}/pages.json` (positioned
words with Tesseract confidences, written by the digitization when available) or, for documents
archived without it, from the searchable PDF's text layer read with pdfplumber (each OCR'd page's words
get that page's recorded mean confidence). Zone re-OCR is off here for the same reason. With
`reocr` the archived original goes through the whole pipeline again instead (e.g. new OCR settings).
The new record is committed through `records.write_document`, the archive's one commit path.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pdfplumber
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.errors import describe
from flows.params import ReprocessRequest
from flows.runtime import current_pool, page_pool
from flows.stores import STORAGE_RETRIES, archive_at
from pipeline import __version__, extract, intake, textlayer
from pipeline.archive import Archive, keys
from pipeline.archive import records as store
from pipeline.document import process
from pipeline.layout import group_words
from pipeline.models import Line, PageText, Word
from pipeline.options import Options
from pipeline.review import decide
from pipeline.text import nfc
from schemas.record import Code, Record


@dataclass
class Reprocessed:
    document_id: str
    dossier_id: str | None = None
    filename: str = ""
    source: str = ""  # pages.json | text layer | re-OCR
    status: str = "updated"  # updated | unchanged | failed
    changed: list[str] = field(default_factory=list)
    review_needed: bool | None = None
    error: str | None = None


def pages_from_pdf(archive: Archive, record: dict[str, Any], work: Path) -> list[PageText]:
    """Page words from the archived searchable PDF's text layer (no OCR)."""
    pdf = archive.download(record["artifacts"]["searchable_pdf"], work / "searchable.pdf")
    meta = {p["number"]: p for p in record["pages"]}
    out: list[PageText] = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            info = meta.get(number, {})
            conf = info.get("mean_confidence")
            words = textlayer.page_words(page)
            if info.get("method") == "ocr" and conf is not None:
                words = [Word(w.text, w.bbox, float(conf), w.size, w.bold) for w in words]
            lines: list[Line] = group_words(words)
            out.append(PageText(number, float(page.width), float(page.height), info.get("method", "ocr"), lines,
                                None, info.get("dpi")))
    return out



def _reextract(archive: Archive, record: dict[str, Any], options: Options, work: Path) -> Reprocessed:
    doc_id = record["document_id"]
    res = Reprocessed(doc_id, record.get("dossier_id"), record["source"]["filename"])
    pages = store.get_pages(archive, doc_id)
    res.source = "pages.json"
    if pages is None:
        pages, res.source = pages_from_pdf(archive, record, work), "text layer"
    # no page images here: the QR codes decoded at digitization are kept, not decoded again
    old_codes = [Code.model_validate(c) for c in (record.get("component") or {}).get("codes", [])]
    extraction = extract.extract(pages, language=options.language, tessdata=options.tessdata_dir, zone_ocr=False,
                                 codes=old_codes, read_codes=False)
    review = extraction.review.model_copy(deep=True)
    if record.get("warnings"):  # page-level trouble found at OCR time still needs a person
        review.needed = True
        review.reasons.extend(record["warnings"])
    new = dict(record, metadata=extraction.metadata.model_dump(mode="json"),
               evidence={k: v.model_dump(mode="json") for k, v in extraction.evidence.items()},
               review=review.model_dump(mode="json"), pipeline_version=__version__,
               component=extraction.component.model_dump(mode="json") if extraction.component else None,
               processed_at=datetime.now(UTC).replace(microsecond=0).isoformat())
    new = decide.carry_over(record, Record.model_validate(new).model_dump(mode="json"))
    res.changed = sorted(k for k in set(new["metadata"]) | set(record["metadata"])
                         if new["metadata"].get(k) != record["metadata"].get(k))
    res.review_needed = new["review"]["needed"]
    if new.get("component") != record.get("component"):
        res.changed.append("component")
    if not res.changed and new["review"] == record["review"] and new["evidence"] == record["evidence"]:
        res.status = "unchanged"
        return res
    media_type = record["source"]["media_type"]
    original = archive.download(record["artifacts"]["original"], work / f"original.{intake.MEDIA_TYPES[media_type]}")
    searchable = None
    if record["artifacts"].get("searchable_pdf"):
        searchable = work / "searchable.pdf"
        if not searchable.exists():
            archive.download(record["artifacts"]["searchable_pdf"], searchable)
    text = nfc("\f".join(p.text for p in pages) + "\n") if res.source == "pages.json" else \
        archive.get_bytes(keys.text(doc_id)).decode("utf-8")
    store.write_document(archive, document_id=doc_id, media_type=media_type, original=original,
                         searchable=searchable, text=text, record=new,
                         pages=pages if res.source == "pages.json" else None)
    if new.get("dossier_id"):
        store.add_to_manifest(archive, new["dossier_id"], [store.manifest_entry(new)])
    return res


def _reocr(archive: Archive, record: dict[str, Any], options: Options, work: Path) -> Reprocessed:
    doc_id = record["document_id"]
    res = Reprocessed(doc_id, record.get("dossier_id"), record["source"]["filename"], source="re-OCR")
    path = archive.download(record["artifacts"]["original"], work / keys.component(record["source"]["filename"]))
    st = path.stat()
    item = intake.InputFile(path, record.get("dossier_id"), record["source"]["filename"], st.st_size, st.st_mtime)
    outcome = process(item, archive, options, current_pool(), force=True)
    if outcome.status != "archived" or outcome.record is None:
        res.status, res.error = "failed", (outcome.error or {}).get("message", outcome.status)
        return res
    res.changed = sorted(k for k in outcome.record["metadata"]
                         if outcome.record["metadata"].get(k) != record["metadata"].get(k))
    res.review_needed = outcome.record["review"]["needed"]
    return res


@task(name="reprocess-document", cache_policy=NONE, task_run_name="reprocess {document_id:.12}", **STORAGE_RETRIES)
def reprocess_document(archive: str, document_id: str, options: Options, reocr: bool = False) -> Reprocessed:
    """Re-extract one archived document (thin wrapper; storage errors are retried)."""
    logger = get_run_logger()
    arch = archive_at(archive)
    record = store.get_record(arch, document_id)
    if record is None:
        return Reprocessed(document_id, status="failed", error="no record.json in the archive")
    logger.info("reprocessing %s (%s)", record["source"]["filename"], document_id[:12])
    if options.work_dir:
        options.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"sohoa-re-{document_id[:12]}-", dir=options.work_dir))
    try:
        res = (_reocr if reocr else _reextract)(arch, record, options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("%s: %s from %s%s", res.filename, res.status, res.source,
                f"; changed: {', '.join(res.changed)}" if res.changed else "")
    return res


@task(name="select-documents", cache_policy=NONE, **STORAGE_RETRIES)
def select_documents(archive: str, request: ReprocessRequest) -> list[str]:
    arch = archive_at(archive)
    if request.document_ids:
        ids = list(dict.fromkeys(request.document_ids))
    elif request.dossier:
        manifest = arch.get_json(keys.manifest(nfc(request.dossier)))
        ids = list(dict.fromkeys(d["document_id"] for d in manifest.get("documents", [])))
    else:
        ids = list(store.iter_record_ids(arch))
    return ids[: request.limit] if request.limit else ids


def _markdown(rows: list[Reprocessed], seconds: float) -> str:
    count = {s: sum(r.status == s for r in rows) for s in ("updated", "unchanged", "failed")}
    lines = ["# sohoa reprocess", "", "| documents | updated | unchanged | failed | seconds |",
             "|---:|---:|---:|---:|---:|",
             f"| {len(rows)} | {count['updated']} | {count['unchanged']} | {count['failed']} | {seconds:.1f} |"]
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        lines += ["", "## Failures", ""] + [f"- `{r.filename or r.document_id}`: {r.error}" for r in failed]
    return "\n".join(lines) + "\n"


@flow(name="reprocess", task_runner=ThreadPoolTaskRunner(max_workers=3), log_prints=True)
def reprocess(archive: str = "archive", request: ReprocessRequest | None = None,
              options: Options | None = None) -> State:
    """Re-run metadata extraction on archived documents, without OCR unless asked.

    Args:
        archive: A directory, or s3://BUCKET/PREFIX.
        request: Which documents, and whether to re-OCR from the archived originals.
        options: Extraction / OCR options (OCR ones matter only with re-OCR).
    """
    request = request or ReprocessRequest()
    options = options or Options()
    logger = get_run_logger()
    t0 = time.monotonic()
    ids = select_documents(archive, request)
    logger.info("reprocessing %d document(s)%s", len(ids), " with re-OCR" if request.reocr else "")
    progress = create_progress_artifact(0.0, description="Documents reprocessed")
    rows: list[Reprocessed] = []
    with page_pool(options.jobs) if request.reocr else contextlib.nullcontext():
        futures = {reprocess_document.submit(archive, i, options, request.reocr): i for i in ids}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            try:
                rows.append(future.result())
            except Exception as e:
                rows.append(Reprocessed(futures[future], status="failed", error=describe(e)))
            update_progress_artifact(progress, 100.0 * done / max(1, len(ids)))
    order = {i: n for n, i in enumerate(ids)}
    rows.sort(key=lambda r: order.get(r.document_id, 0))
    create_table_artifact([{"document": r.document_id[:12], "dossier": r.dossier_id or "", "file": r.filename,
                            "words from": r.source, "status": r.status, "changed": ", ".join(r.changed),
                            "needs review": "yes" if r.review_needed else "", "error": r.error or ""}
                           for r in rows], key="reprocessed", description=f"{len(rows)} document(s) reprocessed")
    md = _markdown(rows, time.monotonic() - t0)
    create_markdown_artifact(md, key="reprocess-summary", description="sohoa reprocess summary")
    data = {"documents": [r.__dict__ for r in rows]}
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        return Failed(message=f"{len(failed)} document(s) failed: "
                              + ", ".join(f"{r.filename or r.document_id[:12]} ({r.error})" for r in failed[:10]),
                      data=data)
    return Completed(message=md.splitlines()[4], data=data)

