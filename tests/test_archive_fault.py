"""The S3 server goes away in the middle of a batch, then comes back.

What this proves, and how: documents run through the real pipeline (`pipeline.document.process`,
born-digital PDFs so no OCR time is spent) into a real S3 server process reached through a
loopback TCP gate (tests.s3server.TcpGate). Closing the gate right after document 2's original is
uploaded makes the endpoint refuse connections exactly as a stopped server does, while the server
process keeps what was already stored — moto holds its data only in memory, so killing the process
would also erase the documents that did commit and there would be nothing left to check
"half-visible" against. Reopening the gate on the same port is "the server is back".

- the batch loop (the same catch as flows.digitize.run_documents) reports each document after the
  outage as failed with E_ARCHIVE_UNREACHABLE and a message naming the endpoint — no credentials;
- nothing is half-visible: the interrupted document left an original but no record.json, so readers
  and lookups do not see it and `verify` calls it an orphan;
- a re-run with the server back archives exactly the documents that failed, skips the others,
  and `verify` is clean.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from pipeline import document, intake
from pipeline.archive import index, keys
from pipeline.archive.s3 import S3Archive
from pipeline.archive.verify import verify
from pipeline.errors import SohoaError
from pipeline.options import Options
from pipeline.reader import Reader
from tests import archive_fixtures
from tests.archive_fixtures import new_bucket, s3_config
from tests.conftest import born_digital_pdf
from tests.s3server import ACCESS_KEY, SECRET_KEY, TcpGate

s3_server = archive_fixtures.s3_server


class TrippingArchive(S3Archive):
    """The real S3 archive; calls `trip` once after the upload of a chosen key."""

    trip_after: str | None = None
    trip: Any = None

    def put_file(self, key: str, path: Path, **kw: Any) -> Any:  # type: ignore[override]
        info = super().put_file(key, path, **kw)
        if self.trip_after and key == self.trip_after:
            self.trip_after = None
            self.trip()
        return info


def _inbox(root: Path) -> list[intake.InputFile]:
    lines = [["ỦY BAN NHÂN DÂN TỈNH CẦN THƠ", "Số: {n}/2024/QĐ-UBND", "Cần Thơ, ngày 0{n} tháng 01 năm 2025",
              "QUYẾT ĐỊNH", "Về việc công bố thủ tục hành chính số {n}"]]
    for n in range(1, 6):
        dossier = root / ("dossier-a" if n <= 3 else "dossier-b")
        dossier.mkdir(parents=True, exist_ok=True)
        born_digital_pdf(dossier / f"quyết định {n}.pdf", [line.format(n=n) for line in lines[0]])
    return intake.scan_inbox(root, min_age_seconds=0)


def _run(items: list[intake.InputFile], archive: S3Archive, options: Options) -> list[document.Outcome]:
    """The batch loop of flows.digitize.run_documents, without Prefect (and its retry delays)."""
    out = []
    for item in items:
        try:
            out.append(document.process(item, archive, options))
        except SohoaError as e:  # run-level failure of this document
            out.append(document.Outcome(item.label, item.filename, item.dossier_id, "failed",
                                        error={"code": e.code, "message": e.message_en}))
    return out


def test_server_outage_mid_batch_fails_clearly_and_rerun_completes_exactly_those(
        s3_server, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.INFO)
    gate = TcpGate(s3_server.endpoint)
    gate.open()
    try:
        archive = TrippingArchive(new_bucket(), "sohoa", s3_config(s3_server, gate.endpoint, SOHOA_S3_RETRIES="0"))
        options = Options(jobs=1, work_dir=tmp_path / "work", min_file_age_seconds=0)
        items = _inbox(tmp_path / "inbox")
        ids = [intake.identify(i, max_bytes=10**9)[1] for i in items]
        archive.trip_after = keys.original(ids[2], "pdf")
        archive.trip = gate.close

        first = _run(items, archive, options)

        assert [o.status for o in first] == ["archived", "archived", "failed", "failed", "failed"]
        failed = {o.label for o in first if o.status == "failed"}
        for o in first[2:]:
            assert o.error is not None and o.error["code"] == "E_ARCHIVE_UNREACHABLE"
            assert gate.endpoint in o.error["message"] and "cannot be reached" in o.error["message"]

        gate.open()  # the server is back, on the same endpoint
        # nothing half-visible: the interrupted document has its original but no record
        assert archive.exists(keys.original(ids[2], "pdf")) and not archive.exists(keys.record(ids[2]))
        reader = Reader(archive)
        assert sorted(reader.ids()) == sorted(ids[:2])
        assert reader.lookup("number_symbol", "3/2024/QĐ-UBND") == []
        rep = verify(archive)
        assert [p.key for p in rep.of("orphan")] == [keys.record_prefix(ids[2])]
        assert not rep.of("mismatch")

        second = _run(items, archive, options)

        assert {o.label for o in second if o.status == "archived"} == failed
        assert [o.status for o in second[:2]] == ["skipped", "skipped"]
        assert sorted(reader.ids()) == sorted(ids)
        assert verify(archive).ok
        assert sorted(index.lookup(archive, "dossier", "dossier-a")) == sorted(ids[:3])
        manifest = archive.get_json(keys.manifest("dossier-b"))
        assert sorted(d["document_id"] for d in manifest["documents"]) == sorted(ids[3:])
    finally:
        gate.close()
    out = capsys.readouterr()
    seen = caplog.text + out.out + out.err + repr([o.error for o in first])
    assert SECRET_KEY not in seen and ACCESS_KEY not in seen
