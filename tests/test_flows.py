"""Flow tests under Prefect's test harness: dossier runs, artifacts, final states, moves, reprocess, claims."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from flows import artifacts
from pipeline import intake
from pipeline.archive import LocalArchive, claims, keys, open_archive, records
from pipeline.document import Outcome
from pipeline.options import Options
from pipeline.synth import Document, render_page
from tests import archive_fixtures
from tests.prefect_fixtures import prefect_harness, read_artifacts  # noqa: F401  (fixture import)

pytestmark = pytest.mark.usefixtures("prefect_harness")

DOSSIER = "000.00.20.H27-240126-0009"


def _options(tmp_path: Path) -> Options:
    return Options(jobs=1, work_dir=tmp_path / "work", min_file_age_seconds=0, ocr_dpi=150,
                   detect_orientation=False)


@pytest.fixture(scope="module")
def digitized(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, object]:  # noqa: F811
    """One real digitize-dossier run (a rendered 150-dpi page + a junk file), shared by the tests below."""
    from flows.digitize import digitize_dossier

    tmp = tmp_path_factory.mktemp("digitized")
    inbox, archive = tmp / "inbox", tmp / "archive"
    (inbox / DOSSIER).mkdir(parents=True)
    page, _ = render_page(Document(), dpi=150)
    page.convert("L").save(inbox / DOSSIER / "quyet-dinh.png", dpi=(150, 150))
    (inbox / DOSSIER / "junk.pdf").write_bytes(b"not a pdf at all")
    state = digitize_dossier(DOSSIER, str(inbox), str(archive), _options(tmp), return_state=True)
    return {"state": state, "inbox": inbox, "archive": archive, "report": state.result(raise_on_failure=False)}


def test_dossier_run_archives_and_fails_on_quarantine(digitized: dict) -> None:
    state, rep = digitized["state"], digitized["report"]
    assert state.is_failed()
    assert "junk.pdf" in state.message and "quarantined" in state.message
    statuses = {o["filename"]: o["status"] for o in rep["outcomes"]}
    assert statuses == {"quyet-dinh.png": "archived", "junk.pdf": "quarantined"}
    archive = LocalArchive(digitized["archive"])
    assert len(list(records.iter_record_ids(archive))) == 1
    assert archive.exists(keys.run_report(rep["run_id"]))
    assert not list(archive.list("claims/")), "claims are released at the end of the run"


def test_inputs_moved_to_processed_after_verification(digitized: dict) -> None:
    inbox: Path = digitized["inbox"]
    assert (inbox / "processed" / DOSSIER / "quyet-dinh.png").is_file()
    assert (inbox / "processed" / "quarantine" / DOSSIER / "junk.pdf").is_file()
    assert not (inbox / DOSSIER).exists()
    assert {m["status"] for m in digitized["report"]["moved"]} == {"archived", "quarantined"}


def test_artifacts_are_published(digitized: dict) -> None:
    arts = read_artifacts(digitized["state"].state_details.flow_run_id)
    by_key = {a.key: a for a in arts if a.key}
    assert {"documents", "run-summary", "archived-pdfs"} <= set(by_key)
    table = by_key["documents"].data
    assert "quyet-dinh.png" in str(table) and "quarantined" in str(table)
    assert "E_UNSUPPORTED_TYPE" in by_key["run-summary"].data
    assert "file://" in by_key["archived-pdfs"].data and "searchable.pdf" in by_key["archived-pdfs"].data
    progress = [a for a in arts if a.type == "progress"]
    assert progress and progress[0].data == 100.0


def test_move_requires_a_verified_record(tmp_path: Path) -> None:
    from flows.inbox import move_processed
    from pipeline import intake

    inbox, archive = tmp_path / "inbox", LocalArchive(tmp_path / "archive")
    (inbox / "d1").mkdir(parents=True)
    f = inbox / "d1" / "a.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n fake")
    item = intake.scan_inbox(inbox)[0]
    assert move_processed(inbox, archive, [item], {item.label: "archived"}) == []  # no record.json
    assert move_processed(inbox, archive, [item], {item.label: "failed"}) == []
    sha = intake.identify(item)[1]
    archive.put_json(keys.record(sha), {"document_id": sha, "source": {"sha256": "0" * 64},
                                        "artifacts": {"original": keys.original(sha, "png")}})
    assert move_processed(inbox, archive, [item], {item.label: "archived"}) == []  # sha mismatch
    archive.put_file(keys.original(sha, "png"), f, content_type="image/png", sha256=sha)
    archive.put_json(keys.record(sha), {"document_id": sha, "source": {"sha256": sha},
                                        "artifacts": {"original": keys.original(sha, "png")}})
    moved = move_processed(inbox, archive, [item], {item.label: "archived"})
    assert [m.to for m in moved] == ["processed/d1/a.png"] and not f.exists()


def test_reprocess_without_reocr(digitized: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.params import ReprocessRequest
    from flows.reprocess import pages_from_pdf, reprocess
    from pipeline import tesseract

    def no_ocr(*a: object, **k: object) -> None:
        raise AssertionError("reprocess must not run Tesseract")

    monkeypatch.setattr(tesseract, "run", no_ocr)
    monkeypatch.setattr(tesseract, "orientation", no_ocr)
    archive_dir = tmp_path / "archive"
    shutil.copytree(digitized["archive"], archive_dir)
    archive = LocalArchive(archive_dir)
    (doc_id,) = records.iter_record_ids(archive)
    before = records.get_record(archive, doc_id)

    state = reprocess(str(archive_dir), ReprocessRequest(dossier=DOSSIER), _options(tmp_path), return_state=True)
    assert state.is_completed(), state.message
    (row,) = state.result()["documents"]
    assert row["source"] == "pages.json" and row["status"] in ("updated", "unchanged")  # written by digitize
    after = records.get_record(archive, doc_id)
    assert after["pages"] == before["pages"] and after["source"] == before["source"]
    assert after["metadata"]["document_type"]  # read again from the words, without OCR
    manifest = archive.get_json(keys.manifest(DOSSIER))
    assert manifest["documents"][0]["number_symbol"] == after["metadata"]["number_symbol"]

    # Without stored page words (archives written before pages.json) the PDF's text layer is read.
    assert pages_from_pdf(archive, after, tmp_path)
    archive.delete(records.pages_key(doc_id))
    state = reprocess(str(archive_dir), ReprocessRequest(document_ids=[doc_id]), _options(tmp_path),
                      return_state=True)
    assert state.result()["documents"][0]["source"] == "text layer"
    arts = read_artifacts(state.state_details.flow_run_id)
    assert {"reprocessed", "reprocess-summary"} <= {a.key for a in arts}


def _claim_race(store, *, dossiers: int, runs: int, settle_seconds: float) -> dict[str, list[str]]:
    """`runs` owners claim the same dossiers at once; what each one got."""
    results: dict[str, list[str]] = {}

    def take(owner: str) -> None:
        got = claims.claim_many(store, [f"d{i}" for i in range(dossiers)], owner, settle_seconds=settle_seconds)
        results[owner] = [c.dossier_id for c in got]

    threads = [threading.Thread(target=take, args=(f"run-{n}",)) for n in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_claims_are_exclusive_and_expire(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "a")
    results = _claim_race(archive, dossiers=8, runs=3, settle_seconds=0.3)
    taken = [d for ds in results.values() for d in ds]
    assert len(taken) == len(set(taken)), results
    assert claims.try_claim(archive, "d0", "late", settle_seconds=0) is None or "d0" not in taken
    mine = claims.try_claim(archive, "x", "a", lease_seconds=-1, settle_seconds=0)  # already expired
    assert mine is not None
    theirs = claims.try_claim(archive, "x", "b", settle_seconds=0)
    assert theirs is not None and claims.renew(archive, mine) is None
    claims.release(archive, mine)  # not ours any more: left alone
    assert claims.read_claim(archive, "x").owner == "b"


def test_local_claims_are_exclusive_without_a_settle_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A local folder has a real lock (flock): claims are race-free at once, no 1 s settle per run."""
    monkeypatch.setattr(claims.time, "sleep", lambda s: pytest.fail(f"claims waited {s} s to settle"))
    results = _claim_race(LocalArchive(tmp_path / "a"), dossiers=20, runs=4, settle_seconds=5)
    taken = sorted(d for ds in results.values() for d in ds)
    assert taken == sorted(f"d{i}" for i in range(20)), results  # every dossier, each exactly once


def test_document_tasks_carry_the_tesseract_tag_only_when_a_limit_exists() -> None:
    """Regression: every tagged task start asked the API for a slot of a limit that did not exist; on
    SQLite, starts together locked the database and each waited ~2 s for the client's retry."""
    from prefect.client.orchestration import get_client

    from flows.digitize import document_tags

    assert document_tags() == set()
    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag="tesseract", concurrency_limit=4)
        try:
            assert document_tags() == {"tesseract"}
        finally:
            client.delete_concurrency_limit_by_tag(tag="tesseract")
    assert document_tags() == set()


def _fake_process(calls: Counter, gate: threading.Event):
    lock = threading.Lock()

    def process(item, archive, options, executor=None, *, force=False, on_stage=None):
        gate.wait(30)  # both runs have claimed before any work is done: they really overlap
        with lock:
            calls[item.dossier_id] += 1
        time.sleep(0.05)
        _, sha = intake.identify(item)  # a minimal committed record, so the move can verify it
        archive.put_file(keys.original(sha, "png"), item.path, content_type="image/png", sha256=sha)
        archive.put_json(keys.record(sha), {"document_id": sha, "source": {"sha256": sha},
                                            "artifacts": {"original": keys.original(sha, "png")}})
        return Outcome(item.label, item.filename, item.dossier_id, "archived", document_id=sha)

    return process


def _inbox(tmp_path: Path, n: int) -> Path:
    inbox = tmp_path / "inbox"
    for i in range(n):
        (inbox / f"hs-{i:02d}").mkdir(parents=True)
        (inbox / f"hs-{i:02d}" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([i]) * 10)
    return inbox


@pytest.mark.parametrize(("move", "batch"), [(False, 4), (True, 2)], ids=["one-pass", "batches"])
def test_two_concurrent_runs_never_double_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, move: bool,
                                                  batch: int) -> None:
    import flows.digitize as fd
    from flows.params import RunSettings

    calls: Counter = Counter()
    gate = threading.Event()
    monkeypatch.setattr(fd, "process", _fake_process(calls, gate))
    claimed = []
    real_claim_many = claims.claim_many

    def counting_claim_many(*a, **k):
        got = real_claim_many(*a, **k)
        claimed.append([c.dossier_id for c in got])
        if len(claimed) == 2:
            gate.set()
        return got

    monkeypatch.setattr(claims, "claim_many", counting_claim_many)
    inbox, archive = _inbox(tmp_path, 6), tmp_path / "archive"
    settings = RunSettings(move_processed=move, claim_settle_seconds=0.5, max_dossiers=batch)
    reports: list[dict] = []

    def run() -> None:
        state = fd.digitize_inbox(str(inbox), str(archive), _options(tmp_path), False, settings, return_state=True)
        reports.append(state.result(raise_on_failure=False))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(reports) == 2 and all(isinstance(r, dict) for r in reports), reports
    assert calls and max(calls.values()) == 1, calls  # no dossier processed twice
    a, b = (set(r["dossiers"]) for r in reports)
    assert not a & b and len(a | b) == sum(calls.values())
    assert set(calls) <= {f"hs-{i:02d}" for i in range(6)}
    if move:  # batch after batch until the inbox is drained, each dossier by exactly one run
        assert set(calls) == {f"hs-{i:02d}" for i in range(6)}
        assert sorted(p.parent.name for p in (inbox / "processed").rglob("*.png")) == sorted(calls)


def _repeated_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A run of the inbox flow over two documents (fake processing, no moves): call it as often as needed."""
    import flows.digitize as fd
    from flows.params import RunSettings

    calls: Counter = Counter()
    gate = threading.Event()
    gate.set()
    monkeypatch.setattr(fd, "process", _fake_process(calls, gate))
    inbox, archive = _inbox(tmp_path, 2), tmp_path / "archive"
    settings = RunSettings(move_processed=False, claim_settle_seconds=0)

    def run(force: bool = False):
        return fd.digitize_inbox(str(inbox), str(archive), _options(tmp_path), force, settings, return_state=True)

    return run, calls, archive


def test_restarted_run_skips_cached_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, calls, _ = _repeated_runs(tmp_path, monkeypatch)
    first, second = run(), run()
    assert sum(calls.values()) == 2  # the second run hit the cache (same content, version, options)
    assert [o["status"] for o in first.result()["outcomes"]] == ["archived", "archived"]
    assert [o["status"] for o in second.result()["outcomes"]] == ["skipped", "skipped"]
    forced = run(force=True)
    assert forced.is_completed() and sum(calls.values()) == 4


def test_emptied_archive_is_refilled_not_answered_from_the_prefect_cache(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: an archive wiped and recreated at the same path got "Cached" outcomes for two days,
    so nothing was archived and the inputs stayed in the inbox ("record not verified")."""
    run, calls, archive = _repeated_runs(tmp_path, monkeypatch)
    run()
    run()  # stores the cached outcome
    shutil.rmtree(archive)
    again = run()
    assert [o["status"] for o in again.result()["outcomes"]] == ["archived", "archived"]
    assert sum(calls.values()) == 4
    assert len(list((archive / "records").rglob("record.json"))) == 2


def test_cli_prints_summary_and_exits_3_on_quarantine(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    inbox = tmp_path / "inbox"
    (inbox / "hs").mkdir(parents=True)
    (inbox / "hs" / "bad.pdf").write_bytes(b"garbage")
    result = CliRunner().invoke(app, ["digitize", str(inbox), "--archive", str(tmp_path / "a"),
                                      "--min-file-age", "0", "--jobs", "1"])
    assert result.exit_code == 3, result.output
    assert "quarantined" in result.output and "bad.pdf" in result.output
    assert (inbox / "processed" / "quarantine" / "hs" / "bad.pdf").exists()


def test_cli_with_a_configured_server_starts_the_first_pages_ahead_too(tmp_path: Path, monkeypatch) -> None:
    """No temporary server to wait for (the harness is the configured API): the first pages are still
    started ahead, and the input is archived once with no work folder left."""
    from typer.testing import CliRunner

    from flows import ahead
    from flows.cli import app
    from pipeline.synth import save_pdf

    inbox = tmp_path / "inbox"
    (inbox / "hs").mkdir(parents=True)
    page, _ = render_page(Document(), dpi=150)
    save_pdf([page, page], inbox / "hs" / "scan.pdf", dpi=150)
    started: list[int] = []
    real = ahead.start_ahead

    def counted(*args: object, **kwargs: object) -> int:
        started.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(ahead, "start_ahead", counted)
    result = CliRunner().invoke(app, ["digitize", str(inbox), "--archive", str(tmp_path / "a"),
                                      "--min-file-age", "0", "--jobs", "1", "--work-dir", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert started == [2]
    assert len(list((tmp_path / "a" / "records").rglob("record.json"))) == 1
    assert not list((tmp_path / "w").iterdir())


def test_claims_of_killed_or_finished_runs_are_taken_over(tmp_path: Path) -> None:
    import socket
    import subprocess

    archive = LocalArchive(tmp_path / "a")
    dead = subprocess.Popen(["true"])
    dead.wait()
    far = "2999-01-01T00:00:00+00:00"
    archive.put_json(claims.claim_key("d1"), {"dossier_id": "d1", "owner": "killed", "nonce": "n1",
                                              "expires_at": far, "host": socket.gethostname(), "pid": dead.pid})
    archive.put_json(claims.claim_key("d2"), {"dossier_id": "d2", "owner": "finished", "nonce": "n2",
                                              "expires_at": far, "host": "elsewhere", "pid": 1})
    archive.put_json(claims.claim_key("d3"), {"dossier_id": "d3", "owner": "running", "nonce": "n3",
                                              "expires_at": far, "host": "elsewhere", "pid": 1})
    got = claims.claim_many(archive, ["d1", "d2", "d3"], "me", settle_seconds=0,
                            alive=lambda c: c.owner != "finished")
    assert sorted(c.dossier_id for c in got) == ["d1", "d2"]


s3_server = archive_fixtures.s3_server
store = archive_fixtures.store


def test_claims_exclusive_on_local_and_s3(store) -> None:
    results = _claim_race(store, dossiers=5, runs=2, settle_seconds=0.5)
    taken = [d for ds in results.values() for d in ds]
    assert taken and len(taken) == len(set(taken)), results
    for owner, ds in results.items():
        for d in ds:
            claims.release(store, claims.read_claim(store, d))
            assert claims.read_claim(store, d) is None, owner


def test_concurrent_runs_on_an_s3_archive(s3_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.digitize as fd
    from flows.params import RunSettings

    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    bucket = archive_fixtures.new_bucket()
    calls: Counter = Counter()
    gate = threading.Event()
    gate.set()
    monkeypatch.setattr(fd, "process", _fake_process(calls, gate))
    inbox = _inbox(tmp_path, 4)
    settings = RunSettings(claim_settle_seconds=0.5, max_dossiers=1)
    states = []
    threads = [threading.Thread(target=lambda: states.append(fd.digitize_inbox(
        str(inbox), f"s3://{bucket}/sohoa", _options(tmp_path), False, settings, return_state=True)))
        for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(states) == 2 and max(calls.values()) == 1 and len(calls) == 4, calls
    assert sorted(p.parent.name for p in (inbox / "processed").rglob("*.png")) == sorted(calls)
    rep = {**states[0].result(), "outcomes": [{"status": "archived", "searchable_pdf": "records/x/s.pdf",
                                               "label": "x", "dossier_id": "d"}]}
    links = artifacts.pdf_links(rep, open_archive(rep["archive"]))
    assert "X-Amz-Signature" in links


def test_run_with_nothing_to_do_clears_the_work_folder_a_killed_run_left(tmp_path: Path) -> None:
    """Regression: a CLI killed after archiving everything left its pages-ahead folder behind, and the
    next run, with nothing to digitize, never made a work folder, so never cleared it."""
    import subprocess
    import sys

    from flows.digitize import digitize_inbox

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = tmp_path / "work" / f"sohoa-{gone.pid}-0123456789ab-x1"
    (left / "p000001.pdf").parent.mkdir(parents=True)
    (left / "p000001.pdf").write_bytes(b"%PDF")
    (tmp_path / "inbox").mkdir()
    digitize_inbox(str(tmp_path / "inbox"), str(tmp_path / "archive"), _options(tmp_path), return_state=True)
    assert not left.exists()


def test_young_files_are_named_as_waiting_in_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Files just copied in are not silently dropped: the report, the run-summary artifact and the CLI
    summary name each one as "waiting (still being written)", with the files of the dossier they hold back."""
    import os

    import flows.digitize as fd
    from flows.cli import print_summary
    from flows.params import RunSettings

    calls: Counter = Counter()
    gate = threading.Event()
    gate.set()
    monkeypatch.setattr(fd, "process", _fake_process(calls, gate))
    inbox = _inbox(tmp_path, 2)
    old = time.time() - 3600
    for f in inbox.rglob("*.png"):
        os.utime(f, (old, old))
    (inbox / "hs-01" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n just copied")  # young: holds hs-01 back
    (inbox / "loose.png").write_bytes(b"\x89PNG\r\n\x1a\n loose, just copied")
    (inbox / "hs-00" / "c.pdf.part").write_bytes(b"%PDF")  # a download still running: holds hs-00 back
    options = _options(tmp_path).model_copy(update={"min_file_age_seconds": 600})
    state = fd.digitize_inbox(str(inbox), str(tmp_path / "archive"), options, False,
                              RunSettings(move_processed=False), return_state=True)
    rep = state.result(raise_on_failure=False)
    waiting = {w["label"]: w["reason"] for w in rep["waiting"]}
    assert set(waiting) == {"hs-00/a.png", "hs-00/c.pdf.part", "hs-01/a.png", "hs-01/b.png", "loose.png"}
    assert waiting["hs-01/b.png"].startswith("modified") and waiting["hs-00/c.pdf.part"] == "partial file name"
    assert waiting["hs-01/a.png"] == "its dossier has a file still being written"
    assert rep["totals"]["waiting"] == 5 and "5 waiting (still being written)" in rep["summary_line"]
    assert not calls
    summary = next(a for a in read_artifacts(state.state_details.flow_run_id) if a.key == "run-summary")
    assert "Waiting (still being written): 5" in summary.data and "`hs-01/b.png`" in summary.data
    print_summary(rep)
    out = capsys.readouterr().out
    assert "waiting (still being written)" in out and "loose.png" in out and "hs-01/b.png" in out


def test_summary_never_breaks_the_review_command_or_the_archive_path(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression (first run of the sample): on an 80-column pipe the 'archive: … (report: runs/…)' line
    was broken before 'runs/', so the path could not be copied as printed."""
    from flows.cli import print_summary

    archive = "/srv/sohoa/provinces/quang-ngai/archive-of-the-one-stop-centre-2026"
    totals = dict.fromkeys(("documents", "archived", "skipped", "quarantined", "failed", "deferred", "waiting",
                            "review_needed", "pages", "ocr_pages", "text_pages", "seconds", "pages_per_minute"), 0)
    rep = {"totals": totals, "outcomes": [], "archive": archive, "run_id": "1c156b4c-91bb-40da-93c2-37d068eec510",
           "review": {"documents": ["a"], "command": f"sohoa review --archive {archive}"}}
    print_summary(rep)
    lines = capsys.readouterr().out.splitlines()
    assert f"archive: {archive}  (report: runs/1c156b4c-91bb-40da-93c2-37d068eec510/report.json)" in lines
    assert f"1 document(s) need review: sohoa review --archive {archive}" in lines
