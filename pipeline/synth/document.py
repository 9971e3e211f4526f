"""What a synthetic page says and how it is laid out (`render.render_page` draws it)."""

from __future__ import annotations

from dataclasses import dataclass, field

BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 "
    "năm 2019; Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
    "văn thư; Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 125/TTr-SNV ngày 02 tháng 01 năm "
    "2025 về việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính trên địa bàn tỉnh."
)
NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass
class Document:
    """Header fields of a synthetic document; `None` number renders a blank to be filled by hand.

    Layout variants: `type_name=None` is a công văn ("V/v …" under the number, left column) and
    `recipients` its "Kính gửi:" lines; `number_gap` is the space between the agency block and the
    number line in line steps (0 or less: the number line touches the block); `typewriter` sets the
    whole page in a monospaced face without bold, as older typed documents are; `rules` draws the short
    rules under the agency and the motto; `hand` names the blanks ("number", "day", "month") whose value
    is written by hand, in `ink`, from held-out MNIST digits chosen by `hand_seed` (with `inserted`, typed
    into them by a signing system instead: upright, smaller, raised).
    """

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
    national: tuple[str, str] = NATIONAL
    recipients: tuple[str, ...] = ()
    number_gap: float = 0.5
    typewriter: bool = False
    rules: bool = False
    hand: tuple[str, ...] = ()
    inserted: bool = False
    ink: tuple[int, int, int] = (28, 42, 160)
    hand_seed: int = 0

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}/{self.symbol}" if self.number else f"Số:        /{self.symbol}"

    @property
    def date_line(self) -> str:
        return f"{self.place}, ngày {self.day} tháng {self.month} năm {self.year}"
