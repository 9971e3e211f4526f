"""The one module that runs Tesseract (through pytesseract's subprocess seam).

- `version()` probes the binary once; `check_language()` fails early with the apt command to run.
- `run()` is the single call site: every OCR goes through it, single-threaded (OMP_THREAD_LIMIT=1,
  parallelism comes from running pages side by side), so tests can patch one name.
- Failures are sorted: benign messages → empty output + warning; other non-zero exits → typed
  `TesseractError` raised from the original; exit 0 without the expected file → explicit error.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytesseract
from pytesseract import pytesseract as _pt

from pipeline.errors import (
    LanguageMissingError,
    TesseractError,
    TesseractNoOutputError,
    TesseractNotFoundError,
    TesseractTimeoutError,
)

log = logging.getLogger(__name__)

# Messages Tesseract prints for pages that simply have nothing to read.
BENIGN = ("Empty page", "Too few characters", "Image too small to scale", "Image too large",
          "Line cannot be recognized", "very small to scale")


@dataclass
class Output:
    """What one Tesseract pass produced; missing parts are empty."""

    tsv: str = ""
    txt: str = ""
    pdf: Path | None = None  # text-only PDF (textonly_pdf=1): the invisible layer
    warnings: list[str] = field(default_factory=list)


@functools.cache
def version() -> str:
    """'5.3.0'; raises `TesseractNotFoundError` with the install command."""
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as e:
        raise TesseractNotFoundError(_pt.tesseract_cmd) from e


def tessdata_dir(configured: Path | None) -> Path | None:
    """The folder Tesseract will read models from (configured, TESSDATA_PREFIX or the default)."""
    if configured:
        return Path(configured)
    if os.environ.get("TESSDATA_PREFIX"):
        return Path(os.environ["TESSDATA_PREFIX"])
    for cand in sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True):
        return cand
    return None


@functools.cache
def languages(configured: Path | None = None) -> frozenset[str]:
    version()
    args = [_pt.tesseract_cmd, "--list-langs"]
    if configured:
        args[1:1] = ["--tessdata-dir", str(configured)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    return frozenset(line.strip() for line in proc.stdout.splitlines()[1:] if line.strip())


def check_language(language: str, configured: Path | None = None) -> None:
    have = languages(configured)
    for lang in language.split("+"):
        if lang not in have:
            raise LanguageMissingError(lang)


def _config(language: str, tessdata: Path | None, psm: int, dpi: int | None, extra: dict[str, str]) -> str:
    parts = [f"--psm {psm}"]
    if tessdata:
        parts.append(f"--tessdata-dir {_quote(str(tessdata))}")
    if dpi:
        parts.append(f"--dpi {dpi}")
    parts += [f"-c {k}={v}" for k, v in extra.items()]
    return " ".join(parts)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


# Tesseract processes one process runs at once. Extraction re-reads zones side by side (fields of a
# document, documents of a run), and each process holds 35-55 MB: enough at once to fill both cores.
_SLOTS = threading.BoundedSemaphore(2)


def run(
    image: Path,
    out_base: Path,
    *,
    language: str = "vie",
    tessdata: Path | None = None,
    psm: int = 3,
    dpi: int | None = None,
    outputs: tuple[str, ...] = ("tsv", "txt", "pdf"),
    timeout: float = 180,
    config: dict[str, str] | None = None,
) -> Output:
    """One Tesseract pass over `image` producing all `outputs` at once (text, word boxes, PDF layer)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    extra = dict(config or {})
    if "tsv" in outputs:
        extra["tessedit_create_tsv"] = "1"
    if "pdf" in outputs:
        extra["textonly_pdf"] = "1"
    exts = " ".join(o for o in outputs if o != "tsv")
    try:
        with _SLOTS:
            _pt.run_tesseract(str(image), str(out_base), exts, language,
                              config=_config(language, tessdata, psm, dpi, extra), timeout=timeout)
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractNotFoundError(_pt.tesseract_cmd) from e
    except pytesseract.TesseractError as e:
        message = str(e.message)
        if any(b in message for b in BENIGN):
            log.warning("tesseract: %s: %s", image.name, message.strip())
            return Output(warnings=[f"tesseract: {_first_line(message)}"])
        if "Failed loading language" in message or "Error opening data file" in message:
            raise LanguageMissingError(language) from e
        raise TesseractError(f"exit {e.status}: {_first_line(message)}") from e
    except RuntimeError as e:  # pytesseract's timeout_manager
        if "timeout" in str(e).lower():
            raise TesseractTimeoutError(str(int(timeout))) from e
        raise TesseractError(str(e)) from e

    out = Output()
    for ext in outputs:
        path = out_base.with_name(out_base.name + "." + ext)
        if not path.exists():
            raise TesseractNoOutputError(path.name)
        if ext == "pdf":
            out.pdf = path
        else:
            setattr(out, ext, path.read_text(encoding="utf-8", errors="replace"))
    return out


_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_CONF = re.compile(r"Orientation confidence:\s*([\d.]+)")


def orientation(image: Path, *, tessdata: Path | None = None, timeout: float = 60) -> tuple[int, float]:
    """(degrees to rotate clockwise to make the page upright, confidence); (0, 0) when OSD can't tell."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    osd_data = tessdata if tessdata and (Path(tessdata) / "osd.traineddata").exists() else None
    try:
        text = pytesseract.image_to_osd(str(image), config=_config("osd", osd_data, 0, None, {}),
                                        timeout=timeout)
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractNotFoundError(_pt.tesseract_cmd) from e
    except (pytesseract.TesseractError, RuntimeError) as e:
        log.info("OSD could not decide on %s: %s", image.name, _first_line(str(e)))
        return 0, 0.0
    rot, conf = _ROTATE.search(text), _CONF.search(text)
    return (int(rot.group(1)) if rot else 0) % 360, float(conf.group(1)) if conf else 0.0


def _first_line(s: str) -> str:
    lines = [x for x in s.strip().splitlines() if x.strip()]
    return lines[0][:300] if lines else "(no message)"


def binary() -> str | None:
    return shutil.which(_pt.tesseract_cmd)
