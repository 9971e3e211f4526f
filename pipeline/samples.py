"""A small sample inbox: rendered documents in every accepted format, two dossiers and a loose file, and
a front desk's scans of a citizen's papers (receipt with its QR code, application form, ID card) in a
folder that is no dossier code, which the receipt's QR code links to its dossier."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from pipeline.synth import Document, render_page, save_pdf
from pipeline.synth.components import form, id_card, receipt
from pipeline.synth.paper import person

FRONT_DESK = "quay-tiep-nhan-2024-01-26"  # scans of the day at the front desk, not filed under a dossier yet
RECEIPT_CODE = "000.00.20.H27-240126-0003"


def write_sample_inbox(inbox: Path, dpi: int = 300) -> list[Path]:
    """Write the sample documents and return their paths (idempotent: existing files are kept)."""
    dossier_a = inbox / "000.00.20.H27-240126-0001"
    dossier_b = inbox / "000.00.20.H27-240126-0002"
    for d in (dossier_a, dossier_b):
        d.mkdir(parents=True, exist_ok=True)
    decision, _ = render_page(Document(red_seal=True), dpi=dpi)
    directive, _ = render_page(Document(number="05", symbol="CT-UBND", type_name="CHỈ THỊ",
                                        summary_lines=("Về việc tăng cường số hóa hồ sơ",)), dpi=dpi)
    letter, _ = render_page(Document(number="299", symbol="UBND-TTHC", type_name=None,
                                     summary_lines=("V/v công bố Danh mục thủ tục", "hành chính"),
                                     signer_lines=("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"),
                                     signer_name="Trần Thị Bình", citizen_id="051190001234"), dpi=dpi)
    out = {
        dossier_a / "quyet-dinh.pdf": lambda p: save_pdf([decision, directive.rotate(90, expand=True)], p, dpi),
        dossier_a / "cong-van.jpg": lambda p: letter.save(p, quality=85, dpi=(dpi, dpi)),
        dossier_b / "chi-thi.png": lambda p: directive.convert("L").save(p, dpi=(dpi, dpi)),
        dossier_b / "ho-so.tif": lambda p: decision.copy().save(p, save_all=True, append_images=[letter.copy()],
                                                         compression="tiff_lzw", dpi=(dpi, dpi)),
        inbox / "loose-letter.png": lambda p: letter.convert("L").save(p, dpi=(dpi, dpi)),
        **_front_desk(inbox / FRONT_DESK),
    }
    for path, write in out.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            write(path)
    return list(out)


def _front_desk(folder: Path) -> dict[Path, Callable[[Path], None]]:
    rng = random.Random(26)
    citizen = person(rng)
    slip = receipt(rng, code=RECEIPT_CODE, p=citizen)
    application = form(rng, p=citizen)
    card = id_card(rng, p=citizen, layout="front")
    return {
        folder / "giay-tiep-nhan.pdf": lambda p: slip.images[0].save(p, "PDF", resolution=300),
        folder / "don-de-nghi.pdf": lambda p: application.images[0].save(p, "PDF", resolution=300),
        folder / "cccd.jpg": lambda p: card.images[0].convert("RGB").save(p, quality=88),
    }
