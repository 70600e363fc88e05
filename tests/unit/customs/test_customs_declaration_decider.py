"""The customs-declaration lifecycle: given events, when a command, then events or a rejection."""

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from streams.customs.commands import (
    AddGoodsItem,
    ApplyCorrection,
    AttachDocument,
    CheckCompliance,
    CreateDeclaration,
    DeclarationCommand,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RemoveDocument,
    RemoveGoodsItem,
    RemoveParty,
    RequestCorrection,
    SetParty,
    SubmitDeclaration,
    UpdateGoodsItem,
    UpdateHeader,
    ValidateDeclaration,
)
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE, declaration_decider
from streams.customs.declaration import Declaration, DeclarationStatus, FindingKind, PartyRole, SupportingDocument
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.events import (
    ComplianceChanged,
    CorrectionApplied,
    CorrectionRequested,
    DeclarationCreated,
    DeclarationEvent,
    DeclarationRegistered,
    DeclarationRejected,
    DeclarationReleased,
    DeclarationReturnedToDraft,
    DeclarationSubmitted,
    DeclarationValidated,
    DeclarationValidationFailed,
    DocumentRemoved,
    GoodsItemAdded,
    GoodsItemUpdated,
)
from streams.customs.examples import EXAMPLE_DATE, IMPORTER, example_declaration, example_item
from streams.decider import CommandContext, Rejection, RejectionCode

TENANT = "tenant-volga"
NOW = datetime(2025, 3, 17, 9, 30, tzinfo=UTC)


def context(tenant: str = TENANT, role: str | None = None, at: datetime = NOW) -> CommandContext:
    claims = (("role", role),) if role else ()
    return CommandContext(command_id="cmd-1", issued_at=at, actor_id="user-1", tenant_id=tenant, claims=claims)


CUSTOMS = context(role=CUSTOMS_AUTHORITY_ROLE)


def created(item_count: int = 2) -> DeclarationCreated:
    """The creation event of a complete declaration (documents, parties, transport all present)."""
    full = example_declaration(item_count)
    return DeclarationCreated(
        tenant_id=TENANT,
        header=full.header,
        created_at=NOW,
        declarant=full.declarant,
        consignor=full.consignor,
        consignee=full.consignee,
        customs_representative=full.customs_representative,
        transport=full.transport,
        items=full.items,
        documents=full.documents,
    )


def given(*events: DeclarationEvent) -> Declaration:
    return declaration_decider.fold(list(events))


def decide(state: Declaration, command: DeclarationCommand, ctx: CommandContext | None = None) -> Any:
    return CUSTOMS_DECLARATION.decider.decide(state, command, ctx or context())


def event_types(events: Any) -> list[type]:
    return [type(e) for e in events]


def registered_events() -> list[DeclarationEvent]:
    return [
        created(),
        DeclarationValidated(NOW),
        DeclarationSubmitted(NOW, EXAMPLE_DATE),
        DeclarationRegistered("10702070/170325/0001234", date(2025, 3, 17), NOW),
    ]


def test_create_opens_a_draft_for_the_tenant_and_reports_compliance() -> None:
    full = example_declaration(2)
    events = decide(given(), CreateDeclaration(header=full.header, declarant=IMPORTER))
    assert event_types(events) == [DeclarationCreated, ComplianceChanged]
    state = declaration_decider.fold(events)
    assert state.status is DeclarationStatus.DRAFT
    assert state.tenant_id == TENANT
    # No documents yet: invoice and contract are missing.
    assert {f.requirement_id for f in state.compliance.missing} == {"invoice", "contract"}


def test_create_twice_is_a_conflict() -> None:
    result = decide(given(created()), CreateDeclaration(header=example_declaration().header))
    assert isinstance(result, Rejection) and result.code is RejectionCode.CONFLICT


def test_another_tenant_cannot_see_the_declaration() -> None:
    result = decide(given(created()), ValidateDeclaration(), context(tenant="tenant-other"))
    assert isinstance(result, Rejection) and result.code is RejectionCode.NOT_FOUND


def test_create_with_duplicate_item_ids_is_invalid() -> None:
    item = example_item(0)
    result = decide(given(), CreateDeclaration(header=example_declaration().header, items=(item, item)))
    assert isinstance(result, Rejection) and result.code is RejectionCode.INVALID and result.field == "items"


def test_validate_a_complete_declaration() -> None:
    events = decide(given(created()), ValidateDeclaration())
    assert event_types(events) == [DeclarationValidated, ComplianceChanged]
    assert declaration_decider.fold(events, given(created())).status is DeclarationStatus.VALIDATED


def test_validate_with_gaps_records_every_error_and_stays_draft() -> None:
    bad_item = replace(example_item(0), commodity_code="8471", origin_country="china")
    state = given(created(), GoodsItemUpdated(bad_item))
    events = decide(state, ValidateDeclaration())
    failure = events[0]
    assert isinstance(failure, DeclarationValidationFailed)
    paths = {error.path for error in failure.errors}
    assert {"items[1].commodity_code", "items[1].origin_country"} <= paths
    after = declaration_decider.fold(events, state)
    assert after.status is DeclarationStatus.DRAFT and after.validation_errors == failure.errors


def test_editing_a_validated_declaration_returns_it_to_draft() -> None:
    state = given(created(), DeclarationValidated(NOW))
    events = decide(state, AddGoodsItem(example_item(5)))
    assert event_types(events)[:2] == [GoodsItemAdded, DeclarationReturnedToDraft]
    assert declaration_decider.fold(events, state).status is DeclarationStatus.DRAFT


def test_an_edit_that_changes_nothing_emits_nothing() -> None:
    state = given(created())
    assert decide(state, UpdateHeader(state.header)) == []
    assert decide(state, SetParty(PartyRole.CONSIGNEE, state.consignee)) == []


def test_the_declarant_cannot_be_removed() -> None:
    result = decide(given(created()), RemoveParty(PartyRole.DECLARANT))
    assert isinstance(result, Rejection) and result.code is RejectionCode.INVALID


def test_unknown_item_and_document_are_not_found() -> None:
    state = given(created())
    assert decide(state, RemoveGoodsItem("nope")).code is RejectionCode.NOT_FOUND
    assert decide(state, UpdateGoodsItem(replace(example_item(0), item_id="nope"))).code is RejectionCode.NOT_FOUND
    assert decide(state, RemoveDocument("nope")).code is RejectionCode.NOT_FOUND


def test_adding_an_existing_item_id_is_a_conflict() -> None:
    result = decide(given(created()), AddGoodsItem(example_item(0)))
    assert isinstance(result, Rejection) and result.code is RejectionCode.CONFLICT


def test_removing_the_invoice_reports_it_missing_and_blocks_validation() -> None:
    state = given(created(), DeclarationValidated(NOW))
    events = decide(state, RemoveDocument("doc-invoice"))
    assert event_types(events) == [DocumentRemoved, DeclarationReturnedToDraft, ComplianceChanged]
    report = events[-1].report
    assert [f.document_type_code for f in report.missing] == ["04021"]
    failure = decide(declaration_decider.fold(events, state), ValidateDeclaration())[0]
    assert isinstance(failure, DeclarationValidationFailed)
    assert any(e.path == "documents" and "04021" in e.message for e in failure.errors)


def test_submit_requires_validation_first() -> None:
    result = decide(given(created()), SubmitDeclaration())
    assert isinstance(result, Rejection) and result.code is RejectionCode.ILLEGAL_STATE


def test_submit_fixes_the_declaration_date() -> None:
    state = given(created(), DeclarationValidated(NOW))
    events = decide(state, SubmitDeclaration())
    assert events == [DeclarationSubmitted(NOW, EXAMPLE_DATE)]
    assert declaration_decider.fold(events, state).status is DeclarationStatus.SUBMITTED


def test_submit_is_refused_when_a_required_document_has_expired_since_validation() -> None:
    # The certificate of conformity covers machinery and apparel; it expires before the submission date.
    late = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    header = replace(created().header, declaration_date=None)
    state = given(replace(created(), header=header), DeclarationValidated(NOW))
    result = decide(state, SubmitDeclaration(), context(at=late))
    assert isinstance(result, Rejection) and result.code is RejectionCode.ILLEGAL_STATE
    assert "01191" in result.reason and "expired" in result.reason


def test_only_the_customs_authority_registers() -> None:
    state = given(created(), DeclarationValidated(NOW), DeclarationSubmitted(NOW, EXAMPLE_DATE))
    command = RegisterDeclaration("10702070/170325/0001234", date(2025, 3, 17))
    assert decide(state, command).code is RejectionCode.FORBIDDEN
    assert decide(state, command, CUSTOMS) == [
        DeclarationRegistered(command.registration_number, command.registered_on, NOW)
    ]


def test_registration_number_must_carry_the_registration_date() -> None:
    state = given(created(), DeclarationValidated(NOW), DeclarationSubmitted(NOW, EXAMPLE_DATE))
    result = decide(state, RegisterDeclaration("10702070/180325/0001234", date(2025, 3, 17)), CUSTOMS)
    assert isinstance(result, Rejection) and result.field == "registration_number"


def test_release_and_reject() -> None:
    state = given(*registered_events())
    assert decide(state, ReleaseDeclaration(), CUSTOMS) == [DeclarationReleased(NOW)]
    assert decide(state, RejectDeclaration("  invoice value doubtful "), CUSTOMS) == [
        DeclarationRejected("invoice value doubtful", NOW)
    ]
    released = given(*registered_events(), DeclarationReleased(NOW))
    assert decide(released, RejectDeclaration("late"), CUSTOMS).code is RejectionCode.ILLEGAL_STATE
    assert released.status is DeclarationStatus.RELEASED


def test_no_edits_after_registration() -> None:
    result = decide(given(*registered_events()), AddGoodsItem(example_item(7)))
    assert isinstance(result, Rejection) and result.code is RejectionCode.ILLEGAL_STATE
    assert "correction" in result.reason


def test_a_correction_is_requested_then_applied_with_reasons() -> None:
    state = given(*registered_events())
    requested = decide(state, RequestCorrection("kdt-1", "net weight misprinted"))
    assert requested == [CorrectionRequested("kdt-1", "net weight misprinted", NOW)]
    state = declaration_decider.fold(requested, state)
    assert decide(state, RequestCorrection("kdt-2", "another")).code is RejectionCode.CONFLICT

    corrected_item = replace(state.items[0], net_weight_kg=state.items[0].net_weight_kg - 1)
    applied = decide(state, ApplyCorrection("kdt-1", "net weight per packing list", items=(corrected_item,)))
    assert isinstance(applied[0], CorrectionApplied)
    after = declaration_decider.fold(applied, state)
    assert after.items[0] == corrected_item
    assert after.status is DeclarationStatus.REGISTERED
    assert after.corrections[0].applied_at == NOW and after.open_correction is None


def test_a_correction_needs_a_reason_an_open_request_and_a_valid_result() -> None:
    state = given(*registered_events(), CorrectionRequested("kdt-1", "typo", NOW))
    item = state.items[0]
    assert decide(state, ApplyCorrection("kdt-9", "x", items=(item,))).code is RejectionCode.NOT_FOUND
    assert decide(state, ApplyCorrection("kdt-1", " ", items=(item,))).code is RejectionCode.INVALID
    broken = replace(item, commodity_code="12")
    result = decide(state, ApplyCorrection("kdt-1", "fix", items=(broken,)))
    assert isinstance(result, Rejection) and result.field == "items[1].commodity_code"
    draft = given(created())
    assert decide(draft, RequestCorrection("kdt-1", "why")).code is RejectionCode.ILLEGAL_STATE


def test_check_compliance_reports_documents_that_will_expire() -> None:
    # The contract expires on 2026-12-31: 20 days before, it shows as expiring.
    header = replace(created().header, declaration_date=None)
    state = given(replace(created(), header=header))
    events = decide(state, CheckCompliance(), context(at=datetime(2026, 12, 11, tzinfo=UTC)))
    assert event_types(events) == [ComplianceChanged]
    (finding,) = events[0].report.expiring
    assert finding.kind is FindingKind.EXPIRING and finding.document_id == "doc-contract"
    # Asked again the same day, nothing changed: no event.
    again = declaration_decider.fold(events, state)
    assert decide(again, CheckCompliance(), context(at=datetime(2026, 12, 11, tzinfo=UTC))) == []


def test_attaching_a_certificate_for_one_item_only_leaves_the_other_missing() -> None:
    state = given(created(), DocumentRemoved("doc-conformity"))
    certificate = SupportingDocument("cert-1", "01191", "EAEU RU C-1", date(2025, 1, 1), item_ids=("item-1",))
    events = decide(state, AttachDocument(certificate))
    report = events[-1].report
    (missing,) = report.missing
    assert missing.requirement_id == "conformity" and missing.item_ids == ("item-2",)


def test_the_domain_registers_every_command_and_event() -> None:
    assert CUSTOMS_DECLARATION.name == "customs_declaration"
    assert CreateDeclaration in CUSTOMS_DECLARATION.commands and ApplyCorrection in CUSTOMS_DECLARATION.commands
    assert ComplianceChanged in CUSTOMS_DECLARATION.events and CorrectionApplied in CUSTOMS_DECLARATION.events
