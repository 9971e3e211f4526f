"""Page images handed to Tesseract: gray, colourless pages as they are, red seals faded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from pipeline import preprocess, tesseract
from pipeline.synth import Document, render_page


def test_rgb_page_without_colour_goes_to_tesseract_as_the_same_gray_page():
    gray = Image.linear_gradient("L").resize((300, 200))
    got = preprocess.to_rgb_or_gray(gray.convert("RGB"))
    assert got.mode == "L"
    assert got.tobytes() == gray.tobytes()


def test_one_coloured_pixel_keeps_the_page_in_colour():
    im = Image.new("RGB", (300, 200), "white")
    im.putpixel((150, 100), (200, 30, 30))  # a speck of red seal
    assert preprocess.to_rgb_or_gray(im).mode == "RGB"


def test_transparent_png_is_flattened_on_white_and_then_judged():
    im = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    ImageDraw.Draw(im).rectangle((10, 10, 20, 20), fill=(0, 0, 0, 255))
    got = preprocess.to_rgb_or_gray(im)
    assert got.mode == "L"
    assert got.getpixel((0, 0)) == 255 and got.getpixel((15, 15)) == 0


def test_tesseract_reads_a_colourless_rgb_page_exactly_as_its_gray_version(tmp_path):
    page, _ = render_page(Document())
    band = page.convert("RGB").crop((0, 0, page.width, page.height // 3))
    texts = []
    for name, im in (("rgb.ppm", band), ("gray.pgm", preprocess.to_rgb_or_gray(band))):
        im.save(tmp_path / name)
        out = tesseract.run(tmp_path / name, tmp_path / name, dpi=300, outputs=("tsv",), timeout=60)
        texts.append(out.tsv)
    assert "QUYẾT" in texts[0]
    assert texts[0] == texts[1]


def test_unchanged_pdf_page_is_not_written_out_and_zones_see_what_ocr_saw(tmp_path):
    from pipeline.extract import zones
    from pipeline.models import PageText
    from pipeline.ocr import PageJob, ocr_page, render_pdf_page
    from pipeline.synth import save_pdf

    page, _ = render_page(Document(), dpi=150)
    pdf = save_pdf([page], tmp_path / "scan.pdf", dpi=150)
    job = PageJob(source=pdf, media_type="application/pdf", number=1, frame=0, native_dpi=None, work_dir=tmp_path,
                  language="vie", tessdata=None, ocr_dpi=150, min_output_dpi=150, detect_orientation=False,
                  deskew=True, timeout=60)
    got = ocr_page(job)
    assert got.image_path is None and not got.replace_image
    assert not list(tmp_path.glob("*.png"))
    text = PageText(1, got.width, got.height, "ocr", got.lines, None, got.dpi, pdf_path=pdf)
    seen = render_pdf_page(pdf, 1, 150).convert("RGB")
    for box in ((0.0, 0.0, 200.0, 100.0), (37.3, 41.9, 330.2, 211.7), (100.0, 700.0, got.width, got.height)):
        crop, k = zones.crop_zone(text, box)
        px = tuple(int(v * k) for v in (box[0], box[1], min(box[2], got.width), min(box[3], got.height)))
        assert k == 150 / 72 and crop.size == (px[2] - px[0], px[3] - px[1])
        assert crop.tobytes() == seen.crop(px).tobytes(), box
    zones.release([text])
    assert not zones._OPEN_PAGES._open  # the document's pages are closed, not left to the cache


def test_zone_crops_of_more_pages_than_kept_open_stay_exact_and_the_oldest_is_closed(tmp_path):
    from pipeline.extract import zones
    from pipeline.models import PageText
    from pipeline.ocr import render_pdf_page
    from pipeline.synth import save_pdf

    pages = []
    for i in range(zones._OPEN_PAGES.size + 1):  # one more document page than the cache holds
        im = Image.new("RGB", (300, 200), "white")
        ImageDraw.Draw(im).rectangle((20 + 30 * i, 40, 80 + 30 * i, 90), fill=(200, 30, 30))
        pdf = save_pdf([im], tmp_path / f"scan{i}.pdf", dpi=100)
        pages.append((PageText(1, 216.0, 144.0, "ocr", dpi=100, pdf_path=pdf), render_pdf_page(pdf, 1, 100)))
    for _ in range(2):  # the second round reopens what was evicted
        for text, seen in pages:
            crop, k = zones.crop_zone(text, (10.0, 20.0, 150.0, 100.0))
            px = tuple(int(v * k) for v in (10.0, 20.0, 150.0, 100.0))
            assert crop.tobytes() == seen.convert("RGB").crop(px).tobytes()
    assert len(zones._OPEN_PAGES._open) == zones._OPEN_PAGES.size
    zones.release([text for text, _ in pages])
    assert not zones._OPEN_PAGES._open


def _sealed_page() -> Image.Image:
    """Black text under a red ring (a seal) and a line of red capitals (a red title) elsewhere."""
    im = Image.new("RGB", (1200, 1200), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((500, 580, 700, 620), fill=(0, 0, 0))  # a word of black print under the seal
    d.ellipse((400, 400, 800, 800), outline=(215, 35, 40), width=12)
    d.rectangle((450, 595, 750, 605), fill=(215, 35, 40))  # seal ink crossing the print
    d.rectangle((100, 100, 1100, 140), fill=(215, 35, 40))  # a red title line, far wider than high
    return im


def test_red_seal_is_faded_for_tesseract_and_black_print_under_it_kept():
    im = _sealed_page()
    [box] = preprocess.seal_boxes(im, 300)
    assert box[0] <= 400 and box[1] <= 400 and box[2] >= 800 and box[3] >= 800
    gray = preprocess.for_tesseract(im, 300)
    assert gray.mode == "L"
    assert gray.getpixel((405, 600)) > 200  # the ring
    assert gray.getpixel((470, 600)) > 200  # seal ink outside the print
    assert gray.getpixel((600, 590)) < 30  # print under the seal
    assert gray.getpixel((600, 120)) < 120  # the red title is not a seal: it stays as dark as its luma


def test_framed_red_stamp_is_not_a_seal_so_its_text_is_read():
    """A digital-signature stamp (red frame, 'Ký bởi: …', the signing time) is squarish but not round."""
    im = Image.new("RGB", (1200, 1200), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((300, 300, 800, 640), outline=(215, 35, 40), width=8)
    for y in (340, 420, 500, 580):
        d.rectangle((330, y, 760, y + 30), fill=(215, 35, 40))  # lines of red text
    assert preprocess.seal_boxes(im, 300) == []
    assert preprocess.for_tesseract(im, 300).getpixel((500, 355)) < 120


@settings(max_examples=40, deadline=None)
@given(w=st.integers(8, 400), h=st.integers(8, 400), ring=st.tuples(st.integers(0, 300), st.integers(0, 300),
       st.integers(20, 300)), colour=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)))
def test_tesseract_input_is_the_luma_outside_seal_boxes(w, h, ring, colour):
    im = Image.new("RGB", (w, h), "white")
    x, y, r = ring
    ImageDraw.Draw(im).ellipse((x, y, x + r, y + r), outline=colour, width=6)
    got = preprocess.for_tesseract(im, 100)
    assert got.mode == "L" and got.size == im.size
    boxes = preprocess.seal_boxes(im, 100)
    outside = Image.new("L", im.size, 255)
    for box in boxes:
        outside.paste(0, box)
    assert ImageChops.multiply(ImageChops.difference(got, im.convert("L")), outside).getbbox() is None


def test_pink_page_is_not_a_seal_so_its_red_title_is_kept():
    """A land certificate's pink paper counts as 'red' everywhere: far larger than any seal."""
    im = Image.new("RGB", (2480, 3508), (245, 195, 200))
    ImageDraw.Draw(im).rectangle((600, 500, 1900, 560), fill=(210, 30, 40))  # the red title
    assert preprocess.seal_boxes(im, 300) == []
    assert preprocess.for_tesseract(im, 300).getpixel((1200, 530)) < 100


def test_colourless_page_goes_to_tesseract_unchanged():
    gray = Image.linear_gradient("L").resize((300, 200))
    assert preprocess.for_tesseract(gray, 300) is gray


def test_signer_title_under_a_red_seal_is_read_on_the_page(tmp_path):
    """Regression: read in colour (or as luma), the seal hid 'TM. ỦY BAN NHÂN DÂN' from the page's text."""
    from pipeline.ocr import PageJob, ocr_page
    from pipeline.synth import save_pdf

    page, _ = render_page(Document(red_seal=True), dpi=300)
    pdf = save_pdf([page], tmp_path / "scan.pdf", dpi=300)
    job = PageJob(source=pdf, media_type="application/pdf", number=1, frame=0, native_dpi=None, work_dir=tmp_path,
                  language="vie", tessdata=None, ocr_dpi=300, min_output_dpi=200, detect_orientation=False,
                  deskew=False, timeout=120)
    got = ocr_page(job)
    text = "\n".join(line.text for line in got.lines)
    assert "ỦY BAN NHÂN DÂN" in text.split("Nơi nhận")[-1]


@pytest.fixture(scope="module")
def page_300_dpi() -> Image.Image:
    return render_page(Document(), dpi=300)[0]  # 2480 px wide: reduced, then resized, to measure skew


@pytest.mark.parametrize("angle", [-4.2, -1.35, 0.0, 0.6, 2.5, 4.75])
def test_skew_of_a_300_dpi_page_is_measured_to_the_step(angle, page_300_dpi):
    turned = page_300_dpi.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    profile = preprocess.line_profile(turned)
    assert profile is not None and profile.lines_horizontal
    assert abs(profile.skew - angle) <= 0.1

