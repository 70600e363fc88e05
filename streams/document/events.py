"""Events of a document. `VersionAdded` (and the first one in `DocumentUploaded`) is what recognition waits for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from streams.document.commands import DocumentType, LinkedType, RecognisedField, StoredFile


@dataclass(frozen=True)
class DocumentUploaded:
    tenant_id: str
    document_id: str
    document_type: DocumentType
    title: str
    file: StoredFile
    uploaded_at: datetime
    uploaded_by: str | None = None


@dataclass(frozen=True)
class VersionAdded:
    version: int
    file: StoredFile
    uploaded_at: datetime
    uploaded_by: str | None = None


@dataclass(frozen=True)
class DocumentLinked:
    linked_type: LinkedType
    linked_id: str


@dataclass(frozen=True)
class DocumentUnlinked:
    linked_type: LinkedType
    linked_id: str


@dataclass(frozen=True)
class ExpirySet:
    expires_on: date | None


@dataclass(frozen=True)
class RecognitionRecorded:
    version: int
    run_id: str
    document_type: str
    language: str
    fields: tuple[RecognisedField, ...]
    problems: tuple[str, ...]
    recorded_at: datetime
    # Whether these fields became the document's current ones: only for its latest version before an
    # operator started verifying; otherwise the run is kept on its version and corrections stand.
    applied: bool


@dataclass(frozen=True)
class RecognitionFailed:
    version: int
    run_id: str
    reason: str
    attempt: int
    failed_at: datetime


@dataclass(frozen=True)
class FieldVerified:
    name: str
    value: str
    corrected: bool  # False: the operator confirmed the recognised value
    verified_at: datetime
    verified_by: str | None = None


@dataclass(frozen=True)
class VerificationCompleted:
    completed_at: datetime
    completed_by: str | None = None


@dataclass(frozen=True)
class DocumentArchived:
    reason: str
    archived_at: datetime


DocumentEvent = (
    DocumentUploaded
    | VersionAdded
    | DocumentLinked
    | DocumentUnlinked
    | ExpirySet
    | RecognitionRecorded
    | RecognitionFailed
    | FieldVerified
    | VerificationCompleted
    | DocumentArchived
)
EVENTS: tuple[type, ...] = DocumentEvent.__args__
