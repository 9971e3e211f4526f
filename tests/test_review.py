"""The review loop's library and terminal path, on the local archive and on S3 (tests/s3server.py): a rendered
document whose number and day were left blank is digitized once (real Tesseract), copied into each test's
store, reviewed, and the new version checked (history, index, manifest, verify, nd30, corrections)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import document, intake
from pipeline.archive import Archive, LocalArchive, keys
from pipeline.archive import records as store_ops
from pipeline.archive.verify import verify
from pipeline.errors import ReviewInputError, RevisionConflictError
from pipeline.extract.nd30 import to_nd30
from pipeline.options import Options
from pipeline.reader import Reader
from pipeline.review import corrections, decide, evidence, form, select
from pipeline.synth import Document, render_page
from schemas.record import Record
from tests import archive_fixtures

s3_server = archive_fixtures.s3_server
store = archive_fixtures.store
DOSSIER = "000.00.20.H27-240126-0031"
GOOD = {"number": "51", "issued_date": "2025-01-17", "number_symbol": "", "reviewer": "Nguyễn Thị Lan"}


@pytest.fixture(scope="module")
def digitized(tmp_path_factory: pytest.TempPathFactory) -> LocalArchive:
    """One archive holding the blank-number, blank-day document as digitized (review pending)."""
    tmp = tmp_path_factory.mktemp("review")
    (tmp / "inbox" / DOSSIER).mkdir(parents=True)
    path = tmp / "inbox" / DOSSIER / "quyet-dinh.png"
    page, _ = render_page(Document(number=None, day="    "), dpi=150)
    page.convert("L").save(path, dpi=(150, 150))
    archive = LocalArchive(tmp / "archive")
    item = intake.InputFile(path, DOSSIER, path.name, path.stat().st_size, path.stat().st_mtime)
    out = document.process(item, archive, Options(jobs=1, ocr_dpi=150, detect_orientation=False,
                                                  min_file_age_seconds=0, work_dir=tmp / "work"))
    assert out.status == "archived"
    return archive


@pytest.fixture
def archive(store: Archive, digitized: LocalArchive) -> Archive:
    """The digitized document's objects, copied into this test's store (local or S3)."""
    for key in digitized.list(""):
        info = digitized.stat(key)
        store.put_bytes(key, digitized.get_bytes(key), content_type=info.content_type or "application/octet-stream",
                        metadata=info.metadata)
    return store


def snapshot(archive: Archive) -> dict[str, str | None]:
    return {k: archive.stat(k).sha256 for k in archive.list("")}  # type: ignore[union-attr]


def pending_one(archive: Archive) -> dict:
    (rec,) = select.pending(archive)
    return rec


def test_a_blank_number_and_day_make_a_pending_review(archive: Archive) -> None:
    rec = pending_one(archive)
    assert rec["review"]["status"] == "pending"
    assert {"number", "issued_date"} <= set(rec["review"]["fields"])
    assert rec["metadata"]["number"] is None and rec.get("revision") is None


def test_evidence_crops_frame_the_blank_and_are_archived_under_the_record(archive: Archive) -> None:
    import io

    from PIL import Image

    rec = pending_one(archive)
    items = {fe.name: fe for fe in evidence.build(archive, rec)}
    number = items["number"]
    assert number.located == "neighbour:symbol" and "blank" in number.reason
    assert archive.get_bytes(keys.evidence_crop(rec["document_id"], "number")) == number.png
    im = Image.open(io.BytesIO(number.png))
    assert im.width > 3 * im.height  # a line of the header, not the page
    assert verify(archive).ok, "crops are known objects, not orphans"


def test_review_commits_a_new_version_the_index_manifest_and_exports_follow(archive: Archive) -> None:
    rec = pending_one(archive)
    old_bytes = archive.get_bytes(keys.record(rec["document_id"]))
    new = decide.commit(archive, decide.decision_from(rec, GOOD))
    doc = rec["document_id"]
    assert new["revision"] == 2 and new["review"]["status"] == "corrected" and not new["review"]["needed"]
    assert new["metadata"]["number"] == "51" and new["metadata"]["number_symbol"] == "51/QĐ-UBND"
    assert new["metadata"]["issued_date"] == "2025-01-17"
    d = new["review"]["decisions"]
    assert d["number"] == {"source": "operator", "action": "corrected", "machine_value": None,
                           "reason": "number handwritten or unclear: blank left empty"}
    assert new["review"]["reviewed_by"] == "Nguyễn Thị Lan" and new["review"]["reviewed_at"]
    assert archive.get_bytes(keys.history(doc, 1)) == old_bytes
    assert store_ops.get_record(archive, doc) == new
    Record.model_validate(new)
    r = Reader(archive)
    assert [x["document_id"] for x in r.find(number_symbol="51/QĐ-UBND")] == [doc]
    assert [x["document_id"] for x in r.find(issued_date="2025-01-17")] == [doc]
    manifest = r.dossier(DOSSIER)
    assert manifest and manifest["documents"][0]["number_symbol"] == "51/QĐ-UBND"
    assert to_nd30(new)["CodeNumber"] == "51" and to_nd30(new)["IssuedDate"] == "2025-01-17"
    assert select.pending(archive) == []
    assert [h.document_id for h in r.search("51/QĐ-UBND", field="number_symbol")] == [doc]  # search follows too
    report = verify(archive)
    assert report.ok, report.problems
    (line,) = corrections.truth_lines(r.records())
    assert line["id"] == "quyet-dinh" and line["number"] == "51" and line["issued_date"] == "2025-01-17"
    assert set(line["corrected"]) >= {"number", "issued_date", "number_symbol"}


@pytest.mark.parametrize(("answers", "message"), [
    ({**GOOD, "number": "5a"}, "'5a' is not a number"),
    ({**GOOD, "issued_date": "2025-02-30"}, "'2025-02-30' is not a date"),
    ({**GOOD, "issued_date": "17/01/2025"}, "'17/01/2025' is not a date"),
    ({**GOOD, "reviewer": "  "}, "give your name"),
])
def test_bad_answers_get_a_clear_message_and_change_nothing(archive: Archive, answers: dict, message: str) -> None:
    rec = pending_one(archive)
    before = snapshot(archive)
    with pytest.raises(ReviewInputError) as e:
        decide.commit(archive, decide.decision_from(rec, answers))
    assert message in e.value.message_en and "nothing was changed" in e.value.message_en
    assert snapshot(archive) == before


def test_the_form_schema_refuses_what_prefect_api_would_refuse() -> None:
    """Prefect's API validates run input against the model's JSON Schema (schema_tools.validate) before
    the run resumes; the patterns are in the schema, so a number with letters never reaches the flow."""
    from prefect.utilities.schema_tools import ValidationError, validate

    rec = {"metadata": {"number": None, "summary": "Về việc x"},
           "review": {"fields": ["number", "issued_date", "summary", "component_kind"]}}
    schema = form.form_model(rec, reviewer="Lan").model_json_schema()
    assert list(schema["properties"])[:4] == ["number", "issued_date", "summary", "component_kind"]
    assert schema["properties"]["summary"]["default"] == "Về việc x"
    assert schema["properties"]["component_kind"]["type"] == "string"  # a field sohoa does not know: text
    ok = {"number": "05", "issued_date": "", "summary": "Về việc x", "component_kind": "receipt",
          "not_administrative": False, "reviewer": "Lan"}
    validate(ok, schema, raise_on_error=True)
    for bad, field in (({**ok, "number": "5a"}, "number"), ({**ok, "issued_date": "17/01/2025"}, "issued_date"),
                       ({**ok, "reviewer": ""}, "reviewer")):
        with pytest.raises(ValidationError, match=f"field '{field}'"):
            validate(bad, schema, raise_on_error=True)


def test_the_same_decision_twice_is_a_noop_and_a_stale_one_a_conflict(archive: Archive) -> None:
    rec = pending_one(archive)
    decision = decide.decision_from(rec, GOOD)
    first = decide.commit(archive, decision)
    before = snapshot(archive)
    assert decide.commit(archive, decision) == first  # a suspended run re-executed after its resume
    assert snapshot(archive) == before
    with pytest.raises(RevisionConflictError):
        decide.commit(archive, decide.decision_from(rec, {**GOOD, "number": "52"}))


def test_confirming_keeps_the_values_and_says_confirmed(archive: Archive) -> None:
    rec = pending_one(archive)
    answers = {n: form.initial(rec["metadata"].get(n), form.spec(n).kind) for n in rec["review"]["fields"]}
    new = decide.commit(archive, decide.decision_from(rec, {**answers, "reviewer": "Lan", "not_administrative": True}))
    assert new["review"]["status"] == "confirmed" and new["review"]["not_administrative"] is True
    assert new["metadata"] == rec["metadata"]
    assert {d["action"] for d in new["review"]["decisions"].values()} == {"confirmed"}


def test_verify_reports_a_missing_or_foreign_history_version(archive: Archive) -> None:
    rec = pending_one(archive)
    new = decide.commit(archive, decide.decision_from(rec, GOOD))
    doc = new["document_id"]
    archive.put_json(keys.history(doc, 1), dict(rec, document_id="0" * 64))
    assert [p.kind for p in verify(archive).problems] == ["history"]
    archive.delete(keys.history(doc, 1))
    assert [(p.kind, p.key) for p in verify(archive).problems] == [("missing", keys.history(doc, 1))]


KILL_AT = """
import os, signal, sys
from pipeline.archive import open_archive
from pipeline.archive import records as store
from pipeline.review import decide, select
archive = open_archive(sys.argv[1])
target = sys.argv[2]
put = archive.put_json
def put_then_maybe_die(key, value, *a, **kw):
    if target == "before-record" and key.endswith("/record.json"):
        os.kill(os.getpid(), signal.SIGKILL)
    out = put(key, value, *a, **kw)
    if target in key:
        os.kill(os.getpid(), signal.SIGKILL)
    return out
archive.put_json = put_then_maybe_die
(rec,) = select.pending(archive)
decide.commit(archive, decide.decision_from(rec, {"number": "51", "issued_date": "2025-01-17",
                                                  "number_symbol": "", "reviewer": "Lan"}))
"""


@pytest.mark.parametrize("kill_at", ["/history/", "index/number_symbol/", "before-record"])
def test_a_review_killed_mid_commit_leaves_no_half_written_record(tmp_path: Path, digitized: LocalArchive,
                                                                  kill_at: str) -> None:
    """SIGKILL after the history copy, after the new index entries, right before record.json: the committed
    record is the old one, whole; verify is clean; the next try commits the review."""
    archive = LocalArchive(tmp_path / "archive")
    for key in digitized.list(""):
        info = digitized.stat(key)
        archive.put_bytes(key, digitized.get_bytes(key), content_type=info.content_type or "", metadata=info.metadata)
    (rec,) = select.pending(archive)
    old = archive.get_bytes(keys.record(rec["document_id"]))
    proc = subprocess.run([sys.executable, "-c", KILL_AT, str(archive.root), kill_at], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, timeout=60, env=os.environ)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert archive.get_bytes(keys.record(rec["document_id"])) == old
    report = verify(archive)
    assert report.ok, report.problems
    assert select.pending(archive), "still pending: the answer was not committed"
    new = decide.commit(archive, decide.decision_from(select.pending(archive)[0], GOOD))
    assert new["revision"] == 2 and verify(archive).ok


def test_a_1_0_record_is_still_valid_and_pending_when_it_needs_review(archive: Archive) -> None:
    rec = pending_one(archive)
    old = {k: v for k, v in rec.items() if k != "revision"}
    old["schema_version"] = "1.0"
    old["review"] = {k: rec["review"][k] for k in ("needed", "fields", "reasons")}
    assert Record.model_validate(old).review.status == "pending"


@pytest.fixture
def cli_env(request: pytest.FixtureRequest, archive: Archive) -> Iterator[dict[str, str]]:
    yield request.getfixturevalue("s3_server").env() if archive.uri.startswith("s3://") else {}


def test_terminal_review_refuses_then_commits(archive: Archive, cli_env: dict[str, str], tmp_path: Path) -> None:
    from flows.cli import app

    rec = pending_one(archive)
    # number: letters refused, then 51; date: an impossible one refused, then a real one; number/symbol:
    # Enter takes the offered 51/QĐ-UBND; not administrative: n; commit: y.
    answers = "5a\n51\n2025-02-30\n2025-01-17\n\nn\ny\n"
    res = CliRunner().invoke(app, ["review", "--archive", archive.uri, "--reviewer", "Lan", "--crops",
                                   str(tmp_path / "crops")], input=answers, env=cli_env)
    assert res.exit_code == 0, res.output
    assert "'5a' is not a number" in res.output and "'2025-02-30' is not a date" in res.output
    new = store_ops.get_record(archive, rec["document_id"])
    assert new["metadata"]["number_symbol"] == "51/QĐ-UBND" and new["metadata"]["issued_date"] == "2025-01-17"
    assert new["review"]["decisions"]["number"]["source"] == "operator" and new["revision"] == 2
    assert (tmp_path / "crops" / f"{rec['document_id'][:12]}-number.png").is_file()
    res = CliRunner().invoke(app, ["records", "corrections", "--archive", archive.uri], env=cli_env)
    assert res.exit_code == 0, res.output
    (line,) = [json.loads(x) for x in res.stdout.splitlines()]
    assert line["number"] == "51" and line["id"] == "quyet-dinh"


def test_reprocessing_keeps_the_operator_values(digitized: LocalArchive, tmp_path: Path) -> None:
    """A re-extraction after an extraction improvement never undoes a review: operator values win."""
    from flows.reprocess import _reextract

    archive = LocalArchive(tmp_path / "archive")
    for key in digitized.list(""):
        info = digitized.stat(key)
        archive.put_bytes(key, digitized.get_bytes(key), content_type=info.content_type or "", metadata=info.metadata)
    reviewed = decide.commit(archive, decide.decision_from(pending_one(archive), GOOD))
    (tmp_path / "work").mkdir()
    _reextract(archive, reviewed, Options(jobs=1, work_dir=tmp_path / "work"), tmp_path / "work")
    again = store_ops.get_record(archive, reviewed["document_id"])
    assert again["metadata"]["number_symbol"] == "51/QĐ-UBND" and again["metadata"]["issued_date"] == "2025-01-17"
    assert again["review"]["decisions"] == reviewed["review"]["decisions"], again["review"]
    flagged = set(again["review"]["fields"])  # what this extraction doubts that no operator decided
    assert not flagged & set(reviewed["review"]["decisions"])
    assert again["review"]["needed"] == bool(flagged) and (again["review"]["status"] == "pending") == bool(flagged)
    assert again["revision"] == 2 and verify(archive).ok


def test_component_fields_are_reviewed_like_metadata(digitized: LocalArchive) -> None:
    """The form is generic over `review.fields`: a dossier component's flagged kind and ID number get their
    own inputs and formats, and the answer lands in record.component."""
    (rec,) = select.pending(digitized)
    rec = {**rec, "component": {
        "kind": "other", "confidence": 0.4, "cues": [], "id_card": {"number": None, "full_name": "Nguyễn Văn An"},
        "evidence": {"kind": {"page": 1, "bbox": [100.0, 50.0, 300.0, 70.0], "confidence": 0.4}}},
        "review": {**rec["review"], "fields": ["component.kind", "component.id_card.number"],
                   "reasons": ["component.kind: unsure kind", "component.id_card.number: digits unclear"]}}
    schema = form.form_model(rec).model_json_schema()["properties"]
    assert schema["component.kind"]["default"] == "other" and "id_card" in schema["component.kind"]["pattern"]
    assert schema["component.id_card.number"]["pattern"] == "^([0-9]{12})?$"
    with pytest.raises(ReviewInputError, match=r"component\.id_card\.number"):
        decide.decision_from(rec, {"component.kind": "id_card", "component.id_card.number": "07920400123",
                                   "reviewer": "Lan"})
    decision = decide.decision_from(rec, {"component.kind": "id_card", "component.id_card.number": "079204001234",
                                          "reviewer": "Lan"})
    new = decide.apply(rec, decision)
    assert new["component"]["kind"] == "id_card" and new["component"]["id_card"]["number"] == "079204001234"
    assert new["component"]["id_card"]["full_name"] == "Nguyễn Văn An"
    assert new["component"]["evidence"]["kind"]["source"] == "operator"
    assert new["review"]["decisions"]["component.kind"]["machine_value"] == "other"
    assert rec["component"]["kind"] == "other", "the input record is not changed"
    assert evidence.region(rec, "component.kind")[2] == "evidence"
    (line,) = corrections.truth_lines([new])
    assert line["component.id_card.number"] == "079204001234"
