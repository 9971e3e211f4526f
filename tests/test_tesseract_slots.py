"""Extraction reads zones from several threads at once; the Tesseract seam bounds how many processes run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipeline import tesseract


def test_zone_reads_from_eight_threads_run_at_most_two_tesseract_processes_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Tesseract process holds 35-55 MB; fields × documents read side by side must not multiply that."""
    running, most = [0], [0]
    guard = threading.Lock()

    def fake_tesseract(image: str, out_base: str, *args: object, **kwargs: object) -> None:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        Path(out_base + ".txt").write_text("12\n", encoding="utf-8")
        with guard:
            running[0] -= 1

    monkeypatch.setattr(tesseract._pt, "run_tesseract", fake_tesseract)
    reads: list[str | None] = []

    def read(i: int) -> None:
        out = tesseract.run(tmp_path / "zone.png", tmp_path / f"zone{i}", psm=7, outputs=("txt",), timeout=5)
        reads.append(out.txt)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert reads == ["12\n"] * 8
    assert most[0] == 2
