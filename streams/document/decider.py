"""The document decider: versions of a stored file, links, expiry, recognition results and their verification.

- A document is uploaded with its first version; a new file adds the next version and the earlier ones are
  kept. The object key is always `<tenant_id>/documents/<document_id>/v<version>`, never the user's filename;
  a file whose SHA-256 equals an existing version's is refused (409, `sha256`): no new version.
- Links go to the tenant's shipments, declarations, purchase orders and invoices (the API checks the object
  exists for the tenant); linking twice or setting the same expiry again changes nothing.
- Recognition results and failures come from a pipeline only. A run's fields become the document's current
  fields only when it read the latest version and nobody has started verifying that version's fields;
  otherwise the run is recorded on its version (status, type, language, problems) and the operator's
  confirmations and corrections stand. A failure never overwrites a version already recognised.
- An operator confirms or corrects one field at a time; verification completes once every field flagged
  for verification has been confirmed or corrected; after that the fields are final until a newer version
  is recognised.
- An archived document takes no further commands but a pipeline's results, so a version never stays pending.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from streams.company.identifiers import InvalidDetail, text
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.document.commands import (
    AddVersion,
    ArchiveDocument,
    CompleteVerification,
    DocumentCommand,
    DocumentType,
    FailRecognition,
    LinkDocument,
    LinkedType,
    RecognisedField,
    RecordRecognition,
    SetExpiry,
    StoredFile,
    UnlinkDocument,
    UploadDocument,
    VerifyField,
)
from streams.document.events import (
    DocumentArchived,
    DocumentEvent,
    DocumentLinked,
    DocumentUnlinked,
    DocumentUploaded,
    ExpirySet,
    FieldVerified,
    RecognitionFailed,
    RecognitionRecorded,
    VerificationCompleted,
    VersionAdded,
)
from streams.immutable import replace
from streams.pipeline import require_pipeline

Decision = Sequence[DocumentEvent] | Rejection

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # compliance reports' workbooks
# What the API stores: the types it recognises by their magic bytes, and what it issues from templates.
CONTENT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp", "text/html", "text/plain", XLSX}
)
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_FILENAME = 200
MAX_LINKS = 50
MAX_FIELDS = 500
MAX_VALUE = 2000
MAX_PROBLEMS = 100


class DocumentStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    ARCHIVED = "archived"


class RecognitionStatus(StrEnum):
    PENDING = "pending"
    RECOGNISED = "recognised"
    FAILED = "failed"


class VerificationStatus(StrEnum):
    NONE = "none"  # nobody has verified a field of the current fields yet
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class FieldCheck(StrEnum):
    UNVERIFIED = "unverified"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"


@dataclass(frozen=True)
class Version:
    version: int
    file: StoredFile
    uploaded_at: datetime
    uploaded_by: str | None = None
    recognition_status: RecognitionStatus = RecognitionStatus.PENDING
    recognition_reason: str = ""  # why the last run failed
    run_id: str = ""
    attempts: int = 0
    detected_type: str = ""
    language: str = ""
    field_count: int = 0
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentField:
    """A current field: what recognition read, and what the operator made of it."""

    name: str
    value: str  # the value in force: recognised, or as corrected
    recognised_value: str
    confidence: float
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    needs_verification: bool
    check: FieldCheck = FieldCheck.UNVERIFIED
    verified_by: str | None = None


@dataclass(frozen=True)
class Link:
    linked_type: LinkedType
    linked_id: str


@dataclass(frozen=True)
class Document:
    status: DocumentStatus = DocumentStatus.NONE
    tenant_id: str | None = None
    document_id: str = ""
    document_type: DocumentType = DocumentType.OTHER
    title: str = ""
    versions: tuple[Version, ...] = ()
    links: tuple[Link, ...] = ()
    expires_on: date | None = None
    fields: tuple[DocumentField, ...] = ()
    fields_version: int = 0  # the version the current fields were read from (0: none yet)
    recognised_type: str = ""  # the type the applied run detected
    language: str = ""
    verification: VerificationStatus = VerificationStatus.NONE
    created_at: datetime | None = None
    archived_reason: str = ""

    @property
    def latest(self) -> int:
        return len(self.versions)


def object_key(tenant_id: str, document_id: str, version: int) -> str:
    """Where a version's file lives in the object store: never derived from the user's filename."""
    return f"{tenant_id}/documents/{document_id}/v{version}"


def _checked_file(file: StoredFile, tenant_id: str, document_id: str, version: int) -> StoredFile:
    expected = object_key(tenant_id, document_id, version)
    if file.object_key != expected:
        raise InvalidDetail("file.object_key", f"the object key of version {version} is {expected}")
    if file.content_type not in CONTENT_TYPES:
        raise InvalidDetail("file.content_type", f"a document is one of {', '.join(sorted(CONTENT_TYPES))}")
    if file.size_bytes <= 0:
        raise InvalidDetail("file.size_bytes", "an empty file is not a document")
    if not SHA256.fullmatch(file.sha256):
        raise InvalidDetail("file.sha256", "the SHA-256 is 64 lowercase hex digits")
    if file.pages < 1:
        raise InvalidDetail("file.pages", "a document has at least one page")
    name = text(file.filename, "file.filename", MAX_FILENAME)
    if "/" in name or "\\" in name:
        raise InvalidDetail("file.filename", "a filename has no path")
    return replace(file, filename=name)


def _invalid(fault: InvalidDetail) -> Rejection:
    return reject(RejectionCode.INVALID, fault.reason, fault.field)


def _upload(state: Document, cmd: UploadDocument, context: CommandContext) -> Decision:
    if state.status is not DocumentStatus.NONE:
        return reject(RejectionCode.CONFLICT, "this document already exists", "document_id")
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    try:
        document_id = text(cmd.document_id, "document_id", 64)
        file = _checked_file(cmd.file, context.tenant_id, document_id, 1)
        title = " ".join(cmd.title.split())
        if len(title) > 200:
            raise InvalidDetail("title", "title must be at most 200 characters")
        document_type = DocumentType(cmd.document_type)
    except InvalidDetail as fault:
        return _invalid(fault)
    except ValueError:
        return reject(RejectionCode.INVALID, "not a known document type", "document_type")
    return [
        DocumentUploaded(
            context.tenant_id, document_id, document_type, title, file, context.issued_at, context.actor_id
        )
    ]


def _same_document(state: Document, document_id: str) -> Rejection | None:
    if state.status is DocumentStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such document")
    if document_id != state.document_id:
        return reject(RejectionCode.INVALID, "must be the document's id", "document_id")
    return None


def _active(state: Document) -> Rejection | None:
    if state.status is DocumentStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such document")
    if state.status is DocumentStatus.ARCHIVED:
        return reject(RejectionCode.ILLEGAL_STATE, "the document is archived", "status")
    return None


def _add_version(state: Document, cmd: AddVersion, context: CommandContext) -> Decision:
    if problem := _same_document(state, cmd.document_id) or _active(state):
        return problem
    assert state.tenant_id is not None
    for known in state.versions:
        if known.file.sha256 == cmd.file.sha256:
            return reject(
                RejectionCode.CONFLICT, f"the same file is already version {known.version}: no new version", "sha256"
            )
    try:
        file = _checked_file(cmd.file, state.tenant_id, state.document_id, state.latest + 1)
    except InvalidDetail as fault:
        return _invalid(fault)
    return [VersionAdded(state.latest + 1, file, context.issued_at, context.actor_id)]


def _link(state: Document, cmd: LinkDocument) -> Decision:
    if problem := _active(state):
        return problem
    try:
        linked_type = LinkedType(cmd.linked_type)
        linked_id = text(cmd.linked_id, "linked_id", 64)
    except InvalidDetail as fault:
        return _invalid(fault)
    except ValueError:
        return reject(RejectionCode.INVALID, f"links go to {', '.join(LinkedType)}", "linked_type")
    if Link(linked_type, linked_id) in state.links:
        return []
    if len(state.links) >= MAX_LINKS:
        return reject(RejectionCode.INVALID, f"a document has at most {MAX_LINKS} links", "linked_id")
    return [DocumentLinked(linked_type, linked_id)]


def _unlink(state: Document, cmd: UnlinkDocument) -> Decision:
    if problem := _active(state):
        return problem
    if Link(cmd.linked_type, cmd.linked_id) not in state.links:
        return reject(RejectionCode.NOT_FOUND, f"the document is not linked to {cmd.linked_type} {cmd.linked_id}")
    return [DocumentUnlinked(cmd.linked_type, cmd.linked_id)]


def _set_expiry(state: Document, cmd: SetExpiry) -> Decision:
    if problem := _active(state):
        return problem
    return [] if cmd.expires_on == state.expires_on else [ExpirySet(cmd.expires_on)]


def _version_of(state: Document, version: int) -> Version | Rejection:
    if not 1 <= version <= state.latest:
        return reject(RejectionCode.NOT_FOUND, f"the document has no version {version}", "version")
    return state.versions[version - 1]


def _checked_field(index: int, found: RecognisedField) -> RecognisedField:
    where = f"fields[{index}]"
    name = text(found.name, f"{where}.name", 200)
    if len(found.value) > MAX_VALUE:
        raise InvalidDetail(f"{where}.value", f"a value is at most {MAX_VALUE} characters")
    if not 0.0 <= found.confidence <= 1.0:
        raise InvalidDetail(f"{where}.confidence", "a confidence is between 0 and 1")
    if found.page < 1:
        raise InvalidDetail(f"{where}.page", "pages count from 1")
    box = (found.x0, found.y0, found.x1, found.y1)
    if not all(0.0 <= edge <= 1.0 for edge in box) or found.x0 > found.x1 or found.y0 > found.y1:
        raise InvalidDetail(f"{where}.x0", "a box is x0 <= x1, y0 <= y1, in fractions (0..1) of the page")
    return replace(found, name=name)


def _record(state: Document, cmd: RecordRecognition, context: CommandContext) -> Decision:
    if problem := require_pipeline(context, "recording a recognition") or _same_document(state, cmd.document_id):
        return problem
    version = _version_of(state, cmd.version)
    if isinstance(version, Rejection):
        return version
    try:
        run_id = text(cmd.run_id, "run_id", 128)
        if len(cmd.fields) > MAX_FIELDS:
            raise InvalidDetail("fields", f"a run records at most {MAX_FIELDS} fields")
        fields = tuple(_checked_field(i, f) for i, f in enumerate(cmd.fields))
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise InvalidDetail("fields", "each field is recorded once")
        if cmd.document_type and cmd.document_type not in set(DocumentType):
            raise InvalidDetail("document_type", "not a known document type")
        if len(cmd.language) > 16:
            raise InvalidDetail("language", "a language is a short code, e.g. ru")
        if len(cmd.problems) > MAX_PROBLEMS or any(len(p) > 500 for p in cmd.problems):
            raise InvalidDetail("problems", f"at most {MAX_PROBLEMS} problems of at most 500 characters")
    except InvalidDetail as fault:
        return _invalid(fault)
    applied = (
        state.status is DocumentStatus.ACTIVE
        and version.version == state.latest
        and (state.fields_version != version.version or state.verification is VerificationStatus.NONE)
    )
    return [
        RecognitionRecorded(
            version.version, run_id, cmd.document_type, cmd.language.strip(), fields, cmd.problems,
            context.issued_at, applied,
        )
    ]  # fmt: skip


def _fail(state: Document, cmd: FailRecognition, context: CommandContext) -> Decision:
    if problem := require_pipeline(context, "failing a recognition") or _same_document(state, cmd.document_id):
        return problem
    version = _version_of(state, cmd.version)
    if isinstance(version, Rejection):
        return version
    if version.recognition_status is RecognitionStatus.RECOGNISED:
        return reject(
            RejectionCode.ILLEGAL_STATE, f"version {version.version} is already recognised (run {version.run_id})"
        )
    try:
        run_id = text(cmd.run_id, "run_id", 128)
        reason = text(cmd.reason, "reason", 1000)
    except InvalidDetail as fault:
        return _invalid(fault)
    if cmd.attempt < 1:
        return reject(RejectionCode.INVALID, "attempts count from 1", "attempt")
    return [RecognitionFailed(version.version, run_id, reason, cmd.attempt, context.issued_at)]


def _verify(state: Document, cmd: VerifyField, context: CommandContext) -> Decision:
    if problem := _active(state):
        return problem
    if not state.fields:
        return reject(RejectionCode.ILLEGAL_STATE, "nothing recognised to verify yet", "fields")
    if state.verification is VerificationStatus.COMPLETED:
        return reject(RejectionCode.ILLEGAL_STATE, "verification is already complete", "verification")
    found = next((f for f in state.fields if f.name == cmd.name), None)
    if found is None:
        return reject(RejectionCode.NOT_FOUND, f"no field {cmd.name!r} was recognised", "name")
    if len(cmd.value) > MAX_VALUE:
        return reject(RejectionCode.INVALID, f"a value is at most {MAX_VALUE} characters", "value")
    value = cmd.value.strip()
    return [FieldVerified(found.name, value, value != found.recognised_value, context.issued_at, context.actor_id)]


def _complete(state: Document, context: CommandContext) -> Decision:
    if problem := _active(state):
        return problem
    if not state.fields:
        return reject(RejectionCode.ILLEGAL_STATE, "nothing recognised to verify yet", "fields")
    if state.verification is VerificationStatus.COMPLETED:
        return reject(RejectionCode.ILLEGAL_STATE, "verification is already complete", "verification")
    open_fields = [f.name for f in state.fields if f.needs_verification and f.check is FieldCheck.UNVERIFIED]
    if open_fields:
        return reject(RejectionCode.INVALID, f"still to verify: {', '.join(open_fields[:10])}", "fields")
    return [VerificationCompleted(context.issued_at, context.actor_id)]


def _archive(state: Document, cmd: ArchiveDocument, context: CommandContext) -> Decision:
    if problem := _active(state):
        return problem
    reason = " ".join(cmd.reason.split())
    if len(reason) > 500:
        return reject(RejectionCode.INVALID, "reason must be at most 500 characters", "reason")
    return [DocumentArchived(reason, context.issued_at)]


def decide(state: Document, command: DocumentCommand, context: CommandContext) -> Decision:
    match command:
        case UploadDocument():
            return _upload(state, command, context)
        case AddVersion():
            return _add_version(state, command, context)
        case LinkDocument():
            return _link(state, command)
        case UnlinkDocument():
            return _unlink(state, command)
        case SetExpiry():
            return _set_expiry(state, command)
        case RecordRecognition():
            return _record(state, command, context)
        case FailRecognition():
            return _fail(state, command, context)
        case VerifyField():
            return _verify(state, command, context)
        case CompleteVerification():
            return _complete(state, context)
        case ArchiveDocument():
            return _archive(state, command, context)
    raise TypeError(f"not a document command: {command!r}")


def _with_version(state: Document, number: int, **changes: object) -> Document:
    versions = list(state.versions)
    versions[number - 1] = replace(versions[number - 1], **changes)  # type: ignore[arg-type]
    return replace(state, versions=tuple(versions))


def _current_field(found: RecognisedField) -> DocumentField:
    return DocumentField(
        found.name, found.value, found.value, found.confidence, found.page, found.x0, found.y0, found.x1, found.y1,
        found.needs_verification,
    )  # fmt: skip


def evolve(state: Document, event: DocumentEvent) -> Document:
    match event:
        case DocumentUploaded():
            first = Version(1, event.file, event.uploaded_at, event.uploaded_by)
            return Document(
                DocumentStatus.ACTIVE, event.tenant_id, event.document_id, event.document_type, event.title,
                (first,), created_at=event.uploaded_at,
            )  # fmt: skip
        case VersionAdded():
            added = Version(event.version, event.file, event.uploaded_at, event.uploaded_by)
            return replace(state, versions=(*state.versions, added))
        case DocumentLinked():
            return replace(state, links=(*state.links, Link(event.linked_type, event.linked_id)))
        case DocumentUnlinked():
            gone = Link(event.linked_type, event.linked_id)
            return replace(state, links=tuple(link for link in state.links if link != gone))
        case ExpirySet():
            return replace(state, expires_on=event.expires_on)
        case RecognitionRecorded():
            recorded = _with_version(
                state, event.version, recognition_status=RecognitionStatus.RECOGNISED, recognition_reason="",
                run_id=event.run_id, detected_type=event.document_type, language=event.language,
                field_count=len(event.fields), problems=event.problems,
            )  # fmt: skip
            if not event.applied:
                return recorded
            return replace(
                recorded, fields=tuple(_current_field(f) for f in event.fields), fields_version=event.version,
                recognised_type=event.document_type, language=event.language, verification=VerificationStatus.NONE,
            )  # fmt: skip
        case RecognitionFailed():
            return _with_version(
                state, event.version, recognition_status=RecognitionStatus.FAILED, recognition_reason=event.reason,
                run_id=event.run_id, attempts=event.attempt,
            )  # fmt: skip
        case FieldVerified():
            check = FieldCheck.CORRECTED if event.corrected else FieldCheck.CONFIRMED
            fields = tuple(
                replace(f, value=event.value, check=check, verified_by=event.verified_by) if f.name == event.name else f
                for f in state.fields
            )
            return replace(state, fields=fields, verification=VerificationStatus.IN_PROGRESS)
        case VerificationCompleted():
            return replace(state, verification=VerificationStatus.COMPLETED)
        case DocumentArchived():
            return replace(state, status=DocumentStatus.ARCHIVED, archived_reason=event.reason)
    raise TypeError(f"not a document event: {event!r}")


document_decider: Decider[Document, DocumentCommand, DocumentEvent] = Decider(Document(), decide, evolve)
