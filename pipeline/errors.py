"""Typed errors: a stable code, an exit code and a message that says what to do.

Every failure the pipeline expects is a `SohoaError`. `flows.errors` is the one place that maps
them to CLI exit codes and Prefect states; `pipeline.document` turns document-level ones into
quarantine entries so one bad input never stops a run.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of `sohoa`; documented in the README."""

    ok = 0
    quarantined = 3  # the run finished; some inputs went to quarantine
    bad_args = 2
    infrastructure = 4  # archive unreachable, Tesseract missing, work dir full …
    integrity = 5  # `sohoa records verify` found mismatched, orphaned or dangling objects
    ctrl_c = 130


class SohoaError(Exception):
    """Base class; subclasses set `code`, `exit_code`, `stage` and the message templates."""

    code: str = "E_INTERNAL"
    exit_code: ExitCode = ExitCode.infrastructure
    stage: str = "pipeline"
    message: str = "internal error: {detail}"
    message_vi: str = "lỗi nội bộ: {detail}"
    document_level: bool = True  # False: the whole run is affected (infrastructure)

    def __init__(self, detail: str = "", **kw: object) -> None:
        self.detail = detail
        self.params = {"detail": detail, **kw}
        super().__init__(self.message.format(**self.params))

    @property
    def message_en(self) -> str:
        return self.message.format(**self.params)

    @property
    def message_vie(self) -> str:
        return self.message_vi.format(**self.params)

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "stage": self.stage,
            "message": self.message_en,
            "message_vi": self.message_vie,
            "exception": type(self).__name__,
        }


# -- input problems: the document goes to quarantine, the run goes on -------------------

class InputError(SohoaError):
    exit_code = ExitCode.quarantined
    stage = "intake"


class EmptyFileError(InputError):
    code = "E_EMPTY_FILE"
    message = "the file is empty (0 bytes): re-scan the paper or copy the file again"
    message_vi = "tệp rỗng (0 byte): hãy quét lại hoặc sao chép lại tệp"


class UnsupportedTypeError(InputError):
    code = "E_UNSUPPORTED_TYPE"
    message = "unsupported file type {detail}: accepted are PDF, TIFF, JPEG and PNG"
    message_vi = "định dạng {detail} không được hỗ trợ: chỉ nhận PDF, TIFF, JPEG và PNG"


class CorruptFileError(InputError):
    code = "E_CORRUPT_FILE"
    stage = "pages"
    message = "the file cannot be read ({detail}): it is truncated or damaged; re-scan or re-export it"
    message_vi = "không đọc được tệp ({detail}): tệp bị hỏng hoặc không đầy đủ; hãy quét hoặc xuất lại"


class EncryptedPdfError(InputError):
    code = "E_ENCRYPTED_PDF"
    stage = "pages"
    message = ("the PDF is password-protected: remove the password (e.g. `qpdf --decrypt "
               "--password=... in.pdf out.pdf`) and put the file back in the inbox")
    message_vi = "PDF có mật khẩu: hãy gỡ mật khẩu (ví dụ `qpdf --decrypt`) rồi đặt lại vào hộp thư đến"


class NoPagesError(InputError):
    code = "E_NO_PAGES"
    stage = "pages"
    message = "the document has no pages: check the scan"
    message_vi = "tài liệu không có trang nào: hãy kiểm tra bản quét"


class LimitExceededError(InputError):
    code = "E_LIMIT_EXCEEDED"
    stage = "pages"
    message = "{detail}: split the document or raise the limit in the settings"
    message_vi = "{detail}: hãy tách tài liệu hoặc nâng giới hạn trong cấu hình"


# -- engine problems ---------------------------------------------------------------------

class TesseractNotFoundError(SohoaError):
    code = "E_TESSERACT_MISSING"
    stage = "ocr"
    document_level = False
    message = ("Tesseract is not installed or not on PATH ({detail}): install it with "
               "`apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd`")
    message_vi = ("chưa cài Tesseract ({detail}): cài bằng "
                  "`apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd`")


class LanguageMissingError(SohoaError):
    code = "E_TESSERACT_LANGUAGE"
    stage = "ocr"
    document_level = False
    message = ("Tesseract language data {detail} is missing: install `tesseract-ocr-vie` or point "
               "SOHOA_TESSDATA_DIR at a folder holding {detail}.traineddata")
    message_vi = ("thiếu dữ liệu ngôn ngữ {detail} của Tesseract: cài `tesseract-ocr-vie` hoặc đặt "
                  "SOHOA_TESSDATA_DIR tới thư mục chứa {detail}.traineddata")


class TesseractError(SohoaError):
    code = "E_TESSERACT_FAILED"
    stage = "ocr"
    message = "Tesseract failed: {detail}"
    message_vi = "Tesseract bị lỗi: {detail}"


class TesseractTimeoutError(TesseractError):
    code = "E_TESSERACT_TIMEOUT"
    message = "Tesseract timed out after {detail} s on a page: raise SOHOA_OCR_TIMEOUT or check the page"
    message_vi = "Tesseract quá thời gian ({detail} giây) trên một trang"


class TesseractNoOutputError(TesseractError):
    code = "E_TESSERACT_NO_OUTPUT"
    message = "Tesseract exited without writing {detail}"
    message_vi = "Tesseract kết thúc mà không tạo ra {detail}"


# -- infrastructure ----------------------------------------------------------------------

class ArchiveError(SohoaError):
    code = "E_ARCHIVE"
    stage = "archive"
    document_level = False
    message = "the archive failed: {detail}"
    message_vi = "lỗi kho lưu trữ: {detail}"


class ArchiveUnreachableError(ArchiveError):
    code = "E_ARCHIVE_UNREACHABLE"
    message = "the archive at {detail} cannot be reached: check the endpoint, network and credentials"
    message_vi = "không kết nối được kho lưu trữ {detail}: kiểm tra địa chỉ, mạng và thông tin đăng nhập"


class ArchiveConfigError(ArchiveError):
    code = "E_ARCHIVE_CONFIG"
    exit_code = ExitCode.bad_args
    message = "the archive is not configured: {detail}"
    message_vi = "chưa cấu hình kho lưu trữ: {detail}"


class IndexKeyMissingError(SohoaError):
    code = "E_INDEX_KEY"
    stage = "archive"
    exit_code = ExitCode.bad_args
    message = ("SOHOA_INDEX_KEY is not set: the citizen-ID index is keyed with it (HMAC); set the same "
               "secret the archive was written with")
    message_vi = "chưa đặt SOHOA_INDEX_KEY: chỉ mục số định danh được băm (HMAC) bằng khóa này"


class RecordNotFoundError(SohoaError):
    code = "E_RECORD_NOT_FOUND"
    stage = "archive"
    exit_code = ExitCode.bad_args
    message = "no record {detail} in the archive"
    message_vi = "không có hồ sơ {detail} trong kho"


class SearchQueryError(SohoaError):
    code = "E_SEARCH_QUERY"
    stage = "search"
    exit_code = ExitCode.bad_args
    message = "bad search: {detail}"
    message_vi = "câu tìm kiếm không hợp lệ: {detail}"


class SearchIndexMissingError(SohoaError):
    code = "E_SEARCH_INDEX_MISSING"
    stage = "search"
    exit_code = ExitCode.bad_args
    message = ("no search index at {detail}: build it from the archive with `sohoa records reindex` "
               "(or set SOHOA_SEARCH_INDEX to where it is)")
    message_vi = ("chưa có chỉ mục tìm kiếm tại {detail}: tạo lại từ kho bằng `sohoa records reindex` "
                  "(hoặc đặt SOHOA_SEARCH_INDEX)")


class SearchIndexError(SohoaError):
    code = "E_SEARCH_INDEX"
    stage = "search"
    document_level = False
    message = "the search index failed: {detail}; the archive is intact: `sohoa records reindex` rebuilds the index"
    message_vi = "lỗi chỉ mục tìm kiếm: {detail}; kho vẫn nguyên vẹn: `sohoa records reindex` tạo lại chỉ mục"


class RevisionConflictError(SohoaError):
    """The record changed between showing it to an operator and committing the decision."""

    code = "E_REVIEW_CONFLICT"
    stage = "review"
    exit_code = ExitCode.bad_args
    message = "{detail}: the record changed meanwhile; review it again"
    message_vi = "{detail}: hồ sơ đã thay đổi trong lúc duyệt; hãy duyệt lại"


class ReviewInputError(SohoaError):
    """An operator's answer that does not fit the field (a date that is not a date, a number with letters)."""

    code = "E_REVIEW_INPUT"
    stage = "review"
    exit_code = ExitCode.bad_args
    message = "{detail}; nothing was changed: correct the value and submit again"
    message_vi = "{detail}; chưa có gì thay đổi: hãy sửa giá trị và gửi lại"


class WorkDirError(SohoaError):
    code = "E_WORK_DIR"
    document_level = False
    message = "the work directory cannot be written ({detail}): free disk space or set SOHOA_WORK_DIR"
    message_vi = "không ghi được thư mục làm việc ({detail}): giải phóng dung lượng hoặc đặt SOHOA_WORK_DIR"


class ProcessingError(SohoaError):
    """An unexpected failure while processing one document: it is quarantined, the run goes on."""

    code = "E_PROCESSING"
    exit_code = ExitCode.quarantined
    message = ("unexpected error while processing the document ({detail}); the file is kept in quarantine — "
               "report it to the sohoa maintainers with error.json")
    message_vi = ("lỗi không mong đợi khi xử lý tài liệu ({detail}); tệp được giữ trong khu cách ly — "
                  "hãy gửi error.json cho nhóm phát triển sohoa")
