"""The archived document record (`record.json`), schema version 1.

Downstream systems read these; change them only by adding optional fields (minor) or by a new
`schema_version` major with a new schema file. `python -m schemas` rewrites the JSON Schema file;
a test fails when the committed file and this model disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.1"  # 1.1 adds optional fields only: a 1.0 record is still valid

METADATA_FIELDS = (
    "document_type", "document_type_code", "number", "symbol", "number_symbol", "issued_place",
    "issued_date", "parent_agency", "issuing_agency", "summary", "signer_title", "signer_name",
    "citizen_ids", "dossier_codes", "procedure_codes",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    filename: str = Field(description="Input file name as received (NFC), without folders.")
    dossier_path: str | None = Field(None, description="Dossier folder the file came from, if any.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    media_type: str = Field(description="application/pdf, image/tiff, image/jpeg or image/png.")
    page_count: int = Field(ge=0)


class Page(_Model):
    number: int = Field(ge=1, description="1-based page number in the input.")
    method: Literal["text_layer", "ocr"]
    rotation: int = Field(0, description="Degrees the page was turned clockwise to be upright (0/90/180/270).")
    skew_degrees: float = Field(0.0, description="Skew measured and corrected before OCR.")
    mean_confidence: float | None = Field(None, ge=0, le=100, description="Mean Tesseract word confidence.")
    chars: int = Field(ge=0, description="Characters of text on the page.")
    dpi: int | None = Field(None, description="Resolution of the page image used for OCR.")
    warnings: list[str] = Field(default_factory=list)
    component: Component | None = Field(None, description="Component kind and its fields (added in 1.1).")


class Metadata(_Model):
    document_type: str | None = Field(None, description="Tên loại văn bản, sentence case; 'Công văn' if none.")
    document_type_code: str | None = Field(None, description="Type symbol from Decree 30/2020 Appendix III, e.g. QĐ.")
    number: str | None = Field(None, description="Số, as printed (leading zero kept), e.g. '05'.")
    symbol: str | None = Field(None, description="Ký hiệu, e.g. 'QĐ-UBND'.")
    number_symbol: str | None = Field(None, description="e.g. '12/2024/QĐ-UBND'.")
    issued_place: str | None = None
    issued_date: str | None = Field(None, description="ISO 8601 date (YYYY-MM-DD).")
    parent_agency: str | None = Field(None, description="Cơ quan chủ quản (upper line of a two-level header).")
    issuing_agency: str | None = Field(None, description="Cơ quan ban hành.")
    summary: str | None = Field(None, description="Trích yếu as printed ('V/v …' kept for công văn).")
    signer_title: str | None = Field(None, description="All title lines joined, e.g. 'KT. CHỦ TỊCH PHÓ CHỦ TỊCH'.")
    signer_name: str | None = None
    citizen_ids: list[str] = Field(default_factory=list, description="Valid 12-digit CCCD and 9-digit CMND numbers.")
    dossier_codes: list[str] = Field(default_factory=list, description="Mã hồ sơ found in the text.")
    procedure_codes: list[str] = Field(default_factory=list, description="Mã thủ tục hành chính found in the text.")


class Evidence(_Model):
    page: int = Field(ge=1)
    bbox: tuple[float, float, float, float] = Field(
        description="x0, top, x1, bottom in PDF points from the page's top-left corner.")
    confidence: float = Field(ge=0, le=1)
    source: str | None = Field(None, description="How the value was read, e.g. 'ocr', 'text_layer', 'zone_ocr'.")


class DigitalSignature(_Model):
    signed_at: datetime | None = Field(None, description="Signing time from the signature dictionary (/M).")
    signer: str | None = Field(None, description="/Name, when the signing software fills it.")
    reason: str | None = Field(None, description="/Reason: often the signing body.")
    page: int | None = Field(None, description="Page of the visible signature stamp.")


class FieldDecision(_Model):
    """What an operator decided about one flagged field (`sohoa review`, the `review` flow)."""

    source: Literal["machine", "operator"] = Field(
        "operator", description="Who vouches for the field's value now: the machine's read, or an operator.")
    action: Literal["confirmed", "corrected", "cleared"] = Field(
        description="confirmed: the machine's value is right; corrected: replaced; cleared: no value.")
    machine_value: str | list[str] | None = Field(None, description="The value the machine had read.")
    reason: str | None = Field(None, description="Why the machine had flagged the field.")


class Review(_Model):
    needed: bool = False
    fields: list[str] = Field(default_factory=list, description=(
        "Metadata keys a person must check; component fields as 'component.<kind>.<field>', 'component.kind'."))
    reasons: list[str] = Field(default_factory=list)
    status: Literal["pending", "confirmed", "corrected"] | None = Field(
        None, description="pending: waits for an operator; confirmed: every flagged value kept; corrected: an "
                          "operator changed or cleared at least one. Absent on records that never needed review.")
    decisions: dict[str, FieldDecision] = Field(
        default_factory=dict, description="Per reviewed field: its source (machine|operator) and the decision. "
                                          "Fields not listed come from the machine.")
    not_administrative: bool | None = Field(
        None, description="An operator marked the paper as not an administrative document (another dossier "
                          "component: a form, an ID card, a receipt …).")
    reviewed_by: str | None = Field(None, description="Who reviewed (the operator's name as given).")
    reviewed_at: datetime | None = None

    @model_validator(mode="after")
    def _pending_when_needed(self) -> Review:
        """A record that needs a person and has no decision yet is pending (1.0 records had no status)."""
        if self.needed and self.status is None:
            self.status = "pending"
        return self


class Artifacts(_Model):
    original: str = Field(description="Archive key of the original bytes.")
    searchable_pdf: str | None = Field(None, description="Archive key of the two-layer PDF/A.")
    text: str = Field(description="Archive key of the UTF-8 NFC full text.")


class Engine(_Model):
    name: Literal["tesseract"] = "tesseract"
    version: str | None = None
    language: str
    model_path: str | None = Field(None, description="Tessdata folder used.")


ComponentKind = Literal["application_form", "id_card", "land_certificate", "contract", "receipt",
                        "administrative", "other"]
COMPONENT_KINDS: tuple[str, ...] = ("application_form", "id_card", "land_certificate", "contract", "receipt",
                                    "administrative", "other")


class Code(_Model):
    """A QR code or barcode decoded on a page. `text` is kept raw; only `values` of a known shape are used."""

    format: str = Field(description="Symbology as the decoder names it: QRCode, DataMatrix, PDF417, Code128 …")
    text: str = Field(description="Decoded content as it came (NFC); empty when the symbol did not decode cleanly.")
    page: int = Field(ge=1)
    bbox: tuple[float, float, float, float]
    valid: bool = Field(True, description="False: a symbol was found but failed its checksum or format.")
    error: str | None = None
    scheme: Literal["dossier_receipt", "citizen_id_card", "unknown"] = Field(
        "unknown", description="Which known content shape the text has; 'unknown' content is never trusted.")
    values: dict[str, str] = Field(default_factory=dict, description=(
        "What a known shape holds: dossier_code, procedure_code, citizen_id, paper_name (receipts); "
        "citizen_id, old_id, full_name, date_of_birth, sex, address, issued_date (ID cards)."))


class ApplicationForm(_Model):
    """Đơn đề nghị / đơn đăng ký / tờ khai filled in by a citizen."""

    procedure_name: str | None = Field(None, description="What is asked, from a 'Thủ tục' label or the form's title.")
    applicant_name: str | None = None
    date_of_birth: str | None = Field(None, description="ISO date, or YYYY when only the year is printed.")
    citizen_id: str | None = Field(None, description="CCCD (12 digits) or CMND (9) number of the applicant.")
    address: str | None = None
    phone: str | None = None
    signed_date: str | None = Field(None, description="ISO date of the place-date line above the signature.")


class IdCard(_Model):
    """Căn cước công dân / căn cước (front, back or both sides on one page)."""

    side: Literal["front", "back", "both"] | None = None
    number: str | None = Field(None, description="12-digit number, checked against province, birth year and sex.")
    full_name: str | None = None
    date_of_birth: str | None = None
    sex: Literal["Nam", "Nữ"] | None = None
    place_of_residence: str | None = None
    expiry_date: str | None = Field(None, description="ISO date, or 'Không thời hạn' (no expiry).")


class LandCertificate(_Model):
    """Giấy chứng nhận quyền sử dụng đất (GCN)."""

    serial: str | None = Field(None, description="Số phát hành: 2 letters + 6 digits (old form) or + 8 (2024 form).")
    map_sheet: str | None = Field(None, description="Tờ bản đồ số.")
    parcel_number: str | None = Field(None, description="Thửa đất số.")
    area_m2: float | None = Field(None, description="Diện tích in square metres.")
    owner: str | None = Field(None, description="Người sử dụng đất as printed (first person named).")
    owner_citizen_id: str | None = None


class Receipt(_Model):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả printed by the provincial dossier system."""

    dossier_code: str | None = Field(None, description="Mã hồ sơ, cross-checked with the QR code when there is one.")
    procedure_code: str | None = None
    applicant: str | None = None
    applicant_citizen_id: str | None = None
    received_date: str | None = None
    appointment_date: str | None = Field(None, description="Ngày hẹn trả kết quả.")
    linked_by_qr: bool = Field(False, description=(
        "The dossier code was confirmed by the receipt's QR code, so the scan is linked to that dossier."))


class Component(_Model):
    """What a document is within its dossier (thành phần hồ sơ) and the fields that kind carries."""

    kind: ComponentKind
    confidence: float = Field(ge=0, le=1)
    cues: list[str] = Field(default_factory=list, description=(
        "What decided the kind: printed titles and field labels matched, header parts, codes (no personal data)."))
    title: str | None = Field(None, description="The document's own title line, e.g. 'ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI'.")
    document_type: str | None = Field(None, description="Decree 30 type name of an administrative document.")
    application_form: ApplicationForm | None = None
    id_card: IdCard | None = None
    land_certificate: LandCertificate | None = None
    receipt: Receipt | None = None
    evidence: dict[str, Evidence] = Field(default_factory=dict, description=(
        "Where 'kind' and each field ('id_card.number', …) was read; review names them 'component.<key>'."))
    codes: list[Code] = Field(default_factory=list, description="Every QR code and barcode decoded, in page order.")


class Record(_Model):
    """One archived document. Written last: its presence is the commit point."""

    schema_version: Literal["1.0", "1.1"] = SCHEMA_VERSION
    document_id: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 hex of the original bytes.")
    dossier_id: str | None = Field(None, description="Hồ sơ id (the inbox folder name), or null.")
    source: Source
    pages: list[Page]
    metadata: Metadata
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    digital_signatures: list[DigitalSignature] = Field(
        default_factory=list, description="Digital signatures embedded in a PDF input, in document order.")
    review: Review = Field(default_factory=Review)
    artifacts: Artifacts
    processed_at: datetime
    pipeline_version: str
    engine: Engine
    warnings: list[str] = Field(default_factory=list)
    component: Component | None = Field(None, description="Component kind and its fields (added in 1.1).")
    revision: int | None = Field(
        None, ge=1, description="Version of this record: 1 (or absent) as digitized, +1 per review. Earlier "
                                "versions are kept as records/{document_id}/history/{revision}.json.")
