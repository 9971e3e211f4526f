"""The archive contract, run against the local directory and a real S3 server (one parametrised suite).

No mocked client: `store[s3]` talks HTTP to a minio/moto server process through the minio SDK.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import tracemalloc
import unicodedata
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from pipeline.archive import Archive, LocalArchive, index, keys, open_archive
from pipeline.archive import records as store_ops
from pipeline.archive.s3 import S3Archive, S3Config, decode_meta_value, encode_meta_value
from pipeline.archive.verify import verify
from pipeline.errors import ArchiveConfigError, ArchiveError, ArchiveUnreachableError, IndexKeyMissingError
from pipeline.reader import Reader
from tests import archive_fixtures
from tests.archive_fixtures import new_bucket, s3_config
from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server, free_port

INDEX_KEY = b"test-index-secret"
s3_server = archive_fixtures.s3_server  # fixtures, registered by name
store = archive_fixtures.store


def _doc(tmp_path: Path, content: bytes, name: str = "doc.pdf") -> tuple[str, Path]:
    path = tmp_path / name
    path.write_bytes(content)
    return hashlib.sha256(content).hexdigest(), path


def _record(doc_id: str, *, dossier: str | None = "dossier-A", number_symbol: str | None = "12/2024/QĐ-UBND",
            issued_date: str | None = "2024-05-06", citizen_ids: list[str] | None = None) -> dict[str, Any]:
    return {
        "schema_version": "1.0", "document_id": doc_id, "dossier_id": dossier,
        "metadata": {"number_symbol": number_symbol, "issued_date": issued_date, "citizen_ids": citizen_ids or [],
                     "issuing_agency": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"},
        "artifacts": {"original": keys.original(doc_id, "pdf"), "searchable_pdf": keys.searchable(doc_id),
                      "text": keys.text(doc_id)},
    }


def _write(archive: Archive, tmp_path: Path, content: bytes, **kw: Any) -> str:
    doc_id, path = _doc(tmp_path, content)
    pdf = tmp_path / "searchable.pdf"
    pdf.write_bytes(b"%PDF-1.7 searchable " + content)
    store_ops.write_document(archive, document_id=doc_id, media_type="application/pdf", original=path,
                             searchable=pdf, text="Quyết định số 12\n", record=_record(doc_id, **kw))
    return doc_id


@pytest.fixture(autouse=True)
def _index_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INDEX_KEY", INDEX_KEY.decode())


# -- primitives -------------------------------------------------------------------------------

def test_put_get_stat_list_delete(store: Archive, tmp_path: Path) -> None:
    info = store.put_bytes("a/b/one.txt", b"one", content_type="text/plain")
    assert info.sha256 == hashlib.sha256(b"one").hexdigest()
    path = tmp_path / "two.bin"
    path.write_bytes(b"two" * 1000)
    store.put_file("a/two.bin", path, content_type="application/octet-stream")
    store.put_json("z.json", {"tên": "Hồ sơ"})
    assert store.get_bytes("a/b/one.txt") == b"one"
    assert store.get_json("z.json") == {"tên": "Hồ sơ"}
    st = store.stat("a/two.bin")
    assert st is not None and st.size == 3000 and st.sha256 == hashlib.sha256(b"two" * 1000).hexdigest()
    assert st.content_type == "application/octet-stream"
    assert list(store.list()) == ["a/b/one.txt", "a/two.bin", "z.json"]
    assert list(store.list("a/")) == ["a/b/one.txt", "a/two.bin"]
    assert store.stat("missing") is None and not store.exists("missing")
    with pytest.raises(FileNotFoundError):
        store.get_bytes("missing")
    store.delete("a/b/one.txt")
    store.delete("a/b/one.txt")  # deleting twice is fine
    assert list(store.list("a/")) == ["a/two.bin"]
    dest = store.download("a/two.bin", tmp_path / "dl.bin")
    assert dest.read_bytes() == b"two" * 1000


def test_non_ascii_metadata_round_trips(store: Archive) -> None:
    meta = {"filename": "Quyết định 12-QĐ.pdf", "agency": "ỦY BAN NHÂN DÂN", "plain": "abc",
            "tricky": "UTF-8''not-encoded", "spaces": "  padded "}
    store.put_bytes("m.txt", b"x", content_type="text/plain", metadata=meta)
    st = store.stat("m.txt")
    assert st is not None
    assert {k: st.metadata[k] for k in meta} == meta


def test_meta_value_encoding_is_header_safe_and_reversible() -> None:
    for value in ["Hồ sơ số 5", "plain", "UTF-8''x", " lead", "tab\there", "a\r\nb", ""]:
        enc = encode_meta_value(value)
        assert enc.isascii() and "\n" not in enc and "\r" not in enc
        assert decode_meta_value(enc) == value
    assert encode_meta_value("plain-value") == "plain-value"


def test_writes_are_atomic_readers_see_all_or_nothing(store: Archive, tmp_path: Path) -> None:
    """While a 24 MB file uploads (multipart on S3), a reader sees no object or the whole one."""
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        for _ in range(24):
            f.write(os.urandom(1 << 20))
    size = big.stat().st_size
    seen: set[int | None] = set()
    done = threading.Event()

    def upload() -> None:
        try:
            store.put_file("records/x/original.pdf", big, content_type="application/pdf")
        finally:
            done.set()

    t = threading.Thread(target=upload)
    t.start()
    while not done.is_set():
        st = store.stat("records/x/original.pdf")
        seen.add(st.size if st else None)
        assert all(k == "records/x/original.pdf" for k in store.list("records/"))  # no temp or part objects
    t.join()
    seen.add(store.stat("records/x/original.pdf").size)  # type: ignore[union-attr]
    assert seen <= {None, size}
    assert size in seen


def test_large_upload_and_download_use_bounded_memory(store: Archive, tmp_path: Path) -> None:
    """A 40 MB file goes up and comes back without ever being held whole in memory."""
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        for _ in range(40):
            f.write(os.urandom(1 << 20))
    tracemalloc.start()
    try:
        info = store.put_file("big.bin", big, content_type="application/octet-stream")
        _, up_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        h = hashlib.sha256()
        with store.open("big.bin") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        _, down_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == 40 << 20 and h.hexdigest() == info.sha256
    assert up_peak < 16 << 20, f"upload peak {up_peak >> 20} MB"  # ≈ 2 × the 5 MB part
    assert down_peak < 8 << 20, f"download peak {down_peak >> 20} MB"


def test_unsafe_names_never_reach_a_key(store: Archive, tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Quyết định")
    for raw in ["../../etc/passwd", "/abs/olute", "..", "a/..\\b", nfd, "x" * 400, "  .hidden ", "con\x00trol"]:
        part = keys.component(raw)
        assert "/" not in part and "\\" not in part and ".." not in part and not part.startswith(".")
        assert len(part.encode()) <= keys.MAX_COMPONENT_BYTES
        assert part == unicodedata.normalize("NFC", part)
    for bad in ["../x", "a/../b", "/abs", "a//b", ""]:
        with pytest.raises(ArchiveError):
            store.put_bytes(bad, b"x", content_type="text/plain")
    src = tmp_path / "bad.bin"
    src.write_bytes(b"junk")
    prefix = store_ops.quarantine(store, dossier_id="../../hồ sơ", filename="../../../tệp lạ.pdf",
                                  sha256=hashlib.sha256(b"junk").hexdigest(), source=src,
                                  error={"code": "E_X", "message": "bad"})
    assert prefix.startswith("quarantine/") and ".." not in prefix
    assert all(k.startswith("quarantine/") for k in store.list())


# -- records, idempotency, manifests ---------------------------------------------------------

def test_write_document_commits_last_and_is_idempotent(store: Archive, tmp_path: Path) -> None:
    doc = _write(store, tmp_path, b"%PDF-1.4 one")
    first = {k: store.stat(k) for k in store.list()}
    assert keys.record(doc) in first
    assert first[keys.original(doc, "pdf")].sha256 == doc  # type: ignore[union-attr]
    assert all(info is not None and info.sha256 for info in first.values())
    _write(store, tmp_path, b"%PDF-1.4 one")
    again = {k: store.stat(k) for k in store.list()}
    assert sorted(again) == sorted(first)  # no new objects
    assert [r["document_id"] for r in store_ops.iter_records(store)] == [doc]


def test_same_file_in_two_dossiers_is_stored_once_and_listed_in_both(store: Archive, tmp_path: Path) -> None:
    doc = _write(store, tmp_path, b"%PDF-1.4 shared", dossier="dossier-A")
    for dossier, name in (("dossier-A", "giấy tờ.pdf"), ("dossier-B", "bản sao.pdf")):
        store_ops.add_to_manifest(store, dossier, [{"document_id": doc, "filename": name,
                                                    "record": keys.record(doc)}])
    assert len({k.split("/")[1] for k in store.list("records/")}) == 1
    for dossier in ("dossier-A", "dossier-B"):
        manifest = store.get_json(keys.manifest(dossier))
        assert [d["document_id"] for d in manifest["documents"]] == [doc]
    reader = Reader(store)
    assert reader.lookup("dossier", "dossier-A") == [doc]
    assert reader.lookup("dossier", "dossier-B") == [doc]
    assert [r["document_id"] for r in reader.find(dossier="dossier-B", number_symbol="12/2024/qđ-ubnd")] == [doc]


# -- index -----------------------------------------------------------------------------------

def test_index_lookups_by_number_symbol_date_and_citizen_hmac(store: Archive, tmp_path: Path) -> None:
    a = _write(store, tmp_path, b"%PDF a", citizen_ids=["079204001234"])
    b = _write(store, tmp_path, b"%PDF b", dossier="dossier-B", number_symbol="05/QĐ-UBND",
               issued_date="2024-07-01", citizen_ids=["079204001234", "123456789"])
    reader = Reader(store, index_key=INDEX_KEY)
    assert reader.lookup("number_symbol", "12/2024/QĐ-UBND") == [a]
    assert reader.lookup("number_symbol", " 12 / 2024 / qđ-ubnd") == [a]
    assert reader.lookup("issued_date", "2024-05-06") == [a]
    assert reader.lookup("issued_date", "2024-07") == [b]
    assert sorted(reader.lookup("issued_date", "2024")) == sorted([a, b])
    assert sorted(reader.lookup("citizen", "079204001234")) == sorted([a, b])
    assert reader.lookup("citizen", "123 456 789") == [b]
    assert reader.lookup("citizen", "000000000000") == []
    index_keys = list(store.list("index/"))
    assert index_keys and not any("079204001234" in k or "123456789" in k for k in index_keys)
    mac = index.citizen_hash("079204001234", INDEX_KEY)
    assert f"index/citizen/{mac}/{a}" in index_keys
    # another key finds nothing; no key is a clear error
    assert Reader(store, index_key=b"wrong").lookup("citizen", "079204001234") == []
    with pytest.raises(ValueError):
        reader.lookup("issued_date", "06/05/2024")


def test_citizen_lookup_without_key_is_a_clear_error(store: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_INDEX_KEY")
    with pytest.raises(IndexKeyMissingError) as exc:
        Reader(store).lookup("citizen", "079204001234")
    assert "SOHOA_INDEX_KEY" in str(exc.value)


def test_no_index_key_means_no_citizen_entries(store: Archive, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_INDEX_KEY")
    _write(store, tmp_path, b"%PDF c", citizen_ids=["079204001234"])
    assert not list(store.list("index/citizen/"))
    assert list(store.list("index/number_symbol/"))


def test_reprocessed_record_drops_stale_index_entries(store: Archive, tmp_path: Path) -> None:
    doc = _write(store, tmp_path, b"%PDF d", number_symbol="1/QĐ", issued_date="2023-01-01")
    _write(store, tmp_path, b"%PDF d", number_symbol="2/QĐ", issued_date="2023-01-02")
    reader = Reader(store)
    assert reader.lookup("number_symbol", "1/QĐ") == []
    assert reader.lookup("number_symbol", "2/QĐ") == [doc]
    assert reader.lookup("issued_date", "2023-01-01") == []
    assert reader.lookup("dossier", "dossier-A") == [doc]


def test_uncommitted_document_is_invisible(store: Archive, tmp_path: Path) -> None:
    """Artifacts and index entries without record.json: readers see nothing, verify says why."""
    doc, path = _doc(tmp_path, b"%PDF half")
    store.put_file(keys.original(doc, "pdf"), path, content_type="application/pdf", sha256=doc)
    index.write_entries(store, _record(doc), INDEX_KEY)
    reader = Reader(store)
    assert list(reader.ids()) == [] and list(reader.records()) == []
    assert reader.lookup("number_symbol", "12/2024/QĐ-UBND") == []
    rep = verify(store)
    assert [p.key for p in rep.of("orphan")] == [keys.record_prefix(doc)]
    assert len(rep.of("dangling")) == 3  # dossier, number_symbol, issued_date


# -- verify ---------------------------------------------------------------------------------

def _tamper(store: Archive, key: str, data: bytes) -> None:
    """Change an object's bytes behind sohoa's back, keeping its stored metadata."""
    if isinstance(store, LocalArchive):
        (store.root / key).write_bytes(data)
    else:
        assert isinstance(store, S3Archive)
        st = store.stat(key)
        assert st is not None
        store.client.put_object(store.bucket, store._name(key), io.BytesIO(data), len(data),
                                metadata={"sha256": st.sha256 or ""})


def test_verify_finds_a_tampered_object_an_orphan_and_a_missing_artifact(store: Archive, tmp_path: Path) -> None:
    good = _write(store, tmp_path, b"%PDF good")
    bad = _write(store, tmp_path, b"%PDF bad")
    assert verify(store).ok
    _tamper(store, keys.text(bad), b"changed text\n")
    store.delete(keys.searchable(good))
    orphan, path = _doc(tmp_path, b"%PDF orphan")
    store.put_file(keys.original(orphan, "pdf"), path, content_type="application/pdf", sha256=orphan)
    rep = verify(store)
    assert sorted((p.kind, p.key) for p in rep.problems) == sorted([
        ("mismatch", keys.text(bad)),
        ("orphan", keys.record_prefix(orphan)),
        ("missing", keys.searchable(good)),
    ])
    assert rep.records == 2 and not rep.ok


# -- reader ---------------------------------------------------------------------------------

def test_reader_get_artifact_and_presigned_url(store: Archive, tmp_path: Path) -> None:
    doc = _write(store, tmp_path, b"%PDF url")
    reader = Reader(store)
    assert reader.get(doc[:10])["document_id"] == doc
    assert reader.artifact(doc, "original") == b"%PDF url"
    assert reader.text(doc) == "Quyết định số 12\n"
    url = reader.url(doc, expires_seconds=120)
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"%PDF-1.7 searchable %PDF url"
    if isinstance(store, S3Archive):
        assert "X-Amz-Expires=120" in url and SECRET_KEY not in url


# -- S3 specifics ------------------------------------------------------------------------------

def test_open_archive_by_uri_reads_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    bucket = new_bucket()
    archive = open_archive(f"s3://{bucket}/pre/fix/")
    assert isinstance(archive, S3Archive) and archive.uri == f"s3://{bucket}/pre/fix"
    archive.put_bytes("k.txt", b"v", content_type="text/plain")
    names = [o.object_name for o in archive.client.list_objects(bucket, recursive=True)]
    assert names == ["pre/fix/k.txt"]
    assert SECRET_KEY not in repr(archive) and ACCESS_KEY not in repr(archive.config)


def test_missing_configuration_and_credentials_in_uri_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOHOA_S3_ENDPOINT", raising=False)
    with pytest.raises(ArchiveConfigError, match="SOHOA_S3_ENDPOINT"):
        open_archive("s3://bucket/x")
    monkeypatch.setenv("SOHOA_S3_ENDPOINT", "127.0.0.1:9")
    with pytest.raises(ArchiveConfigError) as exc:
        open_archive(f"s3://{ACCESS_KEY}:{SECRET_KEY}@bucket/x")
    assert SECRET_KEY not in str(exc.value) and ACCESS_KEY not in str(exc.value)
    with pytest.raises(ArchiveConfigError) as exc:
        S3Config.from_env({"SOHOA_S3_ENDPOINT": f"http://{ACCESS_KEY}:{SECRET_KEY}@h:9000"})
    assert SECRET_KEY not in str(exc.value)


def test_unreachable_server_gives_a_clear_error_without_credentials(s3_server: S3Server,
                                                                     caplog: pytest.LogCaptureFixture,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    endpoint = f"127.0.0.1:{free_port()}"  # nothing listens there
    archive = S3Archive(new_bucket(), "p", s3_config(s3_server, endpoint, SOHOA_S3_RETRIES="0"))
    path = tmp_path / "f.pdf"
    path.write_bytes(b"%PDF")
    errors = []
    for call in (lambda: archive.put_file("a/f.pdf", path, content_type="application/pdf"),
                 lambda: archive.get_bytes("a/f.pdf"), lambda: list(archive.list("a/")),
                 lambda: archive.stat("a/f.pdf"), lambda: archive.presigned_url("a/f.pdf") and archive.delete("x")):
        with pytest.raises(ArchiveUnreachableError) as exc:
            call()
        errors.append(exc.value)
    for e in errors:
        assert e.code == "E_ARCHIVE_UNREACHABLE" and not e.document_level
        assert endpoint in str(e) and "cannot be reached" in str(e)
        text = f"{e} {e.to_dict()} {e.__cause__!r}"
        assert SECRET_KEY not in text and ACCESS_KEY not in text
    out = capsys.readouterr()
    captured = caplog.text + out.out + out.err
    assert SECRET_KEY not in captured and ACCESS_KEY not in captured


def test_bucket_is_created_only_when_allowed(s3_server: S3Server) -> None:
    archive = S3Archive(new_bucket(), "", s3_config(s3_server, SOHOA_S3_CREATE_BUCKET="0"))
    assert list(archive.list()) == []
    with pytest.raises(ArchiveError, match="does not exist"):
        archive.put_bytes("a", b"x", content_type="text/plain")
    created = S3Archive(archive.bucket, "", s3_config(s3_server))
    created.put_bytes("a", b"x", content_type="text/plain")
    assert archive.get_bytes("a") == b"x"


def test_identical_upload_is_skipped(s3_server: S3Server, tmp_path: Path) -> None:
    """Re-running a document does not re-send a 500 MB original that is already there."""
    archive = S3Archive(new_bucket(), "", s3_config(s3_server))
    path = tmp_path / "f.bin"
    path.write_bytes(b"same bytes")
    archive.put_file("f.bin", path, content_type="application/octet-stream")
    etag = archive.client.stat_object(archive.bucket, "f.bin").etag
    archive.put_file("f.bin", path, content_type="application/octet-stream")
    assert archive.client.stat_object(archive.bucket, "f.bin").etag == etag
    versions = list(archive.client.list_objects(archive.bucket, include_version=True))
    assert len(versions) == 1


def test_credentials_from_a_secret_block_provider(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """flows.archive_secrets: keys come from the (here injected) Secret block, the rest from env."""
    from flows import archive_secrets
    from pipeline.archive import s3 as s3mod

    env = s3_server.env()
    monkeypatch.setenv("SOHOA_S3_ENDPOINT", env["SOHOA_S3_ENDPOINT"])
    monkeypatch.setenv("SOHOA_S3_SECURE", "0")
    for k in ("SOHOA_S3_ACCESS_KEY", "SOHOA_S3_SECRET_KEY"):
        monkeypatch.delenv(k, raising=False)
    block = {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    s3mod.set_config_provider(archive_secrets.provider("sohoa-s3", load=lambda name: block))
    try:
        archive = open_archive(f"s3://{new_bucket()}/x")
        assert isinstance(archive, S3Archive) and archive.config.secret_key == SECRET_KEY
        archive.put_bytes("k", b"v", content_type="text/plain")
        assert archive.get_bytes("k") == b"v"
        s3mod.set_config_provider(archive_secrets.provider("missing", load=lambda name: "not json"))
        with pytest.raises(ArchiveConfigError, match="access_key and secret_key"):
            open_archive("s3://b/x")
    finally:
        s3mod.set_config_provider(None)


def test_rebuild_restores_the_index_from_records_and_manifests(store: Archive, tmp_path: Path) -> None:
    doc = _write(store, tmp_path, b"%PDF r", citizen_ids=["079204001234"])
    store_ops.add_to_manifest(store, "dossier-B", [{"document_id": doc, "filename": "b.pdf"}])
    before = list(store.list("index/"))
    for key in before:
        store.delete(key)
    index.rebuild(store, store_ops.iter_records(store), INDEX_KEY)
    assert list(store.list("index/")) == before
    assert Reader(store).lookup("dossier", "dossier-B") == [doc]
