"""Draw a `Document` as an A4 page image (Decree 30/2020 layout), and save pages as a scanned PDF."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from pipeline.synth.document import Document

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))
FONTS = {
    "regular": ("NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "bold": ("NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "italic": ("NotoSerif-Italic.ttf", "DejaVuSerif-Italic.ttf", "NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "typewriter": ("DejaVuSansMono.ttf",),  # Liberation Mono lacks the Vietnamese capitals
}


@functools.cache
def font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    for name in FONTS[style]:
        for d in FONT_DIRS:
            if (d / name).exists():
                return ImageFont.truetype(str(d / name), size_px)
    raise FileNotFoundError("no serif font: apt-get install fonts-noto-core fonts-dejavu-core")


def _wrap(draw: ImageDraw.ImageDraw, text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=fnt) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


class _Page:
    """Drawing state of one page: fonts of the document's style, columns, the printed text so far."""

    def __init__(self, doc: Document, dpi: int, color: bool) -> None:
        self.doc, self.dpi = doc, dpi
        w, h = round(8.27 * dpi), round(11.69 * dpi)
        self.im = Image.new("RGB" if color else "L", (w, h), "white")
        self.d = ImageDraw.Draw(self.im)
        self.size = round(13 * dpi / 72)
        styles = ("typewriter",) * 3 if doc.typewriter else ("regular", "bold", "italic")
        self.reg, self.bold, self.ital = (font(s, self.size) for s in styles)
        self.left, self.right = round(0.8 * dpi), w - round(0.6 * dpi)
        self.col_l = (self.left, self.left + round(3.1 * dpi))
        self.col_r = (self.left + round(3.0 * dpi), self.right)
        self.step = round(self.size * 1.45)
        self.printed: list[str] = []
        self.left_block: list[str] = []  # the header's two columns, printed column by column
        self.right_block: list[str] = []
        self.rng = np.random.default_rng(doc.hand_seed)

    def centered(self, text: str, fnt: ImageFont.FreeTypeFont, col: tuple[int, int], y: int,
                 fill: object = 0) -> tuple[float, float]:
        x = col[0] + (col[1] - col[0] - self.d.textlength(text, font=fnt)) / 2
        self.d.text((x, y), text, font=fnt, fill=fill)
        return x, x + self.d.textlength(text, font=fnt)

    def rule(self, x0: float, x1: float, y: int) -> None:
        self.d.line([(x0, y), (x1, y)], fill=0, width=max(1, self.dpi // 150))

    def with_blanks(self, pieces: list[str | tuple[str, str]], fnt: ImageFont.FreeTypeFont,
                    col: tuple[int, int], y: int) -> None:
        """A line of printed `pieces` and handwritten ones (`("hand", value)`), centred in `col`: each
        handwritten value stands in a blank as wide as the writing and a little more."""
        from pipeline.synth import handwriting

        space = self.d.textlength(" ", font=fnt)
        parts: list[tuple[str, object, float]] = []
        for p in pieces:
            if isinstance(p, str):
                parts.append(("print", p, self.d.textlength(p, font=fnt)))
            elif self.doc.inserted:  # the signing system's typed digits: upright, smaller, raised a little
                small = font("regular", round(self.size * 0.85))
                parts.append(("typed", p[1], max(self.d.textlength(p[1], font=small) + 1.2 * space,
                                                 2.5 * self.size)))
            else:
                mask = handwriting.write(p[1], round(self.size * self.rng.uniform(0.85, 1.2)), self.rng)
                parts.append(("hand", mask, max(mask.shape[1] + 1.2 * space, 2.5 * self.size)))
        total = sum(w for _, _, w in parts) + space * (len(parts) - 1)
        x = col[0] + (col[1] - col[0] - total) / 2
        baseline = y + fnt.getmetrics()[0]
        for kind, what, width in parts:
            if kind == "print":
                self.d.text((x, y), str(what), font=fnt, fill=0)
            elif kind == "typed":
                small = font("regular", round(self.size * 0.85))
                tw = self.d.textlength(str(what), font=small)
                self.d.text((x + (width - tw) / 2, y - round(0.1 * self.size)), str(what), font=small, fill=0)
            else:
                mask = np.asarray(what)
                drop = round(self.size * self.rng.uniform(-0.05, 0.15))
                handwriting.paste(self.im, mask, round(x + (width - mask.shape[1]) / 2), baseline + drop,
                                  self.doc.ink)
            x += width + space


def _header(p: _Page) -> int:
    doc = p.doc
    y = round(0.8 * p.dpi)
    left_lines = ([(doc.parent_agency, p.reg)] if doc.parent_agency else []) + [(t, p.bold) for t in doc.agency_lines]
    right_lines = [(doc.national[0], p.bold), (doc.national[1], p.bold)]
    spans = {}
    for i in range(max(len(left_lines), len(right_lines))):
        if i < len(left_lines):
            spans["left"] = p.centered(left_lines[i][0], left_lines[i][1], p.col_l, y + i * p.step)
        if i < len(right_lines):
            spans["right"] = p.centered(right_lines[i][0], right_lines[i][1], p.col_r, y + i * p.step)
    p.left_block, p.right_block = [t for t, _ in left_lines], [t for t, _ in right_lines]
    if doc.rules:  # under the agency: a third of its width; under the motto: its width
        (l0, l1), (r0, r1) = spans["left"], spans["right"]
        below = y + p.size + round(0.25 * p.size)
        p.rule(l0 + (l1 - l0) / 3, l1 - (l1 - l0) / 3, below + (len(left_lines) - 1) * p.step)
        p.rule(r0, r1, below + (len(right_lines) - 1) * p.step)
    return y + max(len(left_lines), len(right_lines)) * p.step + int(doc.number_gap * p.step)


def _number_and_date(p: _Page, y: int) -> None:
    doc = p.doc
    if "number" in doc.hand and doc.number:
        p.with_blanks(["Số:", ("hand", doc.number), f"/{doc.symbol}"], p.reg, p.col_l, y)
    else:
        p.centered(doc.number_line, p.reg, p.col_l, y)
    if {"day", "month"} & set(doc.hand):
        day = ("hand", doc.day) if "day" in doc.hand else doc.day
        month = ("hand", doc.month) if "month" in doc.hand else doc.month
        p.with_blanks([f"{doc.place}, ngày", day, "tháng", month, f"năm {doc.year}"], p.ital, p.col_r, y)
    else:
        p.centered(doc.date_line, p.ital, p.col_r, y)
    p.left_block.append(doc.number_line)
    p.right_block.append(doc.date_line)


def _title_and_summary(p: _Page, y: int) -> int:
    """Below the number and date; the printed text in reading order: the left block (agency, number,
    a công văn's "V/v"), then the right one (national title, date), then what runs across the page."""
    doc = p.doc
    p.printed += p.left_block
    if doc.type_name is None:  # công văn: "V/v …" under the number, then "Kính gửi:"
        for line in doc.summary_lines:
            p.centered(line, p.reg, p.col_l, y)
            p.printed.append(line)
            y += p.step
        y += p.step
        p.printed += p.right_block
        for i, r in enumerate(doc.recipients):
            line = f"Kính gửi: {r}" if i == 0 else f"- {r}"
            p.centered(line, p.reg, (p.left, p.right), y)
            p.printed.append(line)
            y += p.step
        return y + (p.step if doc.recipients else 0)
    p.printed += p.right_block
    y += p.step
    p.centered(doc.type_name, p.bold, (p.left, p.right), y)
    p.printed.append(doc.type_name)
    y += p.step
    for line in doc.summary_lines:
        p.centered(line, p.bold, (p.left, p.right), y)
        p.printed.append(line)
        y += p.step
    return y + p.step


def _body_and_signer(p: _Page, y: int, color: bool) -> None:
    doc, dpi, step = p.doc, p.dpi, p.step
    body = doc.body + (f" Công dân có số định danh cá nhân {doc.citizen_id}." if doc.citizen_id else "")
    for para in [body, *doc.extra_body_lines]:
        for line in _wrap(p.d, para, p.reg, p.right - p.left):
            p.d.text((p.left, y), line, font=p.reg, fill=0)
            p.printed.append(line)
            y += step
    y += step
    sig_col = (p.left + round(3.4 * dpi), p.right)
    sig_top = y
    for line in doc.signer_lines:
        p.centered(line, p.bold, sig_col, y)
        p.printed.append(line)
        y += step
    y += 3 * step
    p.centered(doc.signer_name, p.bold, sig_col, y)
    p.printed.append(doc.signer_name)
    small = font("typewriter" if doc.typewriter else "bold", round(11 * dpi / 72))
    p.d.text((p.left, sig_top), "Nơi nhận:", font=small, fill=0)
    p.printed.insert(len(p.printed) - len(doc.signer_lines) - 1, "Nơi nhận:")
    if doc.red_seal and color:
        cx, cy, r = (sig_col[0] + sig_col[1]) // 2 - round(0.5 * dpi), sig_top + step, round(0.75 * dpi)
        red = (215, 35, 40)
        ink = Image.new("RGB", p.im.size, "white")  # seal ink over print: where both lie the print stays dark
        d = ImageDraw.Draw(ink)
        for k in range(3):
            d.ellipse((cx - r + k * 10, cy - r + k * 10, cx + r - k * 10, cy + r - k * 10), outline=red, width=6)
        d.text((cx - r // 2, cy - p.size // 2), "* UBND *", font=font("bold", round(p.size * 0.8)), fill=red)
        p.im.paste(ImageChops.multiply(p.im, ink))


def render_page(doc: Document, *, dpi: int = 300, color: bool = True) -> tuple[Image.Image, str]:
    """An A4 page image and the text printed on it (reading order, one line per printed line)."""
    p = _Page(doc, dpi, color)
    y = _header(p)
    _number_and_date(p, y)
    y = _title_and_summary(p, y + p.step)
    _body_and_signer(p, y, color)
    return p.im, "\n".join(p.printed)


def save_pdf(images: list[Image.Image], path: Path, dpi: int = 300, quality: int = 80) -> Path:
    """An image-only ('scanned') PDF, JPEG pages, like a scanner writes."""
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=quality)
    return path
