from __future__ import annotations

from flows import inbox as inbox_ops
from pipeline import intake
from pipeline.archive import records as store
from pipeline.archive.base import sha256_file


def _quarantine(archive, item, code):
    store.quarantine(archive, dossier_id=item.dossier_id, filename=item.filename,
                     sha256=sha256_file(item.path), source=item.path,
                     error={"code": code, "message": "m", "message_vi": "m", "stage": "s", "exception": "E"})


def test_unexpected_processing_error_stays_in_the_inbox_but_bad_files_move(tmp_path, archive):
    inbox = tmp_path / "inbox"
    (inbox / "D1").mkdir(parents=True)
    (inbox / "D1" / "bug.pdf").write_bytes(b"%PDF-1.4 made our code crash")
    (inbox / "D1" / "empty.pdf").write_bytes(b"")
    items = {i.filename: i for i in intake.scan_inbox(inbox)}
    _quarantine(archive, items["bug.pdf"], "E_PROCESSING")
    _quarantine(archive, items["empty.pdf"], "E_EMPTY_FILE")
    moved = inbox_ops.move_processed(inbox, archive, list(items.values()),
                                     {i.label: "quarantined" for i in items.values()})
    assert [m.label for m in moved] == ["D1/empty.pdf"]
    assert (inbox / "D1" / "bug.pdf").exists()
    assert (inbox / "processed" / "quarantine" / "D1" / "empty.pdf").exists()
