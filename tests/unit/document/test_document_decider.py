"""The document decider, given/when/then: every command, its refusals, and how recognition meets verification."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from streams.decider import RejectionCode
from streams.document.commands import (
    AddVersion,
    ArchiveDocument,
    CompleteVerification,
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
from streams.document.decider import (
    DocumentStatus,
    FieldCheck,
    RecognitionStatus,
    VerificationStatus,
    object_key,
)
from streams.document.domain import DOCUMENT
from streams.document.events import (
    DocumentArchived,
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
from streams.pipeline import pipeline_claims
from tests.unit.deciders import AT, context, given

TENANT, DOC = "tenant-a", "doc-1"
DECIDER = DOCUMENT.decider
PIPELINE = context(**pipeline_claims("document_recognition"))
OPERATOR = context(role="operator")


def stored(version: int = 1, sha: str = "a", **changes: object) -> StoredFile:
    file = StoredFile(object_key(TENANT, DOC, version), "application/pdf", 1234, sha * 64, "invoice.pdf", 2)
    return replace(file, **changes)  # type: ignore[arg-type]


UPLOADED = DocumentUploaded(TENANT, DOC, DocumentType.COMMERCIAL_INVOICE, "", stored(), AT, "user-1")
V2 = VersionAdded(2, stored(2, "b"), AT, "user-1")


def field(name: str, value: str, needs: bool = False, confidence: float = 0.97) -> RecognisedField:
    return RecognisedField(name, value, confidence, 1, 0.1, 0.1, 0.4, 0.15, needs)


FIELDS = (field("invoice.number", "INV-7"), field("total", "1200.00", needs=True))


def recorded(
    version: int = 1, applied: bool = True, fields: tuple[RecognisedField, ...] = FIELDS
) -> RecognitionRecorded:
    return RecognitionRecorded(version, "run-1", "commercial_invoice", "en", fields, (), AT, applied)


def recognition(version: int = 1, fields: tuple[RecognisedField, ...] = FIELDS) -> RecordRecognition:
    return RecordRecognition(DOC, version, "run-1", "commercial_invoice", "en", fields)


# Upload and versions


def test_an_upload_creates_the_document_with_its_first_version_pending_recognition() -> None:
    state = given(DECIDER).when(UploadDocument(DOC, DocumentType.COMMERCIAL_INVOICE, stored())).then(UPLOADED)
    assert state.status is DocumentStatus.ACTIVE and state.tenant_id == TENANT
    assert [v.recognition_status for v in state.versions] == [RecognitionStatus.PENDING]


def test_an_upload_is_refused_twice_and_with_a_key_that_is_not_the_documents() -> None:
    given(DECIDER, UPLOADED).when(UploadDocument(DOC, DocumentType.CMR, stored())).then_rejected(
        RejectionCode.CONFLICT, "document_id"
    )
    other_key = stored(object_key="tenant-b/documents/doc-1/v1")
    given(DECIDER).when(UploadDocument(DOC, DocumentType.CMR, other_key)).then_rejected(
        RejectionCode.INVALID, "file.object_key"
    )
    named_key = stored(object_key="tenant-a/documents/doc-1/invoice.pdf")
    given(DECIDER).when(UploadDocument(DOC, DocumentType.CMR, named_key)).then_rejected(
        RejectionCode.INVALID, "file.object_key"
    )


def test_an_upload_of_no_document_is_refused_field_by_field() -> None:
    for bad, at in (
        (stored(content_type="application/zip"), "file.content_type"),
        (stored(size_bytes=0), "file.size_bytes"),
        (stored(sha256="XYZ"), "file.sha256"),
        (stored(pages=0), "file.pages"),
        (stored(filename="../../etc/passwd"), "file.filename"),
        (stored(filename="  "), "file.filename"),
    ):
        given(DECIDER).when(UploadDocument(DOC, DocumentType.CMR, bad)).then_rejected(RejectionCode.INVALID, at)
    given(DECIDER).when(UploadDocument(DOC, "passport", stored())).then_rejected(  # type: ignore[arg-type]
        RejectionCode.INVALID, "document_type"
    )


def test_a_new_file_adds_the_next_version_and_keeps_the_history() -> None:
    state = given(DECIDER, UPLOADED).when(AddVersion(DOC, stored(2, "b"))).then(V2)
    assert [v.version for v in state.versions] == [1, 2] and state.versions[0].file.sha256 == "a" * 64


def test_the_same_file_again_is_no_new_version() -> None:
    given(DECIDER, UPLOADED).when(AddVersion(DOC, stored(2, "a"))).then_rejected(
        RejectionCode.CONFLICT, "sha256", "already version 1"
    )


def test_a_version_must_take_the_next_key_and_the_documents_id() -> None:
    given(DECIDER, UPLOADED).when(AddVersion(DOC, stored(3, "b"))).then_rejected(
        RejectionCode.INVALID, "file.object_key"
    )
    given(DECIDER, UPLOADED).when(AddVersion("doc-2", stored(2, "b"))).then_rejected(
        RejectionCode.INVALID, "document_id"
    )
    given(DECIDER).when(AddVersion(DOC, stored(2, "b"))).then_rejected(RejectionCode.NOT_FOUND)


def test_another_tenant_cannot_reach_the_document() -> None:
    given(DECIDER, UPLOADED).when(AddVersion(DOC, stored(2, "b")), context("tenant-b")).then_rejected(
        RejectionCode.NOT_FOUND
    )


# Links and expiry


def test_links_are_added_once_and_removed() -> None:
    link = LinkDocument(LinkedType.SHIPMENT, "ship-1")
    state = given(DECIDER, UPLOADED).when(link).then(DocumentLinked(LinkedType.SHIPMENT, "ship-1"))
    linked = given(DECIDER, UPLOADED, DocumentLinked(LinkedType.SHIPMENT, "ship-1"))
    linked.when(link).then()  # already linked: nothing changes
    state = linked.when(UnlinkDocument(LinkedType.SHIPMENT, "ship-1")).then(
        DocumentUnlinked(LinkedType.SHIPMENT, "ship-1")
    )
    assert state.links == ()
    given(DECIDER, UPLOADED).when(UnlinkDocument(LinkedType.INVOICE, "inv-1")).then_rejected(RejectionCode.NOT_FOUND)
    given(DECIDER, UPLOADED).when(LinkDocument("contract", "c-1")).then_rejected(  # type: ignore[arg-type]
        RejectionCode.INVALID, "linked_type"
    )


def test_expiry_is_set_changed_and_cleared() -> None:
    state = given(DECIDER, UPLOADED).when(SetExpiry(date(2027, 1, 31))).then(ExpirySet(date(2027, 1, 31)))
    assert state.expires_on == date(2027, 1, 31)
    given(DECIDER, UPLOADED, ExpirySet(date(2027, 1, 31))).when(SetExpiry(date(2027, 1, 31))).then()
    given(DECIDER, UPLOADED, ExpirySet(date(2027, 1, 31))).when(SetExpiry(None)).then(ExpirySet(None))


# Recognition


def test_only_a_pipeline_records_a_recognition_or_a_failure() -> None:
    for role in ("owner", "admin", "operator", "process"):
        given(DECIDER, UPLOADED).when(recognition(), context(role=role)).then_rejected(
            RejectionCode.FORBIDDEN, reason_has="pipeline"
        )
        given(DECIDER, UPLOADED).when(
            FailRecognition(DOC, 1, "run-1", "unreadable", 1), context(role=role)
        ).then_rejected(RejectionCode.FORBIDDEN)


def test_a_recognition_of_the_latest_version_becomes_the_current_fields() -> None:
    state = given(DECIDER, UPLOADED).when(recognition(), PIPELINE).then(recorded())
    assert state.versions[0].recognition_status is RecognitionStatus.RECOGNISED
    assert [(f.name, f.value, f.check) for f in state.fields] == [
        ("invoice.number", "INV-7", FieldCheck.UNVERIFIED),
        ("total", "1200.00", FieldCheck.UNVERIFIED),
    ]
    assert state.fields_version == 1 and state.recognised_type == "commercial_invoice"


def test_a_recognition_of_an_older_version_is_recorded_but_not_applied() -> None:
    state = given(DECIDER, UPLOADED, V2).when(recognition(1), PIPELINE).then(recorded(1, applied=False))
    assert state.fields == () and state.versions[0].recognition_status is RecognitionStatus.RECOGNISED
    assert state.versions[1].recognition_status is RecognitionStatus.PENDING


def test_a_recognition_after_verification_started_keeps_the_corrections() -> None:
    verifying = given(DECIDER, UPLOADED, recorded(), FieldVerified("invoice.number", "INV-8", True, AT, "user-1"))
    again = (field("invoice.number", "INV-7?"),)
    state = verifying.when(recognition(fields=again), PIPELINE).then(recorded(applied=False, fields=again))
    assert state.fields[0].value == "INV-8" and state.fields[0].check is FieldCheck.CORRECTED


def test_a_recognition_of_a_newer_version_replaces_the_verified_fields_of_an_older_one() -> None:
    verified = given(
        DECIDER, UPLOADED, recorded(), FieldVerified("total", "1200.00", False, AT), VerificationCompleted(AT), V2
    )
    newer = (field("total", "1300.00"),)
    state = verified.when(recognition(2, newer), PIPELINE).then(recorded(2, fields=newer))
    assert state.fields_version == 2 and state.verification is VerificationStatus.NONE
    assert [f.value for f in state.fields] == ["1300.00"]


def test_a_recognition_is_refused_for_an_unknown_version_or_bad_fields() -> None:
    given(DECIDER, UPLOADED).when(recognition(2), PIPELINE).then_rejected(RejectionCode.NOT_FOUND, "version")
    for bad, at in (
        (replace(FIELDS[0], confidence=1.5), "fields[0].confidence"),
        (replace(FIELDS[0], page=0), "fields[0].page"),
        (replace(FIELDS[0], x1=0.05), "fields[0].x0"),
        (replace(FIELDS[0], y1=1.2), "fields[0].x0"),
        (replace(FIELDS[0], name=" "), "fields[0].name"),
    ):
        given(DECIDER, UPLOADED).when(recognition(fields=(bad,)), PIPELINE).then_rejected(RejectionCode.INVALID, at)
    twice = (FIELDS[0], FIELDS[0])
    given(DECIDER, UPLOADED).when(recognition(fields=twice), PIPELINE).then_rejected(RejectionCode.INVALID, "fields")
    unknown_type = replace(recognition(), document_type="menu")
    given(DECIDER, UPLOADED).when(unknown_type, PIPELINE).then_rejected(RejectionCode.INVALID, "document_type")
    given(DECIDER, UPLOADED).when(replace(recognition(), document_id="doc-2"), PIPELINE).then_rejected(
        RejectionCode.INVALID, "document_id"
    )


def test_a_failure_says_why_and_never_overwrites_a_recognised_version() -> None:
    fail = FailRecognition(DOC, 1, "run-2", "no text found on any page", 3)
    state = (
        given(DECIDER, UPLOADED)
        .when(fail, PIPELINE)
        .then(RecognitionFailed(1, "run-2", "no text found on any page", 3, AT))
    )
    assert state.versions[0].recognition_status is RecognitionStatus.FAILED
    assert state.versions[0].recognition_reason == "no text found on any page" and state.versions[0].attempts == 3
    given(DECIDER, UPLOADED, recorded()).when(fail, PIPELINE).then_rejected(RejectionCode.ILLEGAL_STATE)
    given(DECIDER, UPLOADED).when(replace(fail, attempt=0), PIPELINE).then_rejected(RejectionCode.INVALID, "attempt")
    given(DECIDER, UPLOADED).when(replace(fail, reason=""), PIPELINE).then_rejected(RejectionCode.INVALID, "reason")
    given(DECIDER, UPLOADED).when(replace(fail, version=5), PIPELINE).then_rejected(RejectionCode.NOT_FOUND)


def test_a_failed_version_can_still_be_recognised_by_a_retry() -> None:
    failed = given(DECIDER, UPLOADED, RecognitionFailed(1, "run-1", "timeout", 1, AT))
    state = failed.when(recognition(), PIPELINE).then(recorded())
    assert state.versions[0].recognition_status is RecognitionStatus.RECOGNISED
    assert state.versions[0].recognition_reason == ""


# Verification


def test_an_operator_confirms_or_corrects_a_field() -> None:
    recognised = given(DECIDER, UPLOADED, recorded())
    state = recognised.when(VerifyField("total", "1200.00"), OPERATOR).then(
        FieldVerified("total", "1200.00", False, AT, "user-1")
    )
    assert state.fields[1].check is FieldCheck.CONFIRMED and state.verification is VerificationStatus.IN_PROGRESS
    state = recognised.when(VerifyField("total", " 1250.00 "), OPERATOR).then(
        FieldVerified("total", "1250.00", True, AT, "user-1")
    )
    assert state.fields[1].value == "1250.00" and state.fields[1].recognised_value == "1200.00"


def test_verifying_needs_recognised_fields_and_a_known_name() -> None:
    given(DECIDER, UPLOADED).when(VerifyField("total", "1")).then_rejected(RejectionCode.ILLEGAL_STATE, "fields")
    given(DECIDER, UPLOADED, recorded()).when(VerifyField("vat", "1")).then_rejected(RejectionCode.NOT_FOUND, "name")
    given(DECIDER, UPLOADED, recorded()).when(VerifyField("total", "9" * 2001)).then_rejected(
        RejectionCode.INVALID, "value"
    )


def test_verification_completes_once_every_flagged_field_is_verified() -> None:
    recognised = given(DECIDER, UPLOADED, recorded())
    recognised.when(CompleteVerification()).then_rejected(RejectionCode.INVALID, "fields", "total")
    verified = given(DECIDER, UPLOADED, recorded(), FieldVerified("total", "1200.00", False, AT))
    state = verified.when(CompleteVerification()).then(VerificationCompleted(AT, "user-1"))
    assert state.verification is VerificationStatus.COMPLETED
    done = given(DECIDER, UPLOADED, recorded(), FieldVerified("total", "1", True, AT), VerificationCompleted(AT))
    done.when(CompleteVerification()).then_rejected(RejectionCode.ILLEGAL_STATE)
    done.when(VerifyField("total", "2")).then_rejected(RejectionCode.ILLEGAL_STATE, "verification")
    given(DECIDER, UPLOADED).when(CompleteVerification()).then_rejected(RejectionCode.ILLEGAL_STATE, "fields")


# Archive


def test_an_archived_document_takes_no_more_changes_but_a_pipelines_result() -> None:
    state = (
        given(DECIDER, UPLOADED)
        .when(ArchiveDocument("replaced by the original"))
        .then(DocumentArchived("replaced by the original", AT))
    )
    assert state.status is DocumentStatus.ARCHIVED
    archived = given(DECIDER, UPLOADED, DocumentArchived("", AT))
    for command in (
        ArchiveDocument(),
        AddVersion(DOC, stored(2, "b")),
        LinkDocument(LinkedType.SHIPMENT, "s-1"),
        SetExpiry(date(2027, 1, 1)),
    ):
        archived.when(command).then_rejected(RejectionCode.ILLEGAL_STATE, "status")
    archived.when(recognition(), PIPELINE).then(recorded(applied=False))
    given(DECIDER).when(ArchiveDocument()).then_rejected(RejectionCode.NOT_FOUND)
