"""Closed vocabularies of Decree 30/2020 documents and fuzzy snapping of noisy reads onto them.

OCR of Vietnamese capitals is noisy ("QUYÉT" for "QUYẾT", "DẦN" for "DÂN"); a read close enough to a
known value is replaced by that value, one that is not stays as read with lower confidence. Keys are
compared accent-folded (`strip_accents` + upper case) because OCR errors are mostly in the marks.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pipeline.text import new_tone_placement, nfc, strip_accents

# Decree 30/2020 Appendix III: type name (sentence case) → symbol. Công văn has no symbol.
DOC_TYPES: dict[str, str] = {
    "Nghị quyết": "NQ", "Quyết định": "QĐ", "Chỉ thị": "CT", "Quy chế": "QC", "Quy định": "QyĐ",
    "Thông cáo": "TC", "Thông báo": "TB", "Hướng dẫn": "HD", "Chương trình": "CTr", "Kế hoạch": "KH",
    "Phương án": "PA", "Đề án": "ĐA", "Dự án": "DA", "Báo cáo": "BC", "Biên bản": "BB", "Tờ trình": "TTr",
    "Hợp đồng": "HĐ", "Công điện": "CĐ", "Bản ghi nhớ": "BGN", "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ", "Giấy mời": "GM", "Giấy giới thiệu": "GGT", "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG", "Phiếu chuyển": "PC", "Phiếu báo": "PB", "Bản sao y": "SY", "Bản trích sao": "TrS",
    "Bản sao lục": "SL", "Nghị định": "NĐ", "Thông tư": "TT", "Thông tư liên tịch": "TTLT", "Công văn": "",
}
TYPE_BY_CODE: dict[str, str] = {code: name for name, code in DOC_TYPES.items() if code}
TYPE_BY_CODE.update({"GN": "Giấy nghỉ phép", "NP": "Giấy nghỉ phép", "TTh": "Tờ trình"})  # older aliases

# 63 provincial units before 2025-07-01 (domain.md; still printed on older documents). The 34 after
# Resolution 202/2025/QH15 and their communes, wards and special zones come from `vietnam-provinces`.
PROVINCES_OLD = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh",
    "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế",
    "Tiền Giang", "Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
_UNIT_PREFIX = re.compile(r"^(?:Thành phố|Tỉnh|Phường|Xã|Đặc khu|Thị trấn)\s+", re.IGNORECASE)


def _bare(name: str) -> str:
    """'Thành phố Đà Nẵng' → 'Đà Nẵng', 'Phường Hải Châu' → 'Hải Châu' (NFC)."""
    return _UNIT_PREFIX.sub("", nfc(name)).strip()


@functools.cache
def divisions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the 34 provincial units, the names of their communes, wards and special zones), without the
    unit word, from `vietnam-provinces` (imported on first use, ~0.25 s; `extract.preload` asks early)."""
    from vietnam_provinces import Province, Ward

    provinces = tuple(dict.fromkeys(_bare(p.name) for p in Province.iter_all()))
    wards = tuple(dict.fromkeys(_bare(w.name) for w in Ward.iter_all()))
    return provinces, wards


@functools.cache
def provinces() -> tuple[str, ...]:
    """Every provincial unit name, before and after 2025-07-01."""
    return tuple(dict.fromkeys(PROVINCES_OLD + divisions()[0]))


def __getattr__(name: str) -> tuple[str, ...]:  # the package's lists load when first asked for
    if name == "PROVINCES_NEW":
        return divisions()[0]
    if name == "PROVINCES":
        return provinces()
    raise AttributeError(name)


@functools.cache
def _ward_keys() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for w in divisions()[1]:
        out[key(w)] = (*out.get(key(w), ()), w)
    return out


def ward_name(text: str) -> str | None:
    """The commune or ward name (2025 units) `text` spells, marks restored ('HAI CHAU' → 'Hải Châu').
    Accent-folded letters must be equal (thousands of names lie a letter apart); where names differ only
    in marks ('Thanh Xuân', 'Thạnh Xuân'), only the one read exactly."""
    bare = _bare(text)
    names = _ward_keys().get(key(bare), ())
    if len(names) == 1:
        return names[0]
    same = [n for n in names if new_tone_placement(n).lower() == new_tone_placement(bare).lower()]
    return same[0] if same else None


# CCCD province-of-registration codes (Circular 07/2016/TT-BCA numbering, 63 provinces).
CCCD_PROVINCE_CODES = frozenset((
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
    "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
    "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
))

# Signer titles (Decree 30 Appendix I examples and common office titles).
TITLES = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
    "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "BỘ TRƯỞNG", "THỨ TRƯỞNG",
    "THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "VỤ TRƯỞNG", "PHÓ VỤ TRƯỞNG",
    "TỔNG CỤC TRƯỞNG", "CHI CỤC TRƯỞNG", "PHÓ CHI CỤC TRƯỞNG", "CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA",
    "HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "GIÁM ĐỐC SỞ", "BÍ THƯ", "PHÓ BÍ THƯ", "CHỦ NHIỆM", "PHÓ CHỦ NHIỆM",
    "TRƯỞNG ĐOÀN", "TỔ TRƯỞNG", "THỦ TRƯỞNG", "TỔNG GIÁM ĐỐC", "PHÓ TỔNG GIÁM ĐỐC", "CHÁNH ÁN",
    "VIỆN TRƯỞNG", "TRƯỞNG CÔNG AN", "THƯ KÝ", "KẾ TOÁN TRƯỞNG", "NGƯỜI KÝ",
)
# Collective bodies after "TM." (on behalf of a board).
COLLECTIVES = (
    "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "THƯỜNG TRỰC HỘI ĐỒNG NHÂN DÂN", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH",
    "BAN CHỈ ĐẠO", "HỘI ĐỒNG", "CHÍNH PHỦ", "ĐOÀN CHỦ TỊCH", "BAN TỔ CHỨC", "BAN THƯỜNG TRỰC", "TẬP THỂ LÃNH ĐẠO",
)
AUTHORITY = ("TM.", "KT.", "TL.", "TUQ.", "Q.")

# First words of an agency name: a line starting with one begins a (new) agency in the header block.
AGENCY_HEADS = (
    "ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND", "SỞ", "BAN", "VĂN PHÒNG", "PHÒNG", "CHI CỤC",
    "TỔNG CỤC", "CỤC", "VỤ", "TRUNG TÂM", "BỘ", "THANH TRA", "CÔNG AN", "BỘ CHỈ HUY", "TRƯỜNG", "BỆNH VIỆN",
    "ĐẢNG ỦY", "TỈNH ỦY", "HUYỆN ỦY", "THÀNH ỦY", "CHÍNH PHỦ", "KHO BẠC", "NGÂN HÀNG", "TÒA ÁN", "VIỆN KIỂM SÁT",
    "CHI NHÁNH", "HỘI", "ĐOÀN", "LIÊN ĐOÀN", "BẢO HIỂM XÃ HỘI", "CỤC THUẾ", "ĐÀI", "BÁO", "QUỸ", "HỌC VIỆN",
)
# Heads followed by an administrative level and a place ('ỦY BAN NHÂN DÂN HUYỆN …', 'CÔNG AN TỈNH …'). After
# other heads the next word is part of a name: 'BAN QUẢN LÝ' must not become 'BAN QUẬN LÝ'.
LEVEL_HEADS = ("ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND", "CÔNG AN", "THANH TRA", "TỈNH ỦY",
               "HUYỆN ỦY", "THÀNH ỦY", "ĐẢNG ỦY", "KHO BẠC", "TÒA ÁN", "VIỆN KIỂM SÁT", "BỘ CHỈ HUY")
# Multi-word pieces of agency names (departments and units of provinces, districts, communes): an OCR read
# whose accent-folded letters equal one gets its marks ('QUẬN LÝ' → 'QUẢN LÝ', 'TÀI NGUYẾN' → 'TÀI NGUYÊN').
AGENCY_PHRASES = (
    "QUẢN LÝ", "TÀI NGUYÊN VÀ MÔI TRƯỜNG", "NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
    "KẾ HOẠCH VÀ ĐẦU TƯ", "TÀI CHÍNH", "NỘI VỤ", "TƯ PHÁP", "XÂY DỰNG", "GIAO THÔNG VẬN TẢI", "CÔNG THƯƠNG",
    "Y TẾ", "GIÁO DỤC VÀ ĐÀO TẠO", "KHOA HỌC VÀ CÔNG NGHỆ", "THÔNG TIN VÀ TRUYỀN THÔNG", "VĂN HÓA, THỂ THAO",
    "THỂ THAO VÀ DU LỊCH", "LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "DÂN TỘC VÀ TÔN GIÁO", "NGOẠI VỤ",
    "ĐĂNG KÝ ĐẤT ĐAI", "KHU KINH TẾ", "KHU CÔNG NGHIỆP", "PHÁT TRIỂN QUỸ ĐẤT", "PHỤC VỤ HÀNH CHÍNH CÔNG",
    "HÀNH CHÍNH CÔNG", "CHỈ ĐẠO", "ĐẦU TƯ XÂY DỰNG", "BẢO VỆ THỰC VẬT", "KIỂM LÂM", "THỦY LỢI", "QUÂN SỰ",
    "ĐOÀN ĐẠI BIỂU QUỐC HỘI", "MẶT TRẬN TỔ QUỐC", "CÔNG NGHỆ THÔNG TIN", "GIẢI PHÓNG MẶT BẰNG", "BỒI THƯỜNG",
    "KHO BẠC NHÀ NƯỚC", "BẢO HIỂM XÃ HỘI",
)  # not words that are also place names ('VÂN PHONG' is not 'VĂN PHÒNG')
LEVELS = ("TỈNH", "THÀNH PHỐ", "HUYỆN", "QUẬN", "THỊ XÃ", "XÃ", "PHƯỜNG", "THỊ TRẤN", "ĐẶC KHU")

SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Phùng", "Đinh", "Trương", "Đoàn", "Lâm", "Mai", "Trịnh", "Đào", "Cao", "Lương", "Lưu",
    "Tô", "Tạ", "Thái", "Hà", "Kiều", "Quách", "Châu", "Tăng", "Văn", "Nông", "Lò", "Triệu", "Chu", "La",
    "Mạc", "Từ", "Hứa", "Âu", "Doãn", "Khổng", "Lạc", "Giang", "Tôn", "Vương", "Đàm", "Lã", "Thân", "Mã",
)


# Middle and given names (tên đệm, tên) common on signer blocks, with their tone marks. Not a complete
# list: it only settles two reads of one name that differ in a mark ('Tuấn' against 'Tuần').
NAME_SYLLABLES = frozenset(
    """
An Anh Biên Biển Bá Bách Bình Bích Bạch Bản Bảo Bắc Bằng Bội Bửu Ca Chinh Chiến Chung Chánh Châu Chí Chính
Chương Chấn Cung Cát Công Cúc Cơ Cương Cường Cảnh Cầm Cần Cẩm Cừ Cử Diên Diễm Diện Diệp Diệu Doanh Doãn Du
Dung Duy Duyên Dân Dũng Dương Dần Dụng Giang Giao Giàu Giác Hai Hinh Hiên Hiếu Hiền Hiển Hiện Hiệp Hiệu Hoa
Hoan Hoài Hoàn Hoàng Hoạt Huy Huyền Huân Huấn Huề Huệ Huỳnh Hà Hàm Hành Hào Hán Hân Hòa Hòe Hùng Hưng Hương
Hướng Hường Hạ Hạc Hạnh Hải Hảo Hậu Hằng Hồng Hội Hợi Hợp Hữu Kha Khang Khanh Khiêm Khiết Khoa Khuyên Khuê
Khánh Khôi Khải Khởi Kim Kiên Kiều Kiệt Kế Kỳ Lai Lam Lan Linh Liêm Liên Liễu Liệu Loan Long Luyến Luân Luận
Ly Lài Lành Lâm Lâu Lãm Lãng Lý Lĩnh Lũy Lương Lượng Lạc Lập Lễ Lệ Lịch Lộc Lợi Lụa Lực Mai Minh Miên My
Mười Mạnh Mẫn Mến Mỵ Mỹ Nam Nga Nghiêm Nghĩa Nghị Nguyên Nguyện Nguyệt Ngân Ngọc Nhi Nhiên Nhiều Nho Nhu
Nhung Nhàn Nhân Nhã Nhơn Như Nhạn Nhẫn Nhật Ninh Nông Năm Oanh Phi Phong Phát Phú Phúc Phương Phước Phượng
Phấn Phổ Phụ Phụng Quang Quy Quyên Quyến Quyết Quyền Quân Quảng Quế Quốc Quý Quỳnh Sa Sang Sinh Sáng Sâm Sĩ
Sơn Sương Sử Sỹ Thanh Thao Thi Thiên Thiết Thiện Thiệu Thoa Thoại Thu Thuyên Thuyết Thuấn Thuận Thuật Thành
Thái Thân Thông Thùy Thúy Thăng Thơ Thơm Thư Thương Thường Thạc Thạch Thạnh Thảo Thắm Thắng Thế Thể Thị
Thịnh Thọ Thời Thục Thụy Thủ Thủy Tiên Tiến Tiệp Toàn Toản Trang Trinh Triết Triều Triển Trung Trà Trác Trâm
Trân Trãi Trình Trí Trúc Trường Trạch Trấn Trị Trọng Trực Tuyên Tuyến Tuyết Tuyền Tuân Tuấn Tuất Tuệ Tài Tám
Tâm Tân Tình Tín Tòng Tùng Tú Tư Tươi Tường Tưởng Tạo Tấn Tỉnh Tịch Tịnh Tứ Uyên Vi Vinh Viên Viễn Việt Vy
Vân Võ Văn Vĩ Vĩnh Vũ Vương Vượng Vạn Vẹn Vị Vỹ Xiêm Xuyến Xuân Yên Yến Ái Ánh Âu Út Ý Đan Đang Điềm Điền
Điệp Đoan Đoàn Đài Đàn Đình Đông Đăng Đại Đạo Đạt Đảm Đắc Định Đồng Độ Đức Ứng
""".split()  # noqa: SIM905 (a word list reads better as text)
)


def known_name(name: str) -> bool:
    """Whether every middle and given name of 'Surname Middle Given' is a common one, marks included."""
    rest = new_tone_placement(nfc(name)).split()[1:]
    return bool(rest) and all(w[:1].upper() + w[1:].lower() in NAME_SYLLABLES for w in rest)


def key(s: str) -> str:
    """Accent-folded, upper-case, single-spaced comparison key (Đ→D, Ð→D)."""
    s = nfc(s).replace("Ð", "Đ").replace("ð", "đ")
    return " ".join(strip_accents(s).upper().replace(".", ". ").split())


@dataclass(frozen=True)
class Snap:
    value: str
    score: float  # 0–1: similarity of the accent-folded keys
    exact: bool  # the read equals the value (up to case and tone placement)


def snap(text: str, choices: tuple[str, ...] | list[str], *, cutoff: float = 0.8) -> Snap | None:
    """The choice closest to `text`, or None when none is close enough."""
    keys = [key(c) for c in choices]
    hit = process.extractOne(key(text), keys, scorer=fuzz.ratio, score_cutoff=cutoff * 100)
    if hit is None:
        return None
    value = choices[hit[2]]
    exact = new_tone_placement(nfc(text)).upper() == new_tone_placement(value).upper()
    return Snap(value, hit[1] / 100.0, exact)


_PROVINCE_PREFIX = re.compile(r"^(?:TP\.?|THÀNH PHỐ|TỈNH)\s*", re.IGNORECASE)


def snap_province(text: str, *, cutoff: float = 0.8) -> Snap | None:
    """Province or centrally-run city name ('TP. Hồ Chí Minh' → 'Hồ Chí Minh'). A read that is not a
    province but spells a commune or ward exactly is none ('Hải Châu' is not 'Lai Châu')."""
    bare = _PROVINCE_PREFIX.sub("", nfc(text).strip())
    s = snap(bare, provinces(), cutoff=cutoff)
    if s is not None and key(s.value) != key(bare) and ward_name(bare) is not None:
        return None
    return s


def snap_title(text: str) -> Snap | None:
    """One title line without its authority prefix, onto titles or collective bodies."""
    return snap(text, TITLES + COLLECTIVES, cutoff=0.8)


def snap_surname(word: str) -> Snap | None:
    return snap(word, SURNAMES, cutoff=0.75)


def agency_head(line: str) -> str | None:
    """The agency head word a header line starts with ('SỞ TÀI CHÍNH' → 'SỞ'), accent-folded match."""
    k = key(line)
    for head in sorted(AGENCY_HEADS, key=len, reverse=True):
        hk = key(head)
        if k == hk or k.startswith(hk + " "):
            return head
    # OCR'd capitals: fuzzy on the first words ("UỶ BAN NHÂN DẦN")
    words = k.split()
    for head in ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN"):
        n = len(head.split())
        if len(words) >= n and fuzz.ratio(" ".join(words[:n]), key(head)) >= 85:
            return head
    return None


def fix_agency(text: str) -> tuple[str, float]:
    """Normalise an agency name: snap its head ('UỶ BAN NHÂN DẦN' → 'ỦY BAN NHÂN DÂN'), its level word and
    a province name after TỈNH/THÀNH PHỐ. Returns the text and a 0–1 vocabulary agreement score."""
    text = " ".join(nfc(text).split())
    words = text.split()
    score = 0.6
    head = agency_head(text)
    if head:
        n = len(head.split())
        words = head.split() + words[n:]
        score = 0.85
        rest = words[n:]
        levels = LEVELS if head in LEVEL_HEADS else ()
        for level in sorted(levels, key=len, reverse=True):
            m = len(level.split())
            if len(rest) > m and fuzz.ratio(key(" ".join(rest[:m])), key(level)) >= 80:
                place = " ".join(rest[m:])
                if level in ("TỈNH", "THÀNH PHỐ"):
                    s = snap_province(place)
                    if s:
                        words = head.split() + level.split() + s.value.upper().split()
                        score = 0.97 if s.score >= 0.9 else 0.85
                        break
                ward = ward_name(place) if level in ("XÃ", "PHƯỜNG", "ĐẶC KHU", "THỊ TRẤN", "THÀNH PHỐ") else None
                words = head.split() + level.split() + (ward.upper().split() if ward else rest[m:])
                score = 0.95 if ward else 0.9
                break
        else:
            words = head.split() + restore_marks(rest)
    return " ".join(words), score


def restore_marks(words: list[str]) -> list[str]:
    """Words of an agency name with known phrases given their marks (same accent-folded letters only)."""
    out = list(words)
    folded = [key(w) for w in out]
    for phrase in sorted(AGENCY_PHRASES, key=len, reverse=True):
        pw = phrase.split()
        pk = [key(w) for w in pw]
        n = len(pw)
        for i in range(len(out) - n + 1):
            if folded[i:i + n] == pk and [w.upper() for w in out[i:i + n]] != pw:
                out[i:i + n] = pw
    return out
