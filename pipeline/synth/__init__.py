"""Synthetic Vietnamese administrative pages (Decree 30/2020 layout), rendered with Pillow.

Used for the sample inbox, the tests and the benchmarks: every page comes with its ground truth,
so nothing large needs to be committed. Fonts come from Debian packages (fonts-noto-core,
fonts-dejavu-core); nothing is downloaded.

- `document`: `Document`, the header fields and the layout variants of one page (a Sở under its
  People's Committee, a công văn with "V/v" in the left column, "Kính gửi", a number line touching the
  agency block, typewritten older scans, header rules, handwritten blanks);
- `render`: `render_page` (the page image and its printed text) and `save_pdf` (an image-only PDF);
- `handwriting`: digits written into blanks from MNIST digits the digit classifiers never trained on;
- `components`: citizens' papers of a dossier (receipt with QR code, application form, ID card, land
  certificate, contract, decision, an unnamed paper) and their mix (`sample`, `generate`);
- `paper`: what those papers are drawn with (fonts, `Page`, QR codes, an invented `Person`) and the
  scan qualities they are put through (`degrade`, `photo`).
"""

from __future__ import annotations

from pipeline.synth.document import BODY, Document
from pipeline.synth.render import FONT_DIRS, FONTS, _wrap, font, render_page, save_pdf

__all__ = ["BODY", "FONTS", "FONT_DIRS", "Document", "_wrap", "font", "render_page", "save_pdf"]
