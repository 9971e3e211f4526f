"""The one settings model: CLI flags, Prefect flow parameters (rendered as a form) and `SOHOA_*`.

Precedence: explicit values (CLI flag, flow parameter) > environment `SOHOA_*` > defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Options(BaseSettings):
    """How documents are digitized. Every field can be set as `SOHOA_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    language: str = Field("vie", title="OCR language", description="Tesseract language(s), e.g. `vie` or `vie+eng`.",
                          pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    tessdata_dir: Path | None = Field(None, title="Tessdata folder",
                                      description="Folder with a better `vie.traineddata`; default: Tesseract's own.")
    ocr_dpi: int = Field(300, ge=150, le=600, title="OCR resolution (dpi)",
                         description="Scanned pages are rendered or upscaled to this resolution before OCR.")
    min_output_dpi: int = Field(200, ge=150, le=600, title="Minimum image dpi in the searchable PDF",
                                description="Circular 05/2025/TT-BNV asks at least 200 dpi.")
    jobs: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64, title="Parallel OCR pages",
                      description="Pages OCR'd at once; each Tesseract runs single-threaded.")
    ocr_timeout: float = Field(180.0, ge=5, le=3600, title="Tesseract timeout per page (s)")
    detect_orientation: bool = Field(True, title="Fix page orientation (OSD)")
    deskew: bool = Field(True, title="Correct skew")
    max_pages: int = Field(2000, ge=1, le=100_000, title="Maximum pages per document")
    max_page_megapixels: float = Field(200.0, ge=1, le=2000, title="Maximum megapixels per page")
    max_file_mb: float = Field(2048.0, ge=1, title="Maximum input file size (MB)")
    min_file_age_seconds: float = Field(
        5.0, ge=0, title="Minimum file age (s)",
        description="Younger files may still be being written and are left for the next run.")
    work_dir: Path | None = Field(None, title="Work directory", description="Default: the system temp folder.")
    keep_work: bool = Field(False, title="Keep work files", description="Keep per-page work files for debugging.")
    pdfa: bool = Field(True, title="Write PDF/A-2b")
