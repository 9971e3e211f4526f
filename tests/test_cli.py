"""The `sohoa` command end to end: Prefect's ephemeral mode, real Tesseract, a local archive."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from pipeline.synth import Document, render_page, save_pdf
from schemas.__main__ import SCHEMA_FILE

SOHOA = [sys.executable, "-m", "flows.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run([*SOHOA, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=full_env)


def small_inbox(root: Path, *, bad: bool = False) -> Path:
    inbox = root / "inbox"
    (inbox / "000.00.20.H27-240126-0001").mkdir(parents=True)
    page, _ = render_page(Document(), dpi=150)
    letter, _ = render_page(Document(number="299", symbol="UBND-TTHC", type_name=None,
                                     summary_lines=("V/v công bố thủ tục hành chính",)), dpi=150)
    save_pdf([page], inbox / "000.00.20.H27-240126-0001" / "quyet-dinh.pdf", dpi=150)
    letter.save(inbox / "cong-van.png", dpi=(150, 150))
    if bad:
        (inbox / "000.00.20.H27-240126-0001" / "empty.pdf").write_bytes(b"")
    return inbox


def snapshot(archive: Path) -> dict[str, int]:
    return {str(p.relative_to(archive)): p.stat().st_mtime_ns for p in archive.rglob("*")
            if (p.is_file() and p.relative_to(archive).parts[0] not in ("runs", ".sohoa-meta"))
            or (p.is_file() and p.relative_to(archive).parts[:2] == (".sohoa-meta", "records"))}


def export(archive: Path, *extra: str) -> list[dict]:
    res = run("records", "export", "--archive", str(archive), *extra)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_digitize_twice_writes_nothing_new_and_exports_the_same_valid_records(tmp_path):
    inbox, archive = small_inbox(tmp_path), tmp_path / "archive"
    first = run("digitize", str(inbox), "--archive", str(archive), "--min-file-age", "0")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "sohoa digitize — summary" in first.stdout and "pages/min" in first.stdout
    records = export(archive)
    assert len(records) == 2
    before = snapshot(archive)

    second = run("digitize", str(inbox), "--archive", str(archive), "--min-file-age", "0")
    assert second.returncode == 0, second.stdout + second.stderr
    assert snapshot(archive) == before, "a second run must not rewrite any record object"
    assert export(archive) == records

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for rec in records:
        jsonschema.validate(rec, schema)
    with_text = export(archive, "--with-text")
    assert all(r["text"].strip() for r in with_text)
    nd30 = export(archive, "--format", "nd30", "--with-text")
    assert {r["DocumentId"] for r in nd30} == {r["document_id"] for r in records}
    assert all({"TypeName", "CodeNotation", "IssuedDate", "OrganName", "SignerInfo", "text"} <= set(r) for r in nd30)
    shown = run("records", "show", records[0]["document_id"][:10], "--archive", str(archive))
    assert shown.returncode == 0 and json.loads(shown.stdout)["document_id"] == records[0]["document_id"]


def test_quarantined_input_gives_exit_code_3_and_is_listed(tmp_path):
    inbox, archive = small_inbox(tmp_path, bad=True), tmp_path / "archive"
    res = run("digitize", str(inbox), "--archive", str(archive), "--min-file-age", "0")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "E_EMPTY_FILE" in res.stdout
    assert len(export(archive)) == 2


def test_missing_tesseract_exits_4_with_the_install_command(tmp_path):
    res = run("digitize", str(small_inbox(tmp_path)), "--archive", str(tmp_path / "a"),
              env={"PATH": str(tmp_path / "nothing-here")}, timeout=60)
    assert res.returncode == 4
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in " ".join(res.stderr.split())


def test_unknown_record_exits_2(tmp_path):
    res = run("records", "show", "0123456789", "--archive", str(tmp_path))
    assert res.returncode == 2 and "E_RECORD_NOT_FOUND" in res.stderr


def test_kill_9_mid_batch_then_rerun_completes_with_one_record_per_input(tmp_path):
    """A run killed at a random point leaves nothing a reader can see half-written; the next run
    finishes the batch with exactly one record per input and leaves no temp files behind."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(4):
        page, _ = render_page(Document(number=f"{i + 10}", body="Nội dung ngắn."), dpi=150)
        page.save(inbox / f"doc{i}.png", dpi=(150, 150))
    archive, work = tmp_path / "archive", tmp_path / "work"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "SOHOA_WORK_DIR": str(work)}
    seed = random.randrange(1_000_000)
    delay = random.Random(seed).uniform(0.0, 4.0)
    proc = subprocess.Popen([*SOHOA, "digitize", str(inbox), "--archive", str(archive), "--min-file-age", "0"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (archive / "records").exists():  # wait until work has begun
        time.sleep(0.1)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    # nothing half-visible: every record.json has all its artifacts
    for rec in archive.glob("records/*/record.json"):
        body = json.loads(rec.read_text(encoding="utf-8"))
        for key in body["artifacts"].values():
            assert (archive / key).is_file(), f"seed {seed}: {key} missing behind a committed record"

    res = run("digitize", str(inbox), "--archive", str(archive), "--min-file-age", "0",
              env={"SOHOA_WORK_DIR": str(work)})
    assert res.returncode == 0, f"seed {seed}: {res.stdout}{res.stderr}"
    records = export(archive)
    assert sorted(r["source"]["filename"] for r in records) == [f"doc{i}.png" for i in range(4)], f"seed {seed}"
    leftovers = [p for p in archive.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == [], f"seed {seed}: temp files left: {leftovers}"
    assert not [p for p in work.iterdir() if p.name.startswith("sohoa-")], f"seed {seed}: work dirs left"


@pytest.mark.parametrize("command", [["--help"], ["records", "--help"]])
def test_help_lists_commands(command):
    res = run(*command, timeout=60)
    assert res.returncode == 0 and "Usage" in res.stdout


def test_interactive_digitize_waits_for_files_just_copied_in(tmp_path):
    """A file copied in right before `sohoa digitize` is what the user wants digitized: the CLI says it waits
    for it (min file age 3 s here) and archives it, instead of leaving it for a next run."""
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    page, _ = render_page(Document(), dpi=150)
    page.convert("L").save(inbox / "just-copied.png", dpi=(150, 150))
    res = run("digitize", str(inbox), "--archive", str(archive), "--min-file-age", "3")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "still being written: just-copied.png" in res.stderr
    assert re.search(r"waiting \(still being written\)\s*│\s*0 │", res.stdout), res.stdout
    assert re.search(r"archived now\s*│\s*1 │", res.stdout), res.stdout
    assert len(export(archive)) == 1
