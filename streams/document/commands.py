"""Commands on a document: upload and versions, links, expiry, recognition results, operator verification, archive.

The file itself never travels in a command: the API stores it in the object store first
(`wellwon.object_store`, key `<tenant_id>/documents/<document_id>/v<version>`) and the command names the
stored object with its size, type and SHA-256. Recognition results come from a pipeline only (claims
with role `pipeline`, `streams.pipeline`); verification is an operator's, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DocumentType(StrEnum):
    COMMERCIAL_INVOICE = "commercial_invoice"
    PACKING_LIST = "packing_list"
    CMR = "cmr"
    BILL_OF_LADING = "bill_of_lading"
    AIR_WAYBILL = "air_waybill"
    CONTRACT = "contract"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    CONFORMITY_CERTIFICATE = "conformity_certificate"
    PERMIT = "permit"
    CUSTOMS_PAYMENT_ORDER = "customs_payment_order"
    OTHER = "other"


class LinkedType(StrEnum):
    """What a document can be linked to: the business objects it supports."""

    SHIPMENT = "shipment"
    DECLARATION = "declaration"
    PURCHASE_ORDER = "purchase_order"
    INVOICE = "invoice"


@dataclass(frozen=True)
class StoredFile:
    """A file already in the object store, as the API checked and hashed it while streaming it there."""

    object_key: str  # <tenant_id>/documents/<document_id>/v<version>
    content_type: str  # sniffed from the content: application/pdf, image/png, image/jpeg, image/tiff, image/webp
    size_bytes: int
    sha256: str  # 64 lowercase hex digits
    filename: str  # display only, sanitised; never part of the key
    pages: int = 1


@dataclass(frozen=True)
class UploadDocument:
    """A new document with its first version."""

    document_id: str
    document_type: DocumentType
    file: StoredFile
    title: str = ""


@dataclass(frozen=True)
class AddVersion:
    """A new file for the same document: the next version; the earlier ones are kept."""

    document_id: str
    file: StoredFile


@dataclass(frozen=True)
class LinkDocument:
    linked_type: LinkedType
    linked_id: str


@dataclass(frozen=True)
class UnlinkDocument:
    linked_type: LinkedType
    linked_id: str


@dataclass(frozen=True)
class SetExpiry:
    """The date the document stops being valid (a certificate, a permit); None: it does not expire."""

    expires_on: date | None


@dataclass(frozen=True)
class RecognisedField:
    """One field a recognition run read: its value, how sure it is, and where it is on the page.

    The box is in fractions of the page (0..1, origin top left). Line items are flat fields named
    `items[0].description`, `items[0].quantity`, ..."""

    name: str
    value: str
    confidence: float  # 0..1
    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float
    needs_verification: bool


@dataclass(frozen=True)
class RecordRecognition:
    """What a recognition run read from one version (a pipeline's command)."""

    document_id: str
    version: int
    run_id: str
    document_type: str  # the type the run detected (one of DocumentType, or "" when it could not tell)
    language: str  # e.g. "ru", "en", "zh"
    fields: tuple[RecognisedField, ...]
    problems: tuple[str, ...] = ()  # validation findings, e.g. "INN checksum fails"


@dataclass(frozen=True)
class FailRecognition:
    """A recognition run could not read a version (a pipeline's command), and why."""

    document_id: str
    version: int
    run_id: str
    reason: str
    attempt: int


@dataclass(frozen=True)
class VerifyField:
    """An operator confirms a field's value (the same value) or corrects it (another one)."""

    name: str
    value: str


@dataclass(frozen=True)
class CompleteVerification:
    """Every field flagged for verification has been confirmed or corrected: the data can be used."""


@dataclass(frozen=True)
class ArchiveDocument:
    reason: str = ""


DocumentCommand = (
    UploadDocument
    | AddVersion
    | LinkDocument
    | UnlinkDocument
    | SetExpiry
    | RecordRecognition
    | FailRecognition
    | VerifyField
    | CompleteVerification
    | ArchiveDocument
)
COMMANDS: tuple[type, ...] = DocumentCommand.__args__
