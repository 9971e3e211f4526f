"""Full-text search (pipeline.search) over archives written through the one commit path.

The corpus is committed with `records.write_document`, as a run commits; the same tests run on a local
directory and a real S3 server (tests/s3server.py). Filler records keep the terms rare enough for
bm25 to rank with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from pipeline.archive import Archive, LocalArchive, keys
from pipeline.archive import records as store_ops
from pipeline.archive.s3 import S3Archive
from pipeline.errors import SearchIndexMissingError
from pipeline.reader import Reader
from pipeline.search import Filters, hooks, index_path, open_index, parse
from pipeline.search.fold import words
from tests import archive_fixtures
from tests.archive_fixtures import new_bucket, s3_config
from tests.pgserver import PgServer, start_postgres
from tests.test_search_fold import vietnamese

s3_server = archive_fixtures.s3_server
store = archive_fixtures.store
ROOT = Path(__file__).resolve().parents[1]
CCCD = "079204001234"
CARD = "001099012345"  # only in the record's component (an ID card's number), printed spaced in its text


def doc_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def record(name: str, *, dossier: str | None = "HS-001", component: str | dict[str, Any] | None = None,
           **md: Any) -> dict[str, Any]:
    did = doc_id(name)
    rec: dict[str, Any] = {
        "schema_version": "1.1", "document_id": did, "dossier_id": dossier,
        "source": {"filename": f"{name}.pdf"},
        "metadata": {"citizen_ids": [], **md},
        "artifacts": {"original": keys.original(did, "pdf"), "text": keys.text(did)}}
    if component:
        rec["component"] = {"kind": component} if isinstance(component, str) else component
    return rec


def commit(archive: Archive, tmp_path: Path, rec: dict[str, Any], text: str) -> str:
    original = tmp_path / f"{rec['document_id'][:12]}.pdf"
    original.write_bytes(b"%PDF-1.7 " + rec["document_id"].encode())
    store_ops.write_document(archive, document_id=rec["document_id"], media_type="application/pdf",
                             original=original, searchable=None, text=text, record=rec)
    if rec.get("dossier_id"):
        store_ops.add_to_manifest(archive, rec["dossier_id"], [store_ops.manifest_entry(rec)])
    return str(rec["document_id"])


CORPUS: list[tuple[dict[str, Any], str]] = [
    (record("giao-dat", document_type="Quyết định", number_symbol="12/2024/QĐ-UBND", issued_date="2024-05-06",
            summary="Về việc giao đất cho hộ gia đình tại xã Đức Phong, huyện Mộ Đức",
            issuing_agency="ỦY BAN NHÂN DÂN HUYỆN MỘ ĐỨC", citizen_ids=[CCCD]),
     f"QUYẾT ĐỊNH\nGiao đất cho ông Nguyễn Văn An, CCCD số {CCCD}, thường trú tại xã Đức Phong.\f"
     "Điều 2. Chủ tịch UBND xã chịu trách nhiệm thi hành.\n"),
    (record("ocr-khong-dau", dossier="HS-002", document_type="Công văn", issued_date="2023-11-20",
            summary="V/v giao dat tai Mo Duc"),
     "Noi dung cong van ve viec giao dat o Mo Duc (OCR khong dau)\n"),
    (record("thu-hoi", dossier="HS-003", document_type="Quyết định", issued_date="2024-08-15",
            summary="Về việc thu hồi đất tại phường Trần Phú", component="land_certificate"),
     "Thu hồi đất của hộ bà Lê Thị Bình để xây dựng trường học.\n"),
    (record("don-xin", dossier="HS-003", document_type="Đơn", issued_date="2024-09-01",
            summary="Đơn đề nghị cấp giấy chứng nhận", component="application_form"),
     "Kính gửi: UBND phường. Tôi xin được giao đất, đất ở đã sử dụng ổn định.\n"),
    (record("can-cuoc", dossier="HS-003", component={"kind": "id_card", "id_card": {"number": CARD}}),
     f"CĂN CƯỚC CÔNG DÂN\nSố định danh cá nhân: {' '.join(CARD[i:i + 3] for i in range(0, 12, 3))}\n"),
    *[(record(f"filler-{i}", dossier="HS-900", document_type="Công văn", issued_date=f"2022-0{1 + i % 9}-10",
              summary=f"Về việc báo cáo tình hình kinh tế xã hội quý {i}"),
       f"Báo cáo số liệu dân số, lao động và việc làm năm 202{i % 4}; tài chính ngân sách.\n") for i in range(12)],
]


def _fill(archive: Archive, folder: Path) -> Archive:
    for rec, text in CORPUS:
        commit(archive, folder, rec, text)
    return archive


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = start_postgres()
    yield server
    server.stop()


def _index_env(kind: str, folder: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Where the hook and the readers find the index: a SQLite file in `folder`, or a new PostgreSQL schema."""
    if kind == "postgres":
        return {"SOHOA_SEARCH_BACKEND": "postgres", "SOHOA_SEARCH_DSN": request.getfixturevalue("pg_server").dsn,
                "SOHOA_SEARCH_PG_SCHEMA": f"t_{uuid.uuid4().hex[:12]}"}
    return {"SOHOA_SEARCH_INDEX": str(folder / "index" / "search.sqlite")}


def _archive(kind: str, folder: Path, request: pytest.FixtureRequest) -> Archive:
    if kind == "s3":
        return S3Archive(new_bucket(), "sohoa", s3_config(request.getfixturevalue("s3_server")))
    return LocalArchive(folder / "archive")


BACKENDS = ["local", "s3", "postgres"]  # SQLite beside a directory archive, SQLite for S3, PostgreSQL


@pytest.fixture(scope="module", params=BACKENDS)
def shared_corpus(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("corpus")
    archive = _archive(request.param, folder, request)
    env = _index_env(request.param, folder, request)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        _fill(archive, folder)
    yield archive, env
    archive.close()


@pytest.fixture
def corpus(shared_corpus: tuple[Archive, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> Archive:
    """CORPUS committed once per module and backend, its index settings in the environment during the
    test only: for the tests that only read ("fresh" for the others)."""
    archive, env = shared_corpus
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return archive


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Archive]:
    """CORPUS in a new archive and index, for a test that changes it."""
    for k, v in _index_env(request.param, tmp_path, request).items():
        monkeypatch.setenv(k, v)
    archive = _archive(request.param, tmp_path, request)
    yield _fill(archive, tmp_path)
    archive.close()


def ids(hits: list[Any]) -> list[str]:
    return [h.document_id for h in hits]


GIAO_DAT, OCR, THU_HOI, DON = (doc_id(n) for n in ("giao-dat", "ocr-khong-dau", "thu-hoi", "don-xin"))


@pytest.mark.parametrize("query", ["giao dat Mo Duc", "giao đất Mộ Đức", "GIAO ĐẤT MỘ ĐỨC", "giao đat Mộ Duc",
                                   "gIaO dẤt mO đỨc"])
def test_with_without_or_partial_marks_and_any_case_find_the_same_records(corpus: Archive, query: str) -> None:
    with Reader(corpus) as r:
        assert set(ids(r.search(query))) == {GIAO_DAT, OCR}


def test_d_and_dj_are_one_letter(corpus: Archive) -> None:
    with Reader(corpus) as r:
        assert set(ids(r.search("Duc Phong"))) == {GIAO_DAT}
        assert set(ids(r.search("Đức Phong"))) == {GIAO_DAT}
        assert OCR in ids(r.search("Đức"))  # 'Mo Duc' typed (or OCR'd) without the stroke


def test_a_misspelled_tone_still_finds(corpus: Archive) -> None:
    with Reader(corpus) as r:
        assert ids(r.search("thu hòi đắt", field="summary")) == [THU_HOI]  # hồi → hòi, đất → đắt
        assert ids(r.search("trân phu")) == [THU_HOI]


def test_exact_marks_rank_first(corpus: Archive) -> None:
    with Reader(corpus) as r:
        marked = r.search("giao đất Mộ Đức")
        assert ids(marked) == [GIAO_DAT, OCR] and marked[0].exact == 3 and marked[1].exact == 0
        bare = r.search("giao dat mo duc")  # no marks typed: no exact tier, bm25 alone
        assert {h.exact for h in bare} == {0}


def test_metadata_ranks_above_body_text(corpus: Archive) -> None:
    """'giao đất' is in GIAO_DAT's summary and body, DON's body twice: the summary wins."""
    with Reader(corpus) as r:
        hits = r.search('"giao đất"')
        assert ids(hits)[:1] == [GIAO_DAT] and DON in ids(hits)
        assert hits[0].score > hits[ids(hits).index(DON)].score


def test_phrase_queries_need_the_words_together_and_in_order(corpus: Archive) -> None:
    with Reader(corpus) as r:
        assert set(ids(r.search('"giao dat"'))) == {GIAO_DAT, OCR, DON}
        assert ids(r.search('"đất giao"')) == []
        assert ids(r.search('"dat o da su dung"')) == [DON]
        assert ids(r.search('"12/2024/QĐ-UBND"')) == ids(r.search("12/2024/qd-ubnd")) == [GIAO_DAT]


def test_prefix_or_and_exclusion(corpus: Archive) -> None:
    with Reader(corpus) as r:
        assert set(ids(r.search("chứng*"))) == {DON}
        assert set(ids(r.search("trường OR Phong"))) == {THU_HOI, GIAO_DAT}
        assert set(ids(r.search("giao dat -phuong"))) == {GIAO_DAT, OCR}


def test_snippet_highlights_the_match_with_its_marks(corpus: Archive) -> None:
    with Reader(corpus) as r:
        (hit,) = r.search("duc phong", field="text")
        assert "«Đức» «Phong»" in hit.snippet
        (hit,) = r.search("thu hoi", field="summary", mark=("<b>", "</b>"))
        assert hit.snippet == "Về việc <b>thu</b> <b>hồi</b> đất tại phường Trần Phú"
        assert (hit.dossier_id, hit.kind, hit.document_type, hit.issued_date) == (
            "HS-003", "land_certificate", "Quyết định", "2024-08-15")


def test_field_dossier_kind_and_date_filters(corpus: Archive) -> None:
    with Reader(corpus) as r:
        assert set(ids(r.search("giao dat"))) == {GIAO_DAT, OCR, DON}
        assert set(ids(r.search("giao dat", field="summary"))) == {GIAO_DAT, OCR}
        assert ids(r.search("giao dat", dossier="HS-003")) == [DON]
        assert ids(r.search("giao dat", kind="quyet dinh")) == [GIAO_DAT]  # no component: the document type
        assert ids(r.search("dat", kind="application_form")) == [DON]  # component.kind when the record has one
        assert ids(r.search("dat", kind="Quyết định")) == [GIAO_DAT]  # THU_HOI's kind is its component's
        assert set(ids(r.search("giao dat", date_from="2024"))) == {GIAO_DAT, DON}
        assert ids(r.search("giao dat", date_from="2024-05-06", date_to="2024-05")) == [GIAO_DAT]
        assert ids(r.search("giao dat", date_to="2023")) == [OCR]
        assert len(r.search("bao cao", limit=5)) == 5


def test_citizen_ids_are_not_searchable_as_text(corpus: Archive) -> None:
    with Reader(corpus) as r:
        for query in (CCCD, f'"{CCCD}"', CCCD[:6] + "*", "079 204 001 234", CARD, '"001 099 012 345"', "099"):
            assert r.search(query) == []
        assert len(r.search("Số định danh cá nhân")) == 1  # the card's record is indexed, its number masked
        (hit,) = r.search("CCCD số")
        assert CCCD not in hit.snippet and "•" * 12 in hit.snippet
        index = r.search_index()
        dumped = repr(index.dump())
        assert CCCD not in dumped and "001 099 012 345" not in dumped  # not even unindexed
        if index.backend == "sqlite":
            index.optimize()
            for path in index_path(corpus).parent.iterdir():  # type: ignore[union-attr]
                assert CCCD.encode() not in path.read_bytes() and b"001 099 012 345" not in path.read_bytes()


def test_a_corrected_record_is_found_under_its_new_value_not_its_old(fresh: Archive) -> None:
    """The review loop commits a corrected record.json alone: metadata re-indexed, the body kept."""
    corrected = json.loads(json.dumps(store_ops.get_record(fresh, THU_HOI)))
    corrected["metadata"]["summary"] = "Về việc thu hồi đất tại phường Nghĩa Chánh"
    store_ops.commit_record(fresh, corrected)
    with Reader(fresh) as r:
        assert ids(r.search("Nghia Chanh")) == [THU_HOI]
        assert ids(r.search("Tran Phu")) == []
        assert ids(r.search("xây dựng trường học")) == [THU_HOI]  # body text still indexed


def test_reindex_from_the_archive_equals_the_incremental_index(fresh: Archive, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    incremental = open_index(fresh)
    store_ops.add_to_manifest(fresh, "HS-777", [store_ops.manifest_entry(CORPUS[0][0], "bản sao.pdf")])
    corrected = dict(CORPUS[2][0], metadata={**CORPUS[2][0]["metadata"], "summary": "Thu hồi đất (đã sửa)"})
    store_ops.commit_record(fresh, corrected)
    with Reader(fresh) as r:
        assert ids(r.search("giao dat", dossier="HS-777")) == [GIAO_DAT]  # the same file in a second dossier
    monkeypatch.setenv("SOHOA_SEARCH_INDEX", str(tmp_path / "rebuilt.sqlite"))  # another index, from the archive
    monkeypatch.setenv("SOHOA_SEARCH_PG_SCHEMA", f"t_{uuid.uuid4().hex[:12]}")
    with Reader(fresh) as r:
        report = r.reindex()
        assert report.records == len(CORPUS) and report.removed == 0
        assert r.search_index().dump() == incremental.dump()
        assert r.search_index().location != incremental.location
        for query in ("thu hoi dat", "giao đất Mộ Đức", '"giao dat"'):
            assert [h.to_dict() for h in r.search(query)] == \
                [h.to_dict() for h in incremental.search(parse(query), Filters())]
        again = r.reindex()  # a second rebuild reads each record.json, no text, and rewrites nothing
        assert (again.changed, again.unchanged, again.records) == (0, len(CORPUS), len(CORPUS))


def test_default_location_is_beside_a_directory_archive_and_local_for_s3(store: Archive,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_SEARCH_INDEX", raising=False)
    path = index_path(store)
    assert path is not None
    if isinstance(store, LocalArchive):
        assert path == store.root / ".sohoa-meta" / "search.sqlite"
    else:
        assert path.parent == Path(os.environ["XDG_CACHE_HOME"]) / "sohoa" / "search"
    monkeypatch.setenv("SOHOA_SEARCH_INDEX", "off")
    assert index_path(store) is None


def test_an_index_failure_never_fails_the_commit_and_reindex_repairs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    archive = LocalArchive(tmp_path / "archive")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("SOHOA_SEARCH_INDEX", str(blocker / "search.sqlite"))  # cannot be created
    with caplog.at_level(logging.WARNING, logger="pipeline.search.hooks"):
        doc = commit(archive, tmp_path, *CORPUS[0])
    assert store_ops.get_record(archive, doc) is not None
    assert "search index not updated for " + doc[:12] in caplog.text and "reindex" in caplog.text
    monkeypatch.setenv("SOHOA_SEARCH_INDEX", str(tmp_path / "search.sqlite"))
    with Reader(archive) as r:
        with pytest.raises(SearchIndexMissingError):
            r.search("giao dat")
        r.reindex()
        assert ids(r.search("giao dat")) == [doc]


def test_reindex_removes_what_the_archive_no_longer_has(fresh: Archive) -> None:
    fresh.delete(keys.record(OCR))
    with Reader(fresh) as r:
        assert r.reindex().removed == 1
        assert OCR not in ids(r.search("giao dat"))


def test_concurrent_readers_while_a_run_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer process commits from 3 threads, as a run does, while 3 reader threads search."""
    archive_dir, n = tmp_path / "archive", 60
    monkeypatch.delenv("SOHOA_SEARCH_INDEX", raising=False)
    archive = LocalArchive(archive_dir)
    commit(archive, tmp_path, *CORPUS[0])  # the index exists before the readers open it
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(archive_dir), str(n)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)
    seen: list[list[int]] = [[], [], []]
    errors: list[BaseException] = []

    def read(out: list[int]) -> None:
        try:
            with Reader(LocalArchive(archive_dir)) as r:
                while writer.poll() is None:
                    out.append(len(r.search("hồ sơ đất đai", limit=1000)))
                out.append(len(r.search("hồ sơ đất đai", limit=1000)))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=read, args=(s,)) for s in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert writer.wait(60) == 0, writer.stderr.read() if writer.stderr else ""
    assert not errors
    for counts in seen:
        assert counts == sorted(counts) and counts[-1] == n  # never a step back, every record in the end
    assert sum(len(c) for c in seen) > 6  # the readers really read while it wrote


_WRITER = """
import sys, threading
from pathlib import Path
from pipeline.archive import LocalArchive
from tests.test_search import commit, record
archive, n = LocalArchive(Path(sys.argv[1])), int(sys.argv[2])
work = Path(sys.argv[1]).parent
def run(part):
    for i in range(part, n, 3):
        commit(archive, work, record(f"run-{i}", summary=f"Hồ sơ đất đai số {i}"), f"Nội dung {i}")
threads = [threading.Thread(target=run, args=(p,)) for p in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
"""


def test_cli_search_and_reindex(corpus: Archive, request: pytest.FixtureRequest,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import app

    if isinstance(corpus, S3Archive):  # the CLI takes the server from SOHOA_S3_*
        for k, v in request.getfixturevalue("s3_server").env().items():
            monkeypatch.setenv(k, v)
    uri = corpus.uri
    runner = CliRunner()
    res = runner.invoke(app, ["records", "search", "giao dat Mo Duc", "--archive", uri, "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    by_id = {h["document_id"]: h for h in lines}
    assert set(by_id) == {GIAO_DAT, OCR}
    assert by_id[GIAO_DAT]["number_symbol"] == "12/2024/QĐ-UBND" and "«Mộ» «Đức»" in by_id[GIAO_DAT]["snippet"]
    res = runner.invoke(app, ["records", "search", "dat", "--archive", uri, "--kind", "application_form"])
    assert res.exit_code == 0 and DON[:12] in res.stdout and "HS-003" in res.stdout and GIAO_DAT[:12] not in res.stdout
    res = runner.invoke(app, ["records", "search", CCCD, "--archive", uri])
    assert res.exit_code == 1 and "--citizen-id" in res.output
    res = runner.invoke(app, ["records", "search", "đất", "--archive", uri, "--date-from", "2024-13"])
    assert res.exit_code == 2 and "E_SEARCH_QUERY" in res.output
    res = runner.invoke(app, ["records", "reindex", "--archive", uri, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["records"] == len(CORPUS)


def test_a_digitized_document_is_searchable(digitize: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real pipeline (a born-digital PDF: no OCR) indexes what it commits, text included."""
    from tests.conftest import born_digital_pdf

    monkeypatch.delenv("SOHOA_SEARCH_INDEX", raising=False)
    pdf = born_digital_pdf(tmp_path / "qd.pdf", [
        "ỦY BAN NHÂN DÂN", "HUYỆN MỘ ĐỨC", "Số: 15/2024/QĐ-UBND", "Mộ Đức, ngày 05 tháng 3 năm 2024", "QUYẾT ĐỊNH",
        "Về việc giao đất ở cho hộ ông Trương Văn Hùng", "Điều 1. Giao 120 m² đất tại thôn Thạch Trụ."])
    outcome = digitize(pdf)
    assert outcome.status == "archived"
    hooks._open.clear()
    with Reader(LocalArchive(tmp_path / "archive")) as r:
        (hit,) = r.search("thach tru")
        assert hit.document_id == outcome.document_id and "«Thạch» «Trụ»" in hit.snippet
        assert ids(r.search("15/2024/QD-UBND", field="number_symbol")) == [outcome.document_id]
        assert ids(r.search("uy ban mo duc", field="issuing_agency")) == [outcome.document_id]


def test_reader_without_an_index_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_SEARCH_INDEX", raising=False)
    with Reader(LocalArchive(tmp_path / "empty")) as r, pytest.raises(SearchIndexMissingError) as e:
        r.search("đất")
    assert "sohoa records reindex" in e.value.message_en
    assert not (tmp_path / "empty" / ".sohoa-meta" / "search.sqlite").exists()


@pytest.fixture(scope="module")
def pg_index(pg_server: PgServer) -> Iterator[Any]:
    from pipeline.search.postgres import PostgresIndex

    index = PostgresIndex(pg_server.dsn, schema=f"t_{uuid.uuid4().hex[:12]}")
    yield index
    index.close()


@given(vietnamese)
@settings(max_examples=150, deadline=None)
def test_postgres_unaccent_folds_exactly_like_fold(pg_index: Any, text: str) -> None:
    """The lexemes PostgreSQL stores (unaccent + simple over the Python-split words) are `words(text)`."""
    from pipeline.search.postgres import tokens

    vector = pg_index._conn().execute(f"SELECT to_tsvector('{pg_index._cfg}', %s)", (tokens(text),)).fetchone()[0]
    stored = sorted(((int(p), lex.strip("'")) for lex, _, ps in (t.partition(":") for t in vector.split())
                     for p in ps.split(",")), key=lambda x: x[0]) if vector else []
    assert [lex for _, lex in stored] == words(text)
