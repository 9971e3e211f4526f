"""The inbox as an S3 prefix, against a real S3 server (tests/s3server.py): scan, staging, moves, a full flow run."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from pipeline import intake
from pipeline.archive import LocalArchive, keys, records
from pipeline.archive.base import sha256_file
from pipeline.archive.s3 import S3Archive
from pipeline.options import Options
from pipeline.synth import Document, render_page
from tests import archive_fixtures
from tests.prefect_fixtures import prefect_harness  # noqa: F401  (fixture import)

s3_server = archive_fixtures.s3_server
DOSSIER = "000.00.20.H27-240126-0042"


@pytest.fixture
def s3_env(s3_server, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {**s3_server.env(), "SOHOA_S3_RETRIES": "1"}.items():
        monkeypatch.setenv(k, v)


def _store(s3_server, bucket: str, prefix: str = "inbox") -> S3Archive:
    return S3Archive(bucket, prefix, archive_fixtures.s3_config(s3_server))


def _put(store: S3Archive, key: str, data: bytes) -> None:
    """Upload as a scanner would: a plain PUT, no sha256 metadata."""
    store._ensure_bucket()
    store.client.put_object(store.bucket, f"{store.prefix}/{key}", io.BytesIO(data), len(data))


def _keys(store: S3Archive, prefix: str = "") -> list[str]:
    return list(store.list(prefix))


def _png() -> bytes:
    page, _ = render_page(Document(), dpi=150)
    buf = io.BytesIO()
    page.convert("L").save(buf, format="PNG", dpi=(150, 150))
    return buf.getvalue()


def _quarantine(archive: LocalArchive, item: intake.InputFile, code: str) -> None:
    records.quarantine(archive, dossier_id=item.dossier_id, filename=item.filename, sha256=sha256_file(item.path),
                       source=item.path, error={"code": code, "message": "m", "message_vi": "m", "stage": "s",
                                                "exception": "E"})


def test_scan_stage_and_move_rules(s3_server, tmp_path: Path) -> None:
    from flows.inbox_s3 import S3Inbox

    store = _store(s3_server, archive_fixtures.new_bucket())
    for key, data in (("D1/a.png", b"\x89PNG\r\n\x1a\n a"), ("D1/.DS_Store", b"x"), ("D2/b.pdf.part", b"%PDF"),
                      ("D2/c.pdf", b"%PDF-1.4 c"), ("loose.pdf", b"%PDF-1.4 l"), ("processed/D0/old.pdf", b"%PDF"),
                      (".hidden/x.pdf", b"%PDF"), ("D3/bug.pdf", b"%PDF-1.4 bug")):
        _put(store, key, data)
    inbox = S3Inbox(store, tmp_path / "work")
    items = inbox.scan(min_age_seconds=0)
    assert [i.label for i in items] == ["D1/a.png", "D2/c.pdf", "D3/bug.pdf", "loose.pdf"]
    assert inbox.incomplete(0) == {"D2"}  # a partial upload name keeps the whole dossier back
    assert inbox.scan(min_age_seconds=3600) == [] and inbox.incomplete(3600) == {"D1", "D2", "D3"}
    store.client._create_multipart_upload(store.bucket, "inbox/D3/big.pdf", {})  # an upload still in progress
    assert inbox.incomplete(0) == {"D2", "D3"}
    assert inbox.waiting(0) == [{"label": "D2/b.pdf.part", "reason": "partial file name"},
                                {"label": "D3/big.pdf", "reason": "upload in progress"}]

    staged = inbox.stage(items)
    assert [s.path.read_bytes()[:4] for s in staged] == [b"\x89PNG", b"%PDF", b"%PDF", b"%PDF"]
    assert all(tmp_path / "work" in s.path.parents and not intake.changed_since_scan(s) for s in staged)
    by = {s.label: s for s in staged}
    archive = LocalArchive(tmp_path / "archive")
    assert inbox.move_processed(archive, staged, {s.label: "archived" for s in staged}) == []  # nothing verified
    _quarantine(archive, by["D1/a.png"], "E_UNSUPPORTED_TYPE")
    _quarantine(archive, by["D3/bug.pdf"], "E_PROCESSING")
    _put(store, "D1/a.png", b"\x89PNG\r\n\x1a\n replaced after staging")  # a re-scan replaced it meanwhile
    assert inbox.move_processed(archive, staged, {s.label: "quarantined" for s in staged}) == [], \
        "a replaced object and an E_PROCESSING one both stay"
    inbox.unstage(staged)
    assert not [p for p in inbox.root.rglob("*") if p.is_file()]

    (again,) = inbox.stage([i for i in inbox.scan(0) if i.label == "D1/a.png"])  # the next run: the new bytes
    _quarantine(archive, again, "E_UNSUPPORTED_TYPE")
    moved = inbox.move_processed(archive, [again], {again.label: "quarantined"})
    assert [m.to for m in moved] == ["processed/quarantine/D1/a.png"]
    assert store.stat("processed/quarantine/D1/a.png").sha256 == sha256_file(again.path)  # the copy carries it
    assert _keys(store, "D") == ["D1/.DS_Store", "D2/b.pdf.part", "D2/c.pdf", "D3/bug.pdf"]


@pytest.fixture(scope="module")
def flow_runs(s3_server, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict:  # noqa: F811
    """digitize-inbox twice on s3://BUCKET/inbox: a rendered page + an empty file, archive on the same server."""
    from flows.digitize import digitize_inbox

    mp = pytest.MonkeyPatch()
    for k, v in {**s3_server.env(), "SOHOA_S3_RETRIES": "1"}.items():
        mp.setenv(k, v)
    tmp = tmp_path_factory.mktemp("s3inbox")
    bucket = archive_fixtures.new_bucket()
    store = _store(s3_server, bucket)
    _put(store, f"{DOSSIER}/quyet-dinh.png", _png())
    _put(store, f"{DOSSIER}/trong.pdf", b"")
    options = Options(jobs=1, work_dir=tmp / "work", min_file_age_seconds=0, ocr_dpi=150, detect_orientation=False)
    try:
        t0 = time.monotonic()
        first = digitize_inbox(f"s3://{bucket}/inbox", f"s3://{bucket}/archive", options, return_state=True)
        second = digitize_inbox(f"s3://{bucket}/inbox/", f"s3://{bucket}/archive", options, return_state=True)
        seconds = time.monotonic() - t0
    finally:
        mp.undo()
    return {"first": first.result(raise_on_failure=False), "second": second.result(raise_on_failure=False),
            "store": store, "archive": _store(s3_server, bucket, "archive"), "work": tmp / "work", "seconds": seconds}


def test_flow_on_an_s3_inbox_archives_and_moves(flow_runs: dict) -> None:
    rep, store, archive = flow_runs["first"], flow_runs["store"], flow_runs["archive"]
    statuses = {o["filename"]: o["status"] for o in rep["outcomes"]}
    assert statuses == {"quyet-dinh.png": "archived", "trong.pdf": "quarantined"}, rep["outcomes"]
    (doc_id,) = records.iter_record_ids(archive)
    rec = records.get_record(archive, doc_id)
    assert rec["source"]["filename"] == "quyet-dinh.png" and archive.exists(rec["artifacts"]["searchable_pdf"])
    assert archive.exists(keys.run_report(rep["run_id"]))
    assert sorted(m["to"] for m in rep["moved"]) == [f"processed/{DOSSIER}/quyet-dinh.png",
                                                      f"processed/quarantine/{DOSSIER}/trong.pdf"]
    assert _keys(store) == sorted(m["to"] for m in rep["moved"])  # nothing left in the inbox proper
    assert store.stat(f"processed/{DOSSIER}/quyet-dinh.png").sha256 == doc_id
    assert not [p for p in flow_runs["work"].rglob("*") if p.is_file()], "staged copies are removed"
    assert not list(archive.list("claims/"))
    assert flow_runs["seconds"] < 60


def test_second_run_on_an_s3_inbox_does_nothing(flow_runs: dict) -> None:
    rep = flow_runs["second"]
    assert rep["outcomes"] == [] and rep["moved"] == [] and rep["dossiers"] == []
    assert len(list(records.iter_record_ids(flow_runs["archive"]))) == 1


def test_cli_accepts_an_s3_inbox(s3_env: None, s3_server, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    bucket = archive_fixtures.new_bucket()
    store = _store(s3_server, bucket)
    _put(store, "hs/bad.pdf", b"garbage")
    result = CliRunner().invoke(app, ["digitize", f"s3://{bucket}/inbox", "--archive", str(tmp_path / "a"),
                                      "--min-file-age", "0", "--jobs", "1", "--work-dir", str(tmp_path / "w")])
    assert result.exit_code == 3, result.output
    assert "bad.pdf" in result.output and _keys(store) == ["processed/quarantine/hs/bad.pdf"]
    bad = CliRunner().invoke(app, ["digitize", str(tmp_path / "missing")])
    assert bad.exit_code == 2 and "does not exist" in " ".join(bad.output.replace("│", " ").split())


def test_two_concurrent_runs_share_an_s3_inbox(s3_env: None, s3_server, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> None:  # noqa: F811
    import threading
    from collections import Counter

    import flows.digitize as fd
    from flows.params import RunSettings
    from tests.test_flows import _fake_process

    calls: Counter = Counter()
    gate = threading.Event()
    gate.set()
    monkeypatch.setattr(fd, "process", _fake_process(calls, gate))
    bucket = archive_fixtures.new_bucket()
    store = _store(s3_server, bucket)
    for i in range(4):
        _put(store, f"hs-{i:02d}/a.png", b"\x89PNG\r\n\x1a\n" + bytes([i]) * 10)
    options = Options(jobs=1, work_dir=tmp_path / "work", min_file_age_seconds=0)
    settings = RunSettings(claim_settle_seconds=0.5, max_dossiers=1)
    states: list = []
    threads = [threading.Thread(target=lambda: states.append(fd.digitize_inbox(
        f"s3://{bucket}/inbox", str(tmp_path / "archive"), options, False, settings, return_state=True)))
        for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(states) == 2 and len(calls) == 4 and max(calls.values()) == 1, calls
    assert _keys(store) == [f"processed/hs-{i:02d}/a.png" for i in range(4)]
