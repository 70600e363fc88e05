"""The document rules to the letter: each refusal's code, reason and field, the limits, the state every event makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from streams.decider import CommandContext, Rejection, RejectionCode
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
    UnlinkDocument,
    UploadDocument,
    VerifyField,
)
from streams.document.decider import (
    Document,
    DocumentField,
    DocumentStatus,
    FieldCheck,
    Link,
    RecognitionStatus,
    VerificationStatus,
    Version,
    document_decider,
)
from streams.document.events import (
    DocumentArchived,
    DocumentLinked,
    DocumentUploaded,
    FieldVerified,
    RecognitionFailed,
    RecognitionRecorded,
    VerificationCompleted,
    VersionAdded,
)
from tests.unit.deciders import AT, Given, context, given
from tests.unit.document.test_document_decider import (
    DECIDER,
    DOC,
    FIELDS,
    OPERATOR,
    PIPELINE,
    TENANT,
    UPLOADED,
    V2,
    field,
    recognition,
    recorded,
    stored,
)

LATER = AT + timedelta(days=1)
NEW = given(DECIDER)
ACTIVE = given(DECIDER, UPLOADED)
ARCHIVED = given(DECIDER, UPLOADED, DocumentArchived("", AT))
RECOGNISED = given(DECIDER, UPLOADED, recorded())
COMPLETED = given(DECIDER, UPLOADED, recorded(), FieldVerified("total", "1", True, AT), VerificationCompleted(AT))
FAIL = FailRecognition(DOC, 1, "run-2", "no text found", 1)
NO_SUCH = Rejection(RejectionCode.NOT_FOUND, "no such document")
IS_ARCHIVED = Rejection(RejectionCode.ILLEGAL_STATE, "the document is archived", "status")
NOTHING_YET = Rejection(RejectionCode.ILLEGAL_STATE, "nothing recognised to verify yet", "fields")
ALREADY_COMPLETE = Rejection(RejectionCode.ILLEGAL_STATE, "verification is already complete", "verification")
PEOPLE = context(role="owner")
TYPES = "application/pdf, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, image/jpeg, image/png, image/tiff, image/webp, text/html, text/plain"  # noqa: E501
BOX = "a box is x0 <= x1, y0 <= y1, in fractions (0..1) of the page"


def invalid(field_: str, reason: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field_)


def length(field_: str, maximum: int) -> Rejection:
    return invalid(field_, f"{field_} must be 1 to {maximum} characters")


def upload(**changes: Any) -> UploadDocument:
    return replace(UploadDocument(DOC, DocumentType.CMR, stored()), **changes)


def with_field(**changes: Any) -> RecordRecognition:
    return recognition(fields=(replace(FIELDS[0], **changes),))


def with_links(n: int) -> Given:
    return ACTIVE.with_state(links=tuple(Link(LinkedType.SHIPMENT, f"s-{i}") for i in range(n)))


@pytest.mark.parametrize(
    ("start", "command", "ctx", "rejection"),
    [
        (ACTIVE, upload(), OPERATOR, Rejection(RejectionCode.CONFLICT, "this document already exists", "document_id")),
        (NEW, replace(upload(), document_id="d" * 65), OPERATOR, length("document_id", 64)),
        (NEW, upload(title="t" * 201), OPERATOR, invalid("title", "title must be at most 200 characters")),
        (
            NEW,
            upload(document_type="passport"),
            OPERATOR,
            Rejection(RejectionCode.INVALID, "not a known document type", "document_type"),
        ),
        (
            NEW,
            upload(file=stored(2)),
            OPERATOR,
            invalid("file.object_key", "the object key of version 1 is tenant-a/documents/doc-1/v1"),
        ),
        (
            NEW,
            upload(file=stored(content_type="application/zip")),
            OPERATOR,
            invalid("file.content_type", f"a document is one of {TYPES}"),
        ),
        (
            NEW,
            upload(file=stored(size_bytes=0)),
            OPERATOR,
            invalid("file.size_bytes", "an empty file is not a document"),
        ),
        (
            NEW,
            upload(file=stored(sha256="A" * 64)),
            OPERATOR,
            invalid("file.sha256", "the SHA-256 is 64 lowercase hex digits"),
        ),
        (NEW, upload(file=stored(pages=0)), OPERATOR, invalid("file.pages", "a document has at least one page")),
        (NEW, upload(file=stored(filename="a/b.pdf")), OPERATOR, invalid("file.filename", "a filename has no path")),
        (NEW, upload(file=stored(filename="a\\b.pdf")), OPERATOR, invalid("file.filename", "a filename has no path")),
        (NEW, upload(file=stored(filename="f" * 201)), OPERATOR, length("file.filename", 200)),
        (NEW, AddVersion(DOC, stored(2, "b")), OPERATOR, NO_SUCH),
        (ACTIVE, AddVersion("doc-2", stored(2, "b")), OPERATOR, invalid("document_id", "must be the document's id")),
        (ARCHIVED, AddVersion(DOC, stored(2, "b")), OPERATOR, IS_ARCHIVED),
        (
            given(DECIDER, UPLOADED, V2),
            AddVersion(DOC, stored(3, "b")),
            OPERATOR,
            Rejection(RejectionCode.CONFLICT, "the same file is already version 2: no new version", "sha256"),
        ),
        (NEW, LinkDocument(LinkedType.SHIPMENT, "s-1"), OPERATOR, NO_SUCH),
        (ARCHIVED, LinkDocument(LinkedType.SHIPMENT, "s-1"), OPERATOR, IS_ARCHIVED),
        (ACTIVE, LinkDocument(LinkedType.SHIPMENT, "s" * 65), OPERATOR, length("linked_id", 64)),
        (ACTIVE, LinkDocument(LinkedType.SHIPMENT, " "), OPERATOR, length("linked_id", 64)),
        (
            ACTIVE,
            LinkDocument("contract", "c-1"),  # type: ignore[arg-type]
            OPERATOR,
            invalid("linked_type", "links go to shipment, declaration, purchase_order, invoice"),
        ),
        (
            with_links(50),
            LinkDocument(LinkedType.INVOICE, "i-1"),
            OPERATOR,
            invalid("linked_id", "a document has at most 50 links"),
        ),
        (
            ACTIVE,
            UnlinkDocument(LinkedType.INVOICE, "inv-1"),
            OPERATOR,
            Rejection(RejectionCode.NOT_FOUND, "the document is not linked to invoice inv-1"),
        ),
        (ARCHIVED, UnlinkDocument(LinkedType.INVOICE, "inv-1"), OPERATOR, IS_ARCHIVED),
        (ARCHIVED, SetExpiry(None), OPERATOR, IS_ARCHIVED),
        (
            ACTIVE,
            recognition(),
            PEOPLE,
            Rejection(RejectionCode.FORBIDDEN, "recording a recognition is a step of a pipeline, not of a person"),
        ),
        (NEW, recognition(), PIPELINE, NO_SUCH),
        (
            ACTIVE,
            replace(recognition(), document_id="doc-2"),
            PIPELINE,
            invalid("document_id", "must be the document's id"),
        ),
        (
            ACTIVE,
            recognition(2),
            PIPELINE,
            Rejection(RejectionCode.NOT_FOUND, "the document has no version 2", "version"),
        ),
        (
            ACTIVE,
            recognition(0),
            PIPELINE,
            Rejection(RejectionCode.NOT_FOUND, "the document has no version 0", "version"),
        ),
        (ACTIVE, replace(recognition(), run_id="r" * 129), PIPELINE, length("run_id", 128)),
        (
            ACTIVE,
            recognition(fields=tuple(field(f"f{i}", "v") for i in range(501))),
            PIPELINE,
            invalid("fields", "a run records at most 500 fields"),
        ),
        (
            ACTIVE,
            recognition(fields=(FIELDS[0], FIELDS[0])),
            PIPELINE,
            invalid("fields", "each field is recorded once"),
        ),
        (
            ACTIVE,
            replace(recognition(), document_type="menu"),
            PIPELINE,
            invalid("document_type", "not a known document type"),
        ),
        (
            ACTIVE,
            replace(recognition(), language="l" * 17),
            PIPELINE,
            invalid("language", "a language is a short code, e.g. ru"),
        ),
        (
            ACTIVE,
            replace(recognition(), problems=("p",) * 101),
            PIPELINE,
            invalid("problems", "at most 100 problems of at most 500 characters"),
        ),
        (
            ACTIVE,
            replace(recognition(), problems=("p" * 501,)),
            PIPELINE,
            invalid("problems", "at most 100 problems of at most 500 characters"),
        ),
        (ACTIVE, with_field(name="n" * 201), PIPELINE, length("fields[0].name", 200)),
        (
            ACTIVE,
            with_field(value="v" * 2001),
            PIPELINE,
            invalid("fields[0].value", "a value is at most 2000 characters"),
        ),
        (
            ACTIVE,
            with_field(confidence=-0.01),
            PIPELINE,
            invalid("fields[0].confidence", "a confidence is between 0 and 1"),
        ),
        (
            ACTIVE,
            with_field(confidence=1.01),
            PIPELINE,
            invalid("fields[0].confidence", "a confidence is between 0 and 1"),
        ),
        (ACTIVE, with_field(page=0), PIPELINE, invalid("fields[0].page", "pages count from 1")),
        (ACTIVE, with_field(x0=-0.1), PIPELINE, invalid("fields[0].x0", BOX)),
        (ACTIVE, with_field(y1=1.01), PIPELINE, invalid("fields[0].x0", BOX)),
        (ACTIVE, with_field(x0=0.5, x1=0.4), PIPELINE, invalid("fields[0].x0", BOX)),
        (ACTIVE, with_field(y0=0.5, y1=0.4), PIPELINE, invalid("fields[0].x0", BOX)),
        (
            ACTIVE,
            FAIL,
            PEOPLE,
            Rejection(RejectionCode.FORBIDDEN, "failing a recognition is a step of a pipeline, not of a person"),
        ),
        (NEW, FAIL, PIPELINE, NO_SUCH),
        (
            ACTIVE,
            replace(FAIL, version=2),
            PIPELINE,
            Rejection(RejectionCode.NOT_FOUND, "the document has no version 2", "version"),
        ),
        (
            RECOGNISED,
            FAIL,
            PIPELINE,
            Rejection(RejectionCode.ILLEGAL_STATE, "version 1 is already recognised (run run-1)"),
        ),
        (ACTIVE, replace(FAIL, run_id="r" * 129), PIPELINE, length("run_id", 128)),
        (ACTIVE, replace(FAIL, reason="r" * 1001), PIPELINE, length("reason", 1000)),
        (ACTIVE, replace(FAIL, attempt=0), PIPELINE, invalid("attempt", "attempts count from 1")),
        (NEW, VerifyField("total", "1"), OPERATOR, NO_SUCH),
        (ARCHIVED, VerifyField("total", "1"), OPERATOR, IS_ARCHIVED),
        (ACTIVE, VerifyField("total", "1"), OPERATOR, NOTHING_YET),
        (COMPLETED, VerifyField("total", "1"), OPERATOR, ALREADY_COMPLETE),
        (
            RECOGNISED,
            VerifyField("vat", "1"),
            OPERATOR,
            Rejection(RejectionCode.NOT_FOUND, "no field 'vat' was recognised", "name"),
        ),
        (
            RECOGNISED,
            VerifyField("total", "9" * 2001),
            OPERATOR,
            invalid("value", "a value is at most 2000 characters"),
        ),
        (ACTIVE, CompleteVerification(), OPERATOR, NOTHING_YET),
        (COMPLETED, CompleteVerification(), OPERATOR, ALREADY_COMPLETE),
        (ARCHIVED, CompleteVerification(), OPERATOR, IS_ARCHIVED),
        (NEW, CompleteVerification(), OPERATOR, NO_SUCH),
        (RECOGNISED, CompleteVerification(), OPERATOR, invalid("fields", "still to verify: total")),
        (
            given(DECIDER, UPLOADED, recorded(fields=tuple(field(f"f{i}", "v", needs=True) for i in range(12)))),
            CompleteVerification(),
            OPERATOR,
            invalid("fields", "still to verify: f0, f1, f2, f3, f4, f5, f6, f7, f8, f9"),
        ),
        (ACTIVE, ArchiveDocument("r" * 501), OPERATOR, invalid("reason", "reason must be at most 500 characters")),
        (ARCHIVED, ArchiveDocument(), OPERATOR, IS_ARCHIVED),
        (NEW, ArchiveDocument(), OPERATOR, NO_SUCH),
    ],
)
def test_each_refusal_says_its_code_reason_and_field(
    start: Given, command: Any, ctx: CommandContext, rejection: Rejection
) -> None:
    assert start.when(command, ctx).then_rejected(rejection.code) == rejection


def test_an_upload_at_every_limit_is_taken_and_tidied() -> None:
    file = stored(size_bytes=1, pages=1, filename="  my   invoice " + "f" * 186)
    command = UploadDocument("d" * 64, DocumentType.CMR, replace(file, object_key=f"{TENANT}/documents/{'d' * 64}/v1"),
                             "  Invoice \n for  June " + "t" * 180)  # fmt: skip
    tidied = replace(command.file, filename="my invoice " + "f" * 186)
    NEW.when(command, replace(OPERATOR, issued_at=LATER)).then(
        DocumentUploaded(TENANT, "d" * 64, DocumentType.CMR, "Invoice for June " + "t" * 180, tidied, LATER, "user-1")
    )
    NEW.when(upload(title="t" * 200, file=stored(filename="f" * 200))).then(
        DocumentUploaded(TENANT, DOC, DocumentType.CMR, "t" * 200, stored(filename="f" * 200), AT, "user-1")
    )


def test_the_state_after_each_event_holds_every_field() -> None:
    first = Version(1, stored(), AT, "user-1")
    # Folded here rather than taken from the module's givens: those are folded once, at import.
    assert given(DECIDER, UPLOADED).state == Document(
        DocumentStatus.ACTIVE, TENANT, DOC, DocumentType.COMMERCIAL_INVOICE, "", (first,), created_at=AT
    )
    later_v2 = VersionAdded(2, stored(2, "b"), LATER, "user-2")
    versions = given(DECIDER, UPLOADED, later_v2).state.versions
    assert versions == (first, Version(2, stored(2, "b"), LATER, "user-2"))
    problems = ("INN checksum fails",)
    older = RecognitionRecorded(1, "run-7", "cmr", "ru", FIELDS, problems, AT, False)
    state = given(DECIDER, UPLOADED, V2, older).state
    assert state.versions[0] == replace(
        first, recognition_status=RecognitionStatus.RECOGNISED, run_id="run-7", detected_type="cmr", language="ru",
        field_count=2, problems=problems,
    )  # fmt: skip
    assert state.versions[1] == Version(2, stored(2, "b"), AT, "user-1")
    assert (state.fields, state.fields_version, state.recognised_type, state.language) == ((), 0, "", "")
    latest = given(DECIDER, UPLOADED, V2, RecognitionFailed(2, "run-8", "timeout", 2, AT)).state
    assert latest.versions == (
        first,
        Version(2, stored(2, "b"), AT, "user-1", RecognitionStatus.FAILED, "timeout", "run-8", 2),
    )


def test_applied_fields_carry_what_was_read_and_where_and_a_verification_changes_only_its_field() -> None:
    read = (RecognisedField("total", "1200.00", 0.5, 3, 0.1, 0.2, 0.3, 0.4, True), field("vat", "200.00"))
    total = DocumentField("total", "1200.00", "1200.00", 0.5, 3, 0.1, 0.2, 0.3, 0.4, True)
    vat = DocumentField("vat", "200.00", "200.00", 0.97, 1, 0.1, 0.1, 0.4, 0.15, False)
    state = given(DECIDER, UPLOADED, recorded(fields=read)).state
    assert state.fields == (total, vat)
    assert (state.fields_version, state.recognised_type, state.language) == (1, "commercial_invoice", "en")
    assert state.verification is VerificationStatus.NONE
    verified = given(DECIDER, UPLOADED, recorded(fields=read), FieldVerified("total", "1250", True, AT, "u-2")).state
    assert verified.fields == (replace(total, value="1250", check=FieldCheck.CORRECTED, verified_by="u-2"), vat)
    assert verified.verification is VerificationStatus.IN_PROGRESS
    confirmed = given(DECIDER, UPLOADED, recorded(fields=read), FieldVerified("vat", "200.00", False, AT, "u-3")).state
    assert confirmed.fields == (total, replace(vat, check=FieldCheck.CONFIRMED, verified_by="u-3"))
    completed = given(
        DECIDER, UPLOADED, recorded(fields=read), FieldVerified("total", "1", True, AT), VerificationCompleted(AT)
    )
    assert completed.state.verification is VerificationStatus.COMPLETED


@pytest.mark.parametrize(
    "edges",
    [
        {"confidence": 0.0},
        {"confidence": 1.0},
        {"x0": 0.0, "y0": 0.0, "x1": 1.0, "y1": 1.0},
        {"x0": 0.3, "x1": 0.3, "y0": 0.6, "y1": 0.6},
        {"name": "n" * 200, "value": "v" * 2000},
    ],
)
def test_a_field_at_its_limits_is_recorded(edges: dict[str, Any]) -> None:
    found = replace(FIELDS[0], **edges)
    ACTIVE.when(recognition(fields=(found,)), PIPELINE).then(recorded(fields=(found,)))


def test_a_run_at_its_limits_is_recorded_and_tidied() -> None:
    many = tuple(field(f"f{i}", "v") for i in range(500))
    ACTIVE.when(recognition(fields=many), PIPELINE).then(recorded(fields=many))
    problems = ("p" * 500,) * 100
    command = replace(recognition(), run_id="r" * 128, language=" " + "l" * 15, problems=problems)
    ACTIVE.when(command, PIPELINE).then(
        RecognitionRecorded(1, "r" * 128, "commercial_invoice", "l" * 15, FIELDS, problems, AT, True)
    )
    spaced = (replace(FIELDS[0], name="  invoice   number "),)
    ACTIVE.when(recognition(fields=spaced), PIPELINE).then(
        recorded(fields=(replace(FIELDS[0], name="invoice number"),))
    )


def test_a_failure_at_its_limits_is_recorded() -> None:
    ACTIVE.when(replace(FAIL, run_id="r" * 128, reason="x" * 1000, attempt=1), PIPELINE).then(
        RecognitionFailed(1, "r" * 128, "x" * 1000, 1, AT)
    )


def test_links_up_to_fifty_values_up_to_2000_and_reasons_up_to_500_are_taken() -> None:
    with_links(49).when(LinkDocument(LinkedType.INVOICE, "i" * 64)).then(DocumentLinked(LinkedType.INVOICE, "i" * 64))
    RECOGNISED.when(VerifyField("total", "9" * 2000), OPERATOR).then(
        FieldVerified("total", "9" * 2000, True, AT, "user-1")
    )
    ACTIVE.when(ArchiveDocument("  r " + "r" * 498)).then(DocumentArchived("r " + "r" * 498, AT))
    archived = ACTIVE.when(ArchiveDocument(" duplicate   upload ")).then(DocumentArchived("duplicate upload", AT))
    assert (archived.status, archived.archived_reason) == (DocumentStatus.ARCHIVED, "duplicate upload")


def test_a_new_version_is_numbered_after_the_last_and_keeps_the_time_and_uploader() -> None:
    ACTIVE.when(AddVersion(DOC, stored(2, "b")), replace(context(actor="user-2"), issued_at=LATER)).then(
        VersionAdded(2, stored(2, "b"), LATER, "user-2")
    )


def test_what_is_not_a_document_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a document command: 'x'"):
        document_decider.decide(Document(), "x", OPERATOR)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a document event: 'x'"):
        document_decider.evolve(Document(), "x")  # type: ignore[arg-type]


def test_an_expiry_is_set_with_its_date() -> None:
    state = ACTIVE.when(SetExpiry(date(2027, 5, 1))).then_accepted()
    assert given(DECIDER, UPLOADED, *state).state.expires_on == date(2027, 5, 1)
