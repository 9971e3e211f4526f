"""Reading order of positioned lines (pipeline.layout.reading_order), on hand-placed boxes."""

from __future__ import annotations

from pipeline.layout import reading_order
from pipeline.models import Line, Word


def line(text: str, x0: float, top: float, *, size: float = 13.0, space: float = 4.0) -> list[Word]:
    words, x = [], x0
    for t in text.split():
        w = 6.5 * len(t)
        words.append(Word(t, (x, top, x + w, top + size)))
        x += w + space
    return words


def joined(*parts: list[Word]) -> Line:
    """One Tesseract line running across both columns."""
    return Line(tuple(w for p in parts for w in p))


def test_header_and_signer_bands_read_column_by_column_body_row_by_row():
    lines = [
        joined(line("ỦY BAN NHÂN DÂN", 90, 60), line("CỘNG HÒA XÃ HỘI", 330, 60)),
        joined(line("TỈNH QUẢNG NGÃI", 90, 79), line("Độc lập - Tự do", 330, 79)),
        joined(line("Số: 12/UBND-TTHC", 90, 98), line("Quảng Ngãi, ngày 05", 330, 98)),
        Line(tuple(line("V/v số hóa hồ sơ", 90, 117))),
        Line(tuple(line("Kính gửi: các sở, ban, ngành tỉnh và các đơn vị liên quan", 70, 170))),
        Line(tuple(line("Nội dung.", 70, 200))),
        joined(line("Nơi nhận:", 70, 240), line("TM. ỦY BAN NHÂN DÂN", 340, 240)),
        joined(line("- Như trên;", 70, 258), line("CHỦ TỊCH", 370, 258)),
        Line(tuple(line("- Lưu: VT.", 70, 276))),
        Line(tuple(line("Nguyễn Văn An", 360, 340))),
    ]
    assert [ln.text for ln in reading_order(lines)] == [
        "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 12/UBND-TTHC", "V/v số hóa hồ sơ",
        "CỘNG HÒA XÃ HỘI", "Độc lập - Tự do", "Quảng Ngãi, ngày 05",
        "Kính gửi: các sở, ban, ngành tỉnh và các đơn vị liên quan", "Nội dung.",
        "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An",
    ]


def test_single_column_text_keeps_its_lines():
    lines = [Line(tuple(line(f"dòng số {i} của văn bản", 70, 60 + 19 * i))) for i in range(5)]
    assert [ln.text for ln in reading_order(lines)] == [f"dòng số {i} của văn bản" for i in range(5)]
