"""A scanner's page (one JPEG over the whole page, at the OCR dpi) is decoded, not rendered; anything
else on the page sends it to the renderer."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from pipeline.ocr import PageJob, load_image, render_pdf_page
from pipeline.scanjpeg import full_page_jpeg
from pipeline.synth import Document, render_page, save_pdf


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return render_page(Document(), dpi=300)[0]


def _scan(tmp_path: Path, page: Image.Image, name: str = "scan.pdf", dpi: int = 300) -> Path:
    im = page if dpi == 300 else page.resize((round(page.width * dpi / 300), round(page.height * dpi / 300)))
    return save_pdf([im], tmp_path / name, dpi=dpi)


def _edit(src: Path, dst: Path, change: Callable[[pikepdf.Pdf, pikepdf.Page], None]) -> Path:
    with pikepdf.open(src) as pdf:
        change(pdf, pdf.pages[0])
        pdf.save(dst)
    return dst


def _job(pdf: Path, tmp_path: Path, **kw: object) -> PageJob:
    return PageJob(source=pdf, media_type="application/pdf", number=1, frame=0, native_dpi=None, work_dir=tmp_path,
                   language="vie", tessdata=None, ocr_dpi=300, min_output_dpi=200, detect_orientation=False,
                   deskew=False, timeout=60, **kw)  # type: ignore[arg-type]


def _gray(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("L"), dtype=np.int16)


def test_scanner_page_is_its_jpeg_and_the_picture_the_renderer_draws(tmp_path, page):
    pdf = _scan(tmp_path, page)
    with pikepdf.open(pdf) as doc:
        (raw,) = [im.read_raw_bytes() for im in doc.pages[0].Resources.XObject.values()]
    got = full_page_jpeg(pdf, 1, 300)
    assert got is not None and got.mode == "RGB"
    assert got.tobytes() == Image.open(io.BytesIO(raw)).convert("RGB").tobytes()  # the JPEG as it is

    rendered = render_pdf_page(pdf, 1, 300)
    assert abs(got.width - rendered.width) <= 2 and abs(got.height - rendered.height) <= 2
    w, h = min(got.width, rendered.width), min(got.height, rendered.height)
    diff = np.abs(_gray(got)[:h, :w] - _gray(rendered)[:h, :w])
    assert diff.mean() < 6  # same picture, not flipped, inverted or shifted (a shift is ~30 on text)


def test_gray_scan_stays_gray_through_load_image(tmp_path, page):
    pdf = _scan(tmp_path, page.convert("L"))
    im, dpi = load_image(_job(pdf, tmp_path))
    assert (im.mode, dpi) == ("L", 300)
    assert full_page_jpeg(pdf, 1, 300) is not None


def test_force_image_page_is_rendered(tmp_path, page, monkeypatch):
    """A page with /Rotate (force_image) is left to the renderer, which applies the rotation."""
    pdf = _scan(tmp_path, page)
    from pipeline import scanjpeg

    monkeypatch.setattr(scanjpeg, "full_page_jpeg", lambda *a: pytest.fail("decoded a /Rotate page"))
    im, _ = load_image(_job(pdf, tmp_path, force_image=True))
    assert im.size == render_pdf_page(pdf, 1, 300).size


def _with_annotation(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
    """A digital signature's visible stamp is a widget with its own appearance."""
    ap = pdf.make_stream(b"0 0 1 rg 0 0 100 40 re f")
    ap.Type, ap.Subtype, ap.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 100, 40]
    annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                 Rect=[300, 100, 400, 140], F=4, AP=pikepdf.Dictionary(N=ap)))
    pg.obj.Annots = pdf.make_indirect(pikepdf.Array([annot]))


def _with_text(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
    pg.contents_add(pdf.make_stream(b"BT /F1 12 Tf 72 72 Td (x) Tj ET"), prepend=False)


def _with_crop(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
    x0, y0, x1, y1 = (float(v) for v in pg.mediabox)
    pg.obj.CropBox = pikepdf.Array([x0 + 20, y0 + 20, x1 - 20, y1 - 20])


def _with_smask(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
    (image,) = pg.Resources.XObject.values()
    mask = pdf.make_stream(b"\xff" * 4, Width=2, Height=2, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    image.SMask = mask


def _half_size(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
    """The JPEG drawn over the left half only: the rest of the page is white paper."""
    x0, y0, x1, y1 = (float(v) for v in pg.mediabox)
    pg.Contents = pdf.make_stream(f"q {(x1 - x0) / 2} 0 0 {y1 - y0} 0 0 cm /image Do Q".encode())


@pytest.mark.parametrize("change", [_with_annotation, _with_text, _with_crop, _with_smask, _half_size],
                         ids=["signature-stamp", "text", "crop-box", "soft-mask", "half-page"])
def test_page_with_anything_more_is_rendered(tmp_path, page, change):
    pdf = _edit(_scan(tmp_path, page), tmp_path / "edited.pdf", change)
    assert full_page_jpeg(pdf, 1, 300) is None


def test_jpeg_at_another_resolution_is_rendered_at_the_ocr_dpi(tmp_path, page):
    pdf = _scan(tmp_path, page, dpi=200)
    assert full_page_jpeg(pdf, 1, 300) is None
    assert full_page_jpeg(pdf, 1, 200) is not None
    im, dpi = load_image(_job(pdf, tmp_path))
    assert dpi == 300 and abs(im.width - page.width) <= 2


def test_lossless_page_is_rendered(tmp_path, page):
    import img2pdf

    png = io.BytesIO()
    page.convert("L").save(png, "PNG", dpi=(300, 300))
    pdf = tmp_path / "flate.pdf"
    pdf.write_bytes(img2pdf.convert(png.getvalue()))
    with pikepdf.open(pdf) as doc:
        (image,) = doc.pages[0].Resources.XObject.values()
        assert image.Filter == "/FlateDecode"
    assert full_page_jpeg(pdf, 1, 300) is None


def test_truncated_jpeg_is_left_to_the_renderer(tmp_path, page):
    def truncate(pdf: pikepdf.Pdf, pg: pikepdf.Page) -> None:
        (image,) = pg.Resources.XObject.values()
        image.write(image.read_raw_bytes()[:5000], filter=pikepdf.Name.DCTDecode)

    pdf = _edit(_scan(tmp_path, page), tmp_path / "cut.pdf", truncate)
    assert full_page_jpeg(pdf, 1, 300) is None
