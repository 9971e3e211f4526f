"""PDFium is not thread-safe, even across documents; a run's threads must take turns with it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pypdfium2
import pytest

from pipeline import textlayer
from pipeline.extract import zones
from pipeline.models import PageText
from tests.conftest import born_digital_pdf


def test_documents_side_by_side_never_call_pdfium_at_the_same_time(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: text-layer judging and zone rendering opened PDFium documents from several task
    threads at once, which pypdfium2 documents as able to crash or corrupt the process."""
    pdf = born_digital_pdf(tmp_path / "a.pdf", ["Số: 12/QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 01 năm 2025"])
    open_docs, most = [0], [0]
    guard = threading.Lock()
    original_init, original_close = pypdfium2.PdfDocument.__init__, pypdfium2.PdfDocument.close

    def init(self, *args, **kwargs):
        with guard:
            open_docs[0] += 1
            most[0] = max(most[0], open_docs[0])
        time.sleep(0.01)  # widen the window another thread would need to overlap
        original_init(self, *args, **kwargs)

    def close(self):
        if getattr(self, "_counted_closed", False):
            return original_close(self)
        self._counted_closed = True
        with guard:
            open_docs[0] -= 1
        return original_close(self)

    monkeypatch.setattr(pypdfium2.PdfDocument, "__init__", init)
    monkeypatch.setattr(pypdfium2.PdfDocument, "close", close)
    page = PageText(1, 595.0, 842.0, "text_layer", pdf_path=pdf)

    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                assert textlayer.pdfium_pages(pdf)[0].text
                assert zones.crop_zone(page, (50.0, 50.0, 300.0, 120.0)) is not None
        except BaseException as e:  # reported below: a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert open_docs[0] == 0
    assert most[0] == 1
