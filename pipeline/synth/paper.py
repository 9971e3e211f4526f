"""What every synthetic citizen's paper is drawn with: fonts, inks, the `Page` canvas, QR codes, an
invented `Person`, and the scan qualities a rendered page is put through (`degrade`, `photo`).

Shared by the kinds of paper in `components`. Fonts are Debian's (fonts-noto-core, fonts-dejavu-core;
`render` finds them). Personal data here is invented: names from common syllables, ID numbers built to
pass the CCCD checks.
"""

from __future__ import annotations

import functools
import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from pipeline.synth.render import FONT_DIRS, _wrap, font

QUALITIES = ("clean", "scan", "skew", "stamp", "photo")
INK = (25, 45, 160)  # ballpoint blue
RED = (205, 30, 35)


@functools.cache
def sans(style: str, size: int) -> ImageFont.FreeTypeFont:
    names = {"regular": ("NotoSans-Regular.ttf", "DejaVuSans.ttf"),
             "bold": ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
             "hand": ("NotoSans-Italic.ttf", "DejaVuSans-Oblique.ttf")}[style]
    for name in names:
        for d in FONT_DIRS:
            if (d / name).exists():
                return ImageFont.truetype(str(d / name), size)
    return font("italic" if style == "hand" else style, size)


@functools.cache
def _mono(size: int) -> ImageFont.FreeTypeFont:
    for d in FONT_DIRS:
        if (d / "DejaVuSansMono.ttf").exists():
            return ImageFont.truetype(str(d / "DejaVuSansMono.ttf"), size)
    return sans("regular", size)


@dataclass
class Person:
    name: str
    birth: str  # ISO
    sex: str  # Nam | Nữ
    citizen_id: str
    address: str
    phone: str


_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi")
_MIDDLES = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Trang", "Vy")
_STREETS = ("Trần Hưng Đạo", "Nguyễn Trãi", "Lê Lợi", "Hai Bà Trưng", "Mậu Thân", "30 Tháng 4")
WARDS = ("phường Ninh Kiều", "phường Cái Khế", "phường An Bình", "xã Phong Điền", "phường Tân An")
PROVINCE = "thành phố Cần Thơ"


def person(rng: random.Random) -> Person:
    sex = rng.choice(("Nam", "Nữ"))
    year = rng.randint(1950, 2005)
    birth = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    century_sex = (0 if year < 2000 else 2) + (1 if sex == "Nữ" else 0)
    cid = f"{rng.choice(('092', '093', '094', '079', '001'))}{century_sex}{year % 100:02d}{rng.randint(0, 999999):06d}"
    middle = "Thị" if sex == "Nữ" and rng.random() < 0.6 else rng.choice(_MIDDLES[:1] + _MIDDLES[2:])
    name = f"{rng.choice(_SURNAMES)} {middle} {rng.choice(_GIVEN)}"
    address = f"Số {rng.randint(1, 250)}, đường {rng.choice(_STREETS)}, {rng.choice(WARDS)}, {PROVINCE}"
    phone = "0" + rng.choice(("912", "903", "987", "868", "339")) + f"{rng.randint(0, 999999):06d}"
    return Person(name, birth, sex, cid, address, phone)


def dossier_code(rng: random.Random, day: str = "240126") -> str:
    return f"000.{rng.randint(0, 99):02d}.{rng.randint(0, 99):02d}.H{rng.choice(('27', '56', '64', '93'))}" \
           f"-{day}-{rng.randint(1, 9999):04d}"


def _dmy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


class Page:
    """An A4 page (or a card) with a text cursor."""

    def __init__(self, w: int = 2481, h: int = 3508, size: int = 50) -> None:
        self.im = Image.new("RGB", (w, h), "white")
        self.d = ImageDraw.Draw(self.im)
        self.size = size
        self.left, self.right = round(0.09 * w), w - round(0.07 * w)
        self.y = round(0.07 * h)

    def text(self, x: float, y: float, s: str, style: str = "regular", size: int | None = None,
             fill: object = (0, 0, 0), serif: bool = True) -> float:
        f = (font(style, size or self.size) if serif and style != "hand" else sans(style, size or self.size))
        self.d.text((x, y), s, font=f, fill=fill)
        return x + self.d.textlength(s, font=f)

    def center(self, s: str, style: str = "bold", col: tuple[int, int] | None = None, size: int | None = None,
               fill: object = (0, 0, 0), y: float | None = None) -> None:
        a, b = col or (self.left, self.right)
        f = font(style, size or self.size)
        self.d.text((a + (b - a - self.d.textlength(s, font=f)) / 2, self.y if y is None else y), s, font=f, fill=fill)

    def line(self, s: str, style: str = "regular", step: float = 1.5, x: int | None = None) -> None:
        self.text(self.left if x is None else x, self.y, s, style)
        self.y += round(self.size * step)

    def wrapped(self, s: str, style: str = "regular") -> None:
        for part in _wrap(self.d, s, font(style, self.size), self.right - self.left):
            self.line(part, style)

    def field(self, label: str, value: str, rng: random.Random, hand: bool = True) -> None:
        """'Label: ……' with the value written in by hand (blue, slanted, a little off the line)."""
        x = self.text(self.left, self.y, label + ": ")
        if hand:
            self.text(x, self.y - rng.randint(4, 14), value, "hand", size=self.size + rng.randint(2, 8), fill=INK,
                      serif=False)
        else:
            self.text(x, self.y, value)
        self.y += round(self.size * 1.6)

    def national(self, col: tuple[int, int] | None = None) -> None:
        y0 = self.y
        self.center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", col=col)
        self.y += round(self.size * 1.4)
        self.center("Độc lập - Tự do - Hạnh phúc", col=col)
        self.y = y0


def qr_image(data: str, box: int) -> Image.Image:
    import segno

    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="png", scale=10, border=2)
    im = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return im.resize((box, box), Image.Resampling.NEAREST)


# -- scan qualities -------------------------------------------------------------------------------

def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def seal(im: Image.Image, rng: random.Random) -> Image.Image:
    """A red round stamp somewhere in the lower half, its ink multiplied over the print (as on paper,
    where the print under a stamp stays dark)."""
    page = im.convert("RGB")
    ink = Image.new("RGB", page.size, "white")
    d = ImageDraw.Draw(ink)
    r = round(0.1 * page.width)
    cx, cy = rng.randint(r, page.width - r), rng.randint(page.height // 2, page.height - r)
    for k in range(3):
        d.ellipse((cx - r + 12 * k, cy - r + 12 * k, cx + r - 12 * k, cy + r - 12 * k), outline=RED, width=7)
    return ImageChops.multiply(page, ink)


def degrade(im: Image.Image, quality: str, rng: random.Random) -> Image.Image:
    """clean | scan (grey, noise, blur, JPEG) | skew (1–3°) | stamp (red seal) | photo (perspective; cards)."""
    if quality == "scan":
        g = im.convert("L").filter(ImageFilter.GaussianBlur(0.8))
        # seeded from the sample's own stream (PIL's effect_noise is not): the same seed, the same scan
        grain = np.random.default_rng(rng.getrandbits(32)).normal(128, 18, (g.height, g.width))
        noise = Image.fromarray(grain.clip(0, 255).astype(np.uint8), "L")
        g = Image.blend(g, noise, 0.08)
        return _jpeg(g.convert("RGB"), 70)
    if quality == "skew":
        return im.rotate(rng.choice((-1, 1)) * rng.uniform(1.0, 3.0), resample=Image.Resampling.BICUBIC,
                         expand=False, fillcolor="white")
    if quality == "stamp":
        return seal(im, rng)
    if quality == "photo":
        return photo(im, rng) if im.width < 1500 else _jpeg(im.rotate(rng.uniform(-1.5, 1.5), fillcolor=(200, 200, 200),
                                                                       resample=Image.Resampling.BICUBIC), 75)
    return im


def photo(card: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a card on a table: perspective, a little rotation, uneven light, JPEG."""
    w, h = 1800, 1300
    bg = Image.new("RGB", (w, h), (120 + rng.randint(-20, 20), 95, 70))
    scale = 1.35
    c = card.resize((int(card.width * scale), int(card.height * scale)), Image.Resampling.LANCZOS)
    ox, oy = (w - c.width) // 2, (h - c.height) // 2
    bg.paste(c, (ox, oy))
    k = rng.uniform(0.015, 0.04)
    dx = k * w
    quad = (dx * rng.random(), dx * rng.random(), dx * rng.random(), h - dx * rng.random(),
            w - dx * rng.random(), h - dx * rng.random(), w - dx * rng.random(), dx * rng.random())
    im = bg.transform((w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)
    im = im.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, fillcolor=(110, 90, 70))
    shade = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - v // 6)
    im = Image.composite(im, Image.new("RGB", (w, h), (60, 60, 60)), shade)
    return _jpeg(im.filter(ImageFilter.GaussianBlur(0.6)), 80)
