"""Shared fixtures. Test documents are rendered here (pipeline.synth), never read from ../shared."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from rapidfuzz.distance import Levenshtein

from pipeline import document, intake
from pipeline.archive import LocalArchive
from pipeline.options import Options
from pipeline.synth import FONT_DIRS, Document, render_page

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(autouse=True, scope="session")
def _search_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Search indexes of S3 test archives (kept under XDG_CACHE_HOME) go to a temporary folder, not ~/.cache."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


def cer(got: str, truth: str) -> float:
    """Character error rate on the sorted words, so reading order of columns does not count."""
    a, b = " ".join(sorted(got.split())), " ".join(sorted(truth.split()))
    return Levenshtein.distance(a, b) / max(1, len(b))


@pytest.fixture(scope="session")
def page_decision() -> tuple[Image.Image, str]:
    return render_page(Document())


@pytest.fixture
def options(tmp_path: Path) -> Options:
    return Options(jobs=1, work_dir=tmp_path / "work", min_file_age_seconds=0)


@pytest.fixture
def archive(tmp_path: Path) -> LocalArchive:
    return LocalArchive(tmp_path / "archive")


@pytest.fixture
def digitize(archive: LocalArchive, options: Options) -> Callable[[Path], document.Outcome]:
    """Run one file through the whole pipeline (inline, no Prefect) and return its outcome."""

    def run(path: Path, **kw: object) -> document.Outcome:
        dossier = path.parent.name if path.parent.name.startswith("dossier") else None
        item = intake.InputFile(path, dossier, path.name, path.stat().st_size, path.stat().st_mtime)
        return document.process(item, archive, options, **kw)  # type: ignore[arg-type]

    return run


def font_path(bold: bool = False) -> str:
    name = "NotoSerif-Bold.ttf" if bold else "NotoSerif-Regular.ttf"
    for d in FONT_DIRS:
        if (d / name).exists():
            return str(d / name)
    return str(FONT_DIRS[1] / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"))


def born_digital_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF with a real Unicode text layer (embedded TrueType font), as office software writes."""
    pdf = FPDF(format="A4")
    pdf.add_font("serif", "", font_path())
    pdf.set_font("serif", size=13)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def stamped_scan_pdf(path: Path, page: Image.Image, stamp: list[str]) -> Path:
    """A scanned page image with only a small digital-signature text layer on top."""
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=80)
    pdf = FPDF(format="A4")
    pdf.add_font("serif", "", font_path())
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=0, y=0, w=210, h=297)
    pdf.set_font("serif", size=7)
    pdf.set_xy(140, 5)
    for line in stamp:
        pdf.cell(0, 3.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(140)
    pdf.output(str(path))
    return path
