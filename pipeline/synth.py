"""Synthetic Vietnamese administrative pages (Decree 30/2020 layout), rendered with Pillow.

Used for the sample inbox, the tests and the benchmarks: every page comes with its ground truth,
so nothing large needs to be committed. Fonts come from Debian packages (fonts-noto-core,
fonts-dejavu-core); nothing is downloaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))
FONTS = {
    "regular": ("NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "bold": ("NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "italic": ("NotoSerif-Italic.ttf", "DejaVuSerif-Italic.ttf", "NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
}

BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 "
    "năm 2019; Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
    "văn thư; Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 125/TTr-SNV ngày 02 tháng 01 năm "
    "2025 về việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính trên địa bàn tỉnh."
)


@functools.cache
def font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    for name in FONTS[style]:
        for d in FONT_DIRS:
            if (d / name).exists():
                return ImageFont.truetype(str(d / name), size_px)
    raise FileNotFoundError("no serif font: apt-get install fonts-noto-core fonts-dejavu-core")


@dataclass
class Document:
    """Header fields of a synthetic document; `None` number renders a blank to be filled by hand."""

    parent_agency: str | None = None
    agency_lines: tuple[str, ...] = ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI")
    number: str | None = "12"
    symbol: str = "QĐ-UBND"
    place: str = "Quảng Ngãi"
    day: str = "05"
    month: str = "01"
    year: str = "2025"
    type_name: str | None = "QUYẾT ĐỊNH"
    summary_lines: tuple[str, ...] = ("Về việc số hóa hồ sơ, kết quả giải quyết", "thủ tục hành chính")
    body: str = BODY
    signer_lines: tuple[str, ...] = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    signer_name: str = "Nguyễn Văn An"
    red_seal: bool = False
    citizen_id: str | None = None
    extra_body_lines: list[str] = field(default_factory=list)

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}/{self.symbol}" if self.number else f"Số:        /{self.symbol}"

    @property
    def date_line(self) -> str:
        return f"{self.place}, ngày {self.day} tháng {self.month} năm {self.year}"


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


def render_page(doc: Document, *, dpi: int = 300, color: bool = True) -> tuple[Image.Image, str]:
    """An A4 page image and the text printed on it (reading order, one line per printed line)."""
    px = dpi / 72
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    im = Image.new("RGB" if color else "L", (w, h), "white")
    d = ImageDraw.Draw(im)
    size = round(13 * px)
    reg, bold, ital = font("regular", size), font("bold", size), font("italic", size)
    left, right = round(0.8 * dpi), w - round(0.6 * dpi)
    col_l = (left, left + round(3.1 * dpi))
    col_r = (left + round(3.0 * dpi), right)
    printed: list[str] = []
    step = round(size * 1.45)

    def centered(text: str, fnt: ImageFont.FreeTypeFont, col: tuple[int, int], y: int, fill: object = 0) -> None:
        x = col[0] + (col[1] - col[0] - d.textlength(text, font=fnt)) / 2
        d.text((x, y), text, font=fnt, fill=fill)

    y = round(0.8 * dpi)
    left_lines = ([(doc.parent_agency, reg)] if doc.parent_agency else []) + [(t, bold) for t in doc.agency_lines]
    right_lines = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold), ("Độc lập - Tự do - Hạnh phúc", bold)]
    for i in range(max(len(left_lines), len(right_lines))):
        if i < len(left_lines):
            centered(left_lines[i][0], left_lines[i][1], col_l, y + i * step)
        if i < len(right_lines):
            centered(right_lines[i][0], right_lines[i][1], col_r, y + i * step)
    y += max(len(left_lines), len(right_lines)) * step + step // 2
    centered(doc.number_line, reg, col_l, y)
    centered(doc.date_line, ital, col_r, y)
    # reading order: the left block (agency, number, "V/v" of a công văn), then the right one
    printed += [t for t, _ in left_lines] + [doc.number_line]
    right_block = [t for t, _ in right_lines] + [doc.date_line]
    y += step
    if doc.type_name is None:  # công văn: "V/v …" under the number
        for line in doc.summary_lines:
            centered(line, reg, col_l, y)
            printed.append(line)
            y += step
        y += step
    printed += right_block
    if doc.type_name is not None:
        y += step
        centered(doc.type_name, bold, (left, right), y)
        printed.append(doc.type_name)
        y += step
        for line in doc.summary_lines:
            centered(line, bold, (left, right), y)
            printed.append(line)
            y += step
        y += step
    body = doc.body + (f" Công dân có số định danh cá nhân {doc.citizen_id}." if doc.citizen_id else "")
    for para in [body, *doc.extra_body_lines]:
        for line in _wrap(d, para, reg, right - left):
            d.text((left, y), line, font=reg, fill=0)
            printed.append(line)
            y += step
    y += step
    sig_col = (left + round(3.4 * dpi), right)
    sig_top = y
    for line in doc.signer_lines:
        centered(line, bold, sig_col, y)
        printed.append(line)
        y += step
    y += 3 * step
    centered(doc.signer_name, bold, sig_col, y)
    printed.append(doc.signer_name)
    d.text((left, sig_top), "Nơi nhận:", font=font("bold", round(11 * px)), fill=0)
    printed.insert(len(printed) - len(doc.signer_lines) - 1, "Nơi nhận:")
    if doc.red_seal and color:
        cx, cy, r = (sig_col[0] + sig_col[1]) // 2 - round(0.5 * dpi), sig_top + step, round(0.75 * dpi)
        red = (215, 35, 40)
        for k in range(3):
            d.ellipse((cx - r + k * 10, cy - r + k * 10, cx + r - k * 10, cy + r - k * 10), outline=red, width=6)
        d.text((cx - r // 2, cy - size // 2), "* UBND *", font=font("bold", round(size * 0.8)), fill=red)
    return im, "\n".join(printed)


def save_pdf(images: list[Image.Image], path: Path, dpi: int = 300, quality: int = 80) -> Path:
    """An image-only ('scanned') PDF, JPEG pages, like a scanner writes."""
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=quality)
    return path
