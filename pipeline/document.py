"""One document through every stage: intake → pages → ocr → searchable → extract → archive.

`process()` returns an `Outcome` for every input and never raises for a bad document: input
errors become quarantine entries (original bytes + error.json). Only run-level failures (archive
unreachable, Tesseract missing, work directory unusable) propagate.
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pipeline import __version__, extract, fulltext, intake, pages, searchable, tesseract, workdir
from pipeline.archive import Archive, keys
from pipeline.archive import records as store
from pipeline.errors import ProcessingError, SohoaError, TesseractError, WorkDirError
from pipeline.locks import KeyedLocks
from pipeline.models import PageText
from pipeline.ocr import PageJob, PageOcr, load_image, ocr_page
from pipeline.options import Options
from pipeline.signatures import Signature, read_signatures
from pipeline.text import nfc
from schemas.record import Record

log = logging.getLogger(__name__)

Status = Literal["archived", "skipped", "deferred", "quarantined", "failed"]


@dataclass
class Outcome:
    label: str
    filename: str
    dossier_id: str | None
    status: Status
    document_id: str | None = None
    pages: int = 0
    ocr_pages: int = 0
    text_pages: int = 0
    seconds: float = 0.0
    record: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    warnings: list[str] = field(default_factory=list)


def engine_info(options: Options) -> dict[str, Any]:
    tessdata = tesseract.tessdata_dir(options.tessdata_dir)
    return {"name": "tesseract", "version": tesseract.version(), "language": options.language,
            "model_path": str(tessdata) if tessdata else None}


_document_locks = KeyedLocks()


def process(
    item: intake.InputFile,
    archive: Archive,
    options: Options,
    executor: Executor | None = None,
    *,
    force: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> Outcome:
    """Digitize one input into `archive`; see the module docstring for the error contract."""
    started = time.monotonic()
    outcome = Outcome(item.label, item.filename, item.dossier_id, "archived")
    stage = ["intake"]

    def enter(name: str) -> None:
        stage[0] = name
        if on_stage:
            on_stage(name)

    sha = ""
    try:
        if intake.changed_since_scan(item):
            outcome.status = "deferred"
            outcome.warnings.append("the file changed since the inbox was scanned; left for the next run")
            return outcome
        media_type, sha = intake.identify(item, max_bytes=int(options.max_file_mb * 1e6))
        outcome.document_id = sha
        with _document_locks(sha):  # the same file in two dossiers of one run: digitized once
            if not force and store.has_record(archive, sha):
                outcome.status = "skipped"
                outcome.record = store.get_record(archive, sha)
            else:
                outcome.record = _digitize(item, media_type, sha, archive, options, executor, outcome, enter)
        if item.dossier_id and outcome.record:
            store.add_to_manifest(archive, item.dossier_id, [store.manifest_entry(outcome.record, item.filename)])
    except Exception as e:
        error = _classify(e, stage[0])
        if not error.document_level:
            if error is e:
                raise
            raise error from e
        sha = sha or _sha_or_empty(item.path)
        outcome.status = "quarantined"
        outcome.document_id = None
        outcome.error = error.to_dict()
        store.quarantine(archive, dossier_id=item.dossier_id, filename=item.filename, sha256=sha,
                         source=item.path, error=outcome.error)
    if outcome.record:
        outcome.pages = len(outcome.record["pages"])
        outcome.ocr_pages = sum(p["method"] == "ocr" for p in outcome.record["pages"])
        outcome.text_pages = outcome.pages - outcome.ocr_pages
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def _classify(e: Exception, stage: str) -> SohoaError:
    """Typed errors pass through; a full disk is the run's problem; anything else is this document's."""
    if isinstance(e, SohoaError):
        return e
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return WorkDirError(f"{e.strerror} ({e.filename or 'work directory'})")
    if isinstance(e, MemoryError | RecursionError):
        err = ProcessingError(f"{stage}: {type(e).__name__}")
    else:
        err = ProcessingError(f"{stage}: {type(e).__name__}: {str(e)[:200]}")
    err.stage = stage
    log.exception("unexpected error in stage %s", stage)
    return err


def _digitize(
    item: intake.InputFile,
    media_type: str,
    sha: str,
    archive: Archive,
    options: Options,
    executor: Executor | None,
    outcome: Outcome,
    on_stage: Callable[[str], None] | None,
) -> dict[str, Any]:
    stage = on_stage or (lambda s: None)
    work = workdir.make(options.work_dir, sha)
    try:
        stage("pages")
        plans = pages.plan_pages(item.path, media_type, max_pages=options.max_pages,
                                 max_megapixels=options.max_page_megapixels, dpi=options.ocr_dpi, executor=executor)
        stage("ocr")
        ocr = _run_ocr(item.path, media_type, plans, work, options, executor, outcome)
        source_pdf = item.path if media_type == "application/pdf" else None
        page_texts = [_page_text(plan, ocr.get(plan.number), source_pdf) for plan in plans]
        stage("searchable")
        # text.txt's corrections, made once: the invisible layer takes them too
        full = [fulltext.mend_page(p) for p in page_texts]
        pdf_path = searchable.build(item.path, media_type, plans, ocr, work / "searchable.pdf",
                                    title=item.filename, pdfa=options.pdfa,
                                    mended={p.number: m for p, m in zip(page_texts, full, strict=True)})
        stage("extract")
        sigs = read_signatures(item.path) if media_type == "application/pdf" else []
        extraction = extract.extract(page_texts, language=options.language, tessdata=options.tessdata_dir,
                                     signatures=sigs)
        text = fulltext.text_of(full)
        record = _record(item, media_type, sha, plans, ocr, page_texts, extraction, options, outcome, sigs)
        stage("archive")
        store.write_document(archive, document_id=sha, media_type=media_type, original=item.path,
                             searchable=pdf_path, text=nfc(text), record=record, pages=page_texts)
        return record
    finally:
        if options.keep_work:
            log.info("work files kept in %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def page_jobs(source: Path, media_type: str, plans: list[pages.PagePlan], work: Path,
              options: Options) -> list[PageJob]:
    """The OCR job of every page planned for OCR."""
    return [
        PageJob(source=source, media_type=media_type, number=p.number, frame=p.frame, native_dpi=p.dpi,
                work_dir=work, language=options.language, tessdata=options.tessdata_dir,
                ocr_dpi=options.ocr_dpi, min_output_dpi=options.min_output_dpi,
                detect_orientation=options.detect_orientation, deskew=options.deskew,
                timeout=options.ocr_timeout, force_image=p.pdf_rotate != 0)
        for p in plans if p.method == "ocr"
    ]


def _run_ocr(
    source: Path,
    media_type: str,
    plans: list[pages.PagePlan],
    work: Path,
    options: Options,
    executor: Executor | None,
    outcome: Outcome,
) -> dict[int, PageOcr]:
    jobs = page_jobs(source, media_type, plans, work, options)
    if executor is None:
        pending = [(job, None) for job in jobs]
    else:
        pending = [(job, executor.submit(ocr_page, job)) for job in jobs]
    results: dict[int, PageOcr] = {}
    for job, future in pending:
        try:
            results[job.number] = future.result() if future else ocr_page(job)
        except TesseractError as e:
            # One page Tesseract cannot read (crash, timeout) does not sink the document: the page
            # is kept as an image without text and the document is flagged for review.
            msg = f"page {job.number}: {e.message_en}"
            log.warning("%s: %s", source.name, msg)
            outcome.warnings.append(msg)
            results[job.number] = _image_only_page(job, plans[job.number - 1], msg)
    return results


def _image_only_page(job: PageJob, plan: pages.PagePlan, warning: str) -> PageOcr:
    """A page Tesseract could not read: kept as an image without text, so no page is ever dropped."""
    im, dpi = load_image(job)
    path = job.work_dir / f"p{job.number:06d}-page.jpg"
    im.save(path, quality=85, dpi=(dpi, dpi))
    return PageOcr(number=job.number, lines=[], dpi=dpi, width=plan.width, height=plan.height,
                   image_path=path, replace_image=job.force_image, pdf_image=path, warnings=[warning])


def _page_text(plan: pages.PagePlan, ocr: PageOcr | None, pdf_path: Path | None) -> PageText:
    if ocr is None:
        return PageText(plan.number, plan.width, plan.height, "text_layer", plan.lines, pdf_path=pdf_path)
    return PageText(plan.number, ocr.width, ocr.height, "ocr", ocr.lines, ocr.image_path, ocr.dpi,
                    plan.overlay_text, pdf_path=pdf_path if ocr.image_path is None else None)


def _record(
    item: intake.InputFile,
    media_type: str,
    sha: str,
    plans: list[pages.PagePlan],
    ocr: dict[int, PageOcr],
    page_texts: list[PageText],
    extraction: extract.Extraction,
    options: Options,
    outcome: Outcome,
    sigs: list[Signature],
) -> dict[str, Any]:
    page_entries = []
    for plan, pt in zip(plans, page_texts, strict=True):
        o = ocr.get(plan.number)
        page_entries.append({
            "number": plan.number,
            "method": pt.method,
            "rotation": o.rotation if o else 0,
            "skew_degrees": o.skew_degrees if o else 0.0,
            "mean_confidence": o.mean_confidence if o else None,
            "chars": sum(not c.isspace() for c in pt.text),
            "dpi": o.dpi if o else None,
            "warnings": o.warnings if o else [],
        })
    review = extraction.review.model_copy(deep=True)
    if outcome.warnings:
        review.needed = True
        review.reasons.extend(outcome.warnings)
    ext = intake.MEDIA_TYPES[media_type]
    record = Record(
        document_id=sha,
        dossier_id=item.dossier_id,
        source={"filename": item.filename, "dossier_path": item.dossier_id, "sha256": sha,
                "size_bytes": item.size, "media_type": media_type, "page_count": len(plans)},
        pages=page_entries,
        metadata=extraction.metadata,
        evidence=extraction.evidence,
        digital_signatures=[{"signed_at": g.signed_at, "signer": g.name, "reason": g.reason, "page": g.page}
                            for g in sigs],
        review=review,
        artifacts={"original": keys.original(sha, ext), "searchable_pdf": keys.searchable(sha),
                   "text": keys.text(sha)},
        processed_at=datetime.now(UTC).replace(microsecond=0),
        pipeline_version=__version__,
        engine=engine_info(options),
        warnings=outcome.warnings,
        component=extraction.component,
    )
    return record.model_dump(mode="json")



def _sha_or_empty(path: Path) -> str:
    try:
        return intake.content_sha256(path)
    except OSError:
        return "0" * 64
