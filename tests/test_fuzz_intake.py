"""Bounded fuzzing of intake → pages: arbitrary bytes behind real magic numbers never crash
`process()`; every input ends archived or quarantined, never lost."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline import document, intake
from pipeline.archive import LocalArchive
from pipeline.options import Options

KNOWN_CODES = {"E_EMPTY_FILE", "E_UNSUPPORTED_TYPE", "E_CORRUPT_FILE", "E_ENCRYPTED_PDF", "E_NO_PAGES",
               "E_LIMIT_EXCEEDED", "E_PROCESSING"}


def _tiny_png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (40, 20), 255).save(buf, "PNG")
    return buf.getvalue()


HEADS = [b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00", b"MM\x00*", b"", b"PK\x03\x04"]
TINY_PNG = _tiny_png()


NAMES = st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "\x00" not in s and s not in (".", ".."))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(HEADS), tail=st.binary(max_size=2048), cut=st.integers(0, len(TINY_PNG)), name=NAMES)
def test_arbitrary_bytes_end_archived_or_quarantined(tmp_path_factory, head, tail, cut, name):
    root = tmp_path_factory.mktemp("fuzz")
    path = root / "in.bin"
    data = head + tail if head != b"\x89PNG\r\n\x1a\n" or not tail else TINY_PNG[:cut] + tail
    path.write_bytes(data)
    archive = LocalArchive(root / "archive")
    item = intake.InputFile(path, "fuzz", name, len(data), path.stat().st_mtime)
    outcome = document.process(item, archive, Options(jobs=1, work_dir=root / "work", detect_orientation=False))
    assert outcome.status in ("archived", "quarantined")
    if outcome.status == "quarantined":
        assert outcome.error["code"] in KNOWN_CODES
        assert any(k.endswith("error.json") for k in archive.list("quarantine/"))
    else:
        assert any(k.endswith("record.json") for k in archive.list("records/"))
