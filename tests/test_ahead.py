"""Page OCR started ahead (pipeline/ahead.py, flows.digitize.start_ahead): used once, never twice, and
never left behind."""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipeline import document, intake, pages
from pipeline.ahead import AheadPool
from pipeline.archive import LocalArchive
from pipeline.ocr import ocr_page
from pipeline.options import Options
from pipeline.synth import Document, render_page, save_pdf


class Counting(Executor):
    """A thread pool that counts what it is asked to run, by function name."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(2)
        self.calls: Counter[str] = Counter()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls[fn.__name__] += 1
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


class Idle(Executor):
    """Accepts work and never runs it: what is still queued when the pool closes."""

    def __init__(self) -> None:
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.futures.append(Future())
        return self.futures[-1]


def _item(path: Path) -> intake.InputFile:
    st = path.stat()
    return intake.InputFile(path, path.parent.name, path.name, st.st_size, st.st_mtime)


@pytest.fixture(scope="module")
def two_pages() -> list[Any]:
    return [render_page(Document(), dpi=150)[0], render_page(Document(number="77"), dpi=150)[0]]


@pytest.fixture
def scan(tmp_path: Path, two_pages: list[Any]) -> Path:
    (tmp_path / "inbox" / "hs1").mkdir(parents=True)
    return save_pdf(two_pages, tmp_path / "inbox" / "hs1" / "scan.pdf", dpi=150)


def _options(tmp_path: Path) -> Options:
    return Options(jobs=2, work_dir=tmp_path / "work", min_file_age_seconds=0, ocr_dpi=150, min_output_dpi=150)


def test_pages_started_ahead_are_ocrd_once_and_give_the_same_record(tmp_path, scan):
    options = _options(tmp_path)
    plain = document.process(_item(scan), LocalArchive(tmp_path / "a1"), options, ThreadPoolExecutor(2))

    counting = Counting()
    pool = AheadPool(counting)
    assert pool.start(_item(scan), options, max_pages=8) == 2
    ahead = document.process(_item(scan), LocalArchive(tmp_path / "a2"), options, pool)
    pool.shutdown()
    counting.shutdown()

    assert counting.calls["ocr_page"] == 2  # not 4: the document took the pages started ahead
    assert ahead.status == plain.status == "archived"
    strip = ("processed_at", "seconds")
    assert {k: v for k, v in ahead.record.items() if k not in strip} == \
        {k: v for k, v in plain.record.items() if k not in strip}
    assert not list((tmp_path / "work").iterdir())  # the ahead folder went with the pool


def test_only_the_first_pages_are_started_and_the_document_ocrs_the_rest(tmp_path, scan):
    counting = Counting()
    pool = AheadPool(counting)
    options = _options(tmp_path)
    assert pool.start(_item(scan), options, max_pages=1) == 1
    outcome = document.process(_item(scan), LocalArchive(tmp_path / "a"), options, pool)
    pool.shutdown()
    counting.shutdown()
    assert outcome.status == "archived" and outcome.ocr_pages == 2
    assert counting.calls["ocr_page"] == 2  # page 1 ahead, page 2 by the document


def test_large_files_are_not_started(tmp_path, scan, monkeypatch):
    from pipeline import ahead

    monkeypatch.setattr(ahead, "MAX_BYTES", scan.stat().st_size - 1)
    idle = Idle()
    pool = AheadPool(idle)
    assert pool.start(_item(scan), _options(tmp_path), max_pages=8) == 0
    assert idle.futures == [] and not (tmp_path / "work").exists()
    pool.shutdown()


def test_pages_nobody_asks_for_are_cancelled_and_their_folder_removed(tmp_path, scan):
    idle = Idle()
    pool = AheadPool(idle)
    assert pool.start(_item(scan), _options(tmp_path), max_pages=8) == 2
    assert len(list((tmp_path / "work").iterdir())) == 1
    pool.shutdown()
    assert all(f.cancelled() for f in idle.futures)
    assert not list((tmp_path / "work").iterdir())


def test_other_work_and_other_settings_pass_through(tmp_path, scan):
    counting = Counting()
    pool = AheadPool(counting)
    options = _options(tmp_path)
    pool.start(_item(scan), options, max_pages=8)
    plans = pages.plan_pages(scan, "application/pdf", max_pages=10, max_megapixels=100, dpi=150)
    (tmp_path / "mine").mkdir()
    first = document.page_jobs(scan, "application/pdf", plans, tmp_path / "mine", options)[0]
    other = dataclasses.replace(first, deskew=not first.deskew)
    assert pool.submit(ocr_page, other).result().number == 1  # a second OCR, with its settings
    assert pool.submit(ocr_page, first).result().number == 1  # the one started ahead
    assert pool.submit(len, "abc").result() == 3
    assert counting.calls["len"] == 1 and counting.calls["ocr_page"] == 3
    pool.shutdown()
    counting.shutdown()


def test_archived_or_unreadable_inputs_are_not_started(tmp_path, scan):
    idle = Idle()
    pool = AheadPool(idle)
    assert pool.start(_item(scan), _options(tmp_path), max_pages=8, skip=lambda sha: True) == 0
    broken = scan.with_name("broken.pdf")
    broken.write_bytes(b"%PDF-1.4\n garbage")
    assert pool.start(_item(broken), _options(tmp_path), max_pages=8) == 0
    assert idle.futures == []
    pool.shutdown()


class Recording:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, item: intake.InputFile, options: Options, *, max_pages: int, skip: Any) -> int:
        if skip(intake.content_sha256(item.path)):
            return 0
        self.started.append(item.label)
        return min(2, max_pages)


def test_start_ahead_picks_what_the_run_will_take(tmp_path, two_pages):
    from flows.ahead import start_ahead

    inbox = tmp_path / "inbox"
    for dossier, name, page in (("a-done", "x.pdf", 0), ("b-open", "y.pdf", 1), ("c-next", "z.pdf", 1)):
        (inbox / dossier).mkdir(parents=True)
        save_pdf([two_pages[page]], inbox / dossier / name, dpi=150)
    (inbox / "b-open" / "part.pdf.part").write_bytes(b"still copying")  # an incomplete dossier
    archive = tmp_path / "archive"
    options = _options(tmp_path)
    document.process(_item(inbox / "a-done" / "x.pdf"), LocalArchive(archive), options)

    pool = Recording()
    assert start_ahead(pool, str(inbox), str(archive), options, False, min_pages=2) == 2  # type: ignore[arg-type]
    assert pool.started == ["c-next/z.pdf"]
    forced = Recording()
    start_ahead(forced, str(inbox), str(archive), options, True, min_pages=4)  # type: ignore[arg-type]
    assert forced.started == ["a-done/x.pdf", "c-next/z.pdf"]
    assert start_ahead(Recording(), "s3://bucket/inbox", str(archive), options, False, min_pages=2) == 0  # type: ignore[arg-type]
