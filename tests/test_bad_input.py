"""Bad input never crashes a run and never vanishes: each case builds its bad file itself and
checks it ends in quarantine with its original bytes and an actionable, bilingual error."""

from __future__ import annotations

import errno
import io
import json
import os
import time
import unicodedata
import zipfile

import pikepdf
import pytest
from PIL import Image

from pipeline import document, intake, tesseract
from pipeline.archive import keys
from pipeline.errors import TesseractError, WorkDirError
from pipeline.synth import Document, render_page, save_pdf


def _quarantine_entry(archive, outcome):
    entries = [k for k in archive.list("quarantine/") if k.endswith("error.json")]
    assert len(entries) == 1, entries
    err = archive.get_json(entries[0])
    originals = [k for k in archive.list(entries[0].rsplit("/", 1)[0]) if "/original." in k]
    return err, archive.get_bytes(originals[0])


def _assert_quarantined(archive, outcome, path, code):
    assert outcome.status == "quarantined"
    assert outcome.error["code"] == code
    err, original = _quarantine_entry(archive, outcome)
    assert original == path.read_bytes()
    assert err["code"] == code
    for field in ("message", "message_vi", "stage", "exception", "filename", "sha256"):
        assert err[field], field
    assert not list(archive.list("records/")), "a rejected input must not produce a record"
    return err


@pytest.fixture(scope="module")
def small_page():
    return render_page(Document(body="Nội dung ngắn."), dpi=100)[0]


def test_zero_byte_file(tmp_path, digitize, archive):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    err = _assert_quarantined(archive, digitize(path), path, "E_EMPTY_FILE")
    assert "0 byte" in err["message_vi"]


def test_truncated_pdf(tmp_path, digitize, archive, small_page):
    good = save_pdf([small_page], tmp_path / "good.pdf", dpi=100)
    path = tmp_path / "truncated.pdf"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    _assert_quarantined(archive, digitize(path), path, "E_CORRUPT_FILE")


def test_corrupt_pdf(tmp_path, digitize, archive):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(4000))
    _assert_quarantined(archive, digitize(path), path, "E_CORRUPT_FILE")


def test_password_protected_pdf(tmp_path, digitize, archive, small_page):
    plain = save_pdf([small_page], tmp_path / "plain.pdf", dpi=100)
    path = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    err = _assert_quarantined(archive, digitize(path), path, "E_ENCRYPTED_PDF")
    assert "qpdf --decrypt" in err["message"]


def test_pdf_with_no_pages(tmp_path, digitize, archive):
    path = tmp_path / "nopages.pdf"
    pikepdf.new().save(path)
    _assert_quarantined(archive, digitize(path), path, "E_NO_PAGES")


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_truncated_image(tmp_path, digitize, archive, small_page, fmt):
    buf = io.BytesIO()
    small_page.save(buf, fmt, **({"quality": 80} if fmt == "JPEG" else {"compression": "tiff_lzw"}))
    path = tmp_path / f"truncated.{fmt.lower()}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    _assert_quarantined(archive, digitize(path), path, "E_CORRUPT_FILE")


def test_decompression_bomb_png(tmp_path, digitize, archive):
    path = tmp_path / "bomb.png"
    Image.new("1", (30_000, 30_000), 1).save(path, optimize=True)  # 900 megapixels, a few hundred kB
    err = _assert_quarantined(archive, digitize(path), path, "E_LIMIT_EXCEEDED")
    assert "limit" in err["message"]


def test_too_many_pages_limit_is_configurable(tmp_path, archive, options, small_page):
    path = tmp_path / "three.tif"
    small_page.save(path, save_all=True, append_images=[small_page, small_page], dpi=(100, 100))
    item = intake.InputFile(path, None, path.name, path.stat().st_size, path.stat().st_mtime)
    outcome = document.process(item, archive, options.model_copy(update={"max_pages": 2}))
    err = _assert_quarantined(archive, outcome, path, "E_LIMIT_EXCEEDED")
    assert "3 pages, limit 2" in err["message"]


def test_absurd_pdf_page_size(tmp_path, digitize, archive):
    path = tmp_path / "huge.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14_400, 14_400))  # 200 × 200 inches
    pdf.save(path)
    _assert_quarantined(archive, digitize(path), path, "E_LIMIT_EXCEEDED")


@pytest.mark.parametrize("name,data", [
    ("form.docx", None),
    ("program.exe", b"MZ\x90\x00" + b"\x00" * 200),
    ("elf", b"\x7fELF" + b"\x00" * 200),
    ("notes.txt", "Hồ sơ số 12".encode()),
])
def test_unsupported_types_list_what_is_accepted(tmp_path, digitize, archive, name, data):
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("word/document.xml", "<w:document/>")
    else:
        path.write_bytes(data)
    err = _assert_quarantined(archive, digitize(path), path, "E_UNSUPPORTED_TYPE")
    assert "PDF, TIFF, JPEG and PNG" in err["message"]


def test_unicode_nfc_and_nfd_names_spaces_dots_and_long_names(tmp_path, archive, options, small_page):
    inbox = tmp_path / "inbox"
    dossier = inbox / "hồ sơ 01"
    dossier.mkdir(parents=True)
    nfc_name = "Quyết định số 1.png"
    names = [nfc_name, unicodedata.normalize("NFD", nfc_name).replace(".png", " (2).png"),
             "..png", ("đ" * 120)[:120] + ".png"]
    small_page.save(dossier / names[0], dpi=(100, 100))
    for name in names[1:]:  # not images: they end in quarantine, under safe keys
        (dossier / name).write_bytes(os.urandom(64))
    for item in intake.scan_inbox(inbox):
        document.process(item, archive, options)
    all_keys = list(archive.list())
    assert all(".." not in k.split("/") and not k.startswith("/") for k in all_keys)
    assert all(len(part.encode()) <= 200 for k in all_keys for part in k.split("/"))
    assert all(unicodedata.is_normalized("NFC", k) for k in all_keys)
    errors = [archive.get_json(k) for k in all_keys if k.endswith("error.json")]
    assert len(errors) == 3
    assert {e["filename"] for e in errors} >= {unicodedata.normalize("NFC", names[1])}


def test_same_file_twice_in_one_dossier_and_in_two_dossiers(tmp_path, archive, options, small_page):
    inbox = tmp_path / "inbox"
    for d in ("A", "B"):
        (inbox / d).mkdir(parents=True)
    small_page.save(inbox / "A" / "one.png", dpi=(100, 100))
    data = (inbox / "A" / "one.png").read_bytes()
    (inbox / "A" / "copy.png").write_bytes(data)
    (inbox / "B" / "one.png").write_bytes(data)
    outcomes = [document.process(item, archive, options) for item in intake.scan_inbox(inbox)]
    assert sorted(o.status for o in outcomes) == ["archived", "skipped", "skipped"]
    assert len([k for k in archive.list("records/") if k.endswith("record.json")]) == 1
    manifest_a = archive.get_json(keys.manifest("A"))
    manifest_b = archive.get_json(keys.manifest("B"))
    assert {d["filename"] for d in manifest_a["documents"]} == {"one.png", "copy.png"}
    assert [d["filename"] for d in manifest_b["documents"]] == ["one.png"]


def test_same_file_in_two_dossiers_processed_side_by_side_is_digitized_once(tmp_path, archive, options, small_page,
                                                                           monkeypatch):
    """Regression (seen as a flaky `records verify` mismatch on S3): two task threads digitized the same
    bytes from two dossiers at once; the later record listed the earlier one's searchable.pdf digest
    over the other's bytes."""
    import threading

    inbox = tmp_path / "inbox"
    for d in ("A", "B"):
        (inbox / d).mkdir(parents=True)
        small_page.save(inbox / d / "one.png", dpi=(100, 100))
    real, calls = document._digitize, []

    def slow_digitize(*args, **kwargs):
        calls.append(threading.current_thread().name)
        time.sleep(0.3)  # both threads are past their "already archived?" check without the lock
        return real(*args, **kwargs)

    monkeypatch.setattr(document, "_digitize", slow_digitize)
    items = intake.scan_inbox(inbox)
    outcomes: list[document.Outcome] = []
    threads = [threading.Thread(target=lambda i=i: outcomes.append(document.process(i, archive, options)))
               for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sorted(o.status for o in outcomes) == ["archived", "skipped"]
    assert {d["filename"] for d in archive.get_json(keys.manifest("B"))["documents"]} == {"one.png"}
    assert {d["filename"] for d in archive.get_json(keys.manifest("A"))["documents"]} == {"one.png"}


def test_file_still_being_written_is_left_for_the_next_run(tmp_path, archive, options, small_page):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    young = inbox / "young.png"
    small_page.save(young, dpi=(100, 100))
    assert intake.scan_inbox(inbox, min_age_seconds=60) == []
    # size changes between the scan and the processing
    (item,) = intake.scan_inbox(inbox)
    with young.open("ab") as f:
        f.write(b"\x00" * 10)
    outcome = document.process(item, archive, options)
    assert outcome.status == "deferred"
    assert list(archive.list()) == []


def test_tesseract_crash_on_one_page_keeps_the_rest_and_flags_review(tmp_path, digitize, archive, monkeypatch,
                                                                    small_page):
    real_run = tesseract.run

    def crash_on_page_2(image, out_base, **kw):
        if out_base.name.startswith("p000002"):
            raise TesseractError("exit -11: Segmentation fault")
        return real_run(image, out_base, **kw)

    monkeypatch.setattr(tesseract, "run", crash_on_page_2)
    path = tmp_path / "three.tif"
    small_page.save(path, save_all=True, append_images=[small_page, small_page], dpi=(100, 100))
    outcome = digitize(path)
    assert outcome.status == "archived"
    rec = outcome.record
    assert [p["number"] for p in rec["pages"]] == [1, 2, 3]
    assert rec["pages"][1]["chars"] == 0 and rec["pages"][1]["warnings"]
    assert rec["pages"][0]["chars"] > 0 and rec["pages"][2]["chars"] > 0
    assert rec["review"]["needed"] and any("page 2" in r for r in rec["review"]["reasons"])
    with pikepdf.open(archive.root / keys.searchable(outcome.document_id)) as pdf:
        assert len(pdf.pages) == 3


def test_disk_full_in_the_work_directory_is_a_run_level_error(tmp_path, digitize, archive, monkeypatch,
                                                              small_page):
    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "work"))

    monkeypatch.setattr("pipeline.document.searchable.build", full)
    path = tmp_path / "page.png"
    small_page.save(path, dpi=(100, 100))
    with pytest.raises(WorkDirError) as info:
        digitize(path)
    assert info.value.code == "E_WORK_DIR" and "free disk space" in info.value.message_en
    assert not list(archive.list("quarantine/")), "a full disk is not the document's fault"


def test_error_json_is_bilingual_and_names_stage_and_exception(tmp_path, digitize, archive):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    outcome = digitize(path)
    err, _ = _quarantine_entry(archive, outcome)
    assert err["stage"] in ("pages", "ocr") and err["exception"] == "CorruptFileError"
    assert json.dumps(err, ensure_ascii=False)
    assert time.time() > 0
