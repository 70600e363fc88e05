"""Customs declaration rules, exactly: what creation records, each refusal with its code, reason and field,
corrections, and the compliance rules an operator loads.

The API answers a refusal with its reason and the field at fault (422 naming it), so both are part of the rule.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from streams.customs.commands import (
    ApplyCorrection,
    AttachDocument,
    CreateDeclaration,
    ReleaseDeclaration,
    RequestCorrection,
)
from streams.customs.compliance import ComplianceRules
from streams.customs.decider import declaration_decider, make_declaration_decider
from streams.customs.declaration import PartyRole, SupportingDocument
from streams.customs.events import CorrectionApplied, CorrectionRequested, DeclarationCreated, PartySet
from streams.customs.examples import example_declaration
from streams.customs.validation import MAX_ITEMS
from streams.decider import Rejection, RejectionCode
from tests.unit.customs.test_customs_declaration_decider import (
    CUSTOMS,
    NOW,
    TENANT,
    context,
    created,
    decide,
    given,
    registered_events,
)

FULL = example_declaration(2)


def creation(**changes: object) -> CreateDeclaration:
    command = CreateDeclaration(
        header=FULL.header,
        declarant=FULL.declarant,
        consignor=FULL.consignor,
        consignee=FULL.consignee,
        customs_representative=FULL.customs_representative,
        transport=FULL.transport,
        items=FULL.items,
        documents=FULL.documents,
        shipment_id="shipment-7",
    )
    return replace(command, **changes)


def test_creation_records_every_part_of_the_declaration_and_when() -> None:
    events = decide(given(), creation())
    assert events[0] == DeclarationCreated(
        tenant_id=TENANT,
        header=FULL.header,
        created_at=NOW,
        declarant=FULL.declarant,
        consignor=FULL.consignor,
        consignee=FULL.consignee,
        customs_representative=FULL.customs_representative,
        transport=FULL.transport,
        items=FULL.items,
        documents=FULL.documents,
        shipment_id="shipment-7",
    )


def test_a_creation_is_refused_with_its_reason_and_field() -> None:
    twice = (FULL.items[0], FULL.items[0])
    assert decide(given(), creation(items=twice)) == Rejection(
        RejectionCode.INVALID, "goods item ids must be unique", "items"
    )
    same_document = (FULL.documents[0], FULL.documents[0])
    assert decide(given(), creation(documents=same_document)) == Rejection(
        RejectionCode.INVALID, "document ids must be unique", "documents"
    )
    too_many = tuple(replace(FULL.items[0], item_id=str(n)) for n in range(MAX_ITEMS + 1))
    assert decide(given(), creation(items=too_many, documents=())) == Rejection(
        RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items"
    )
    assert declaration_decider.decide(given(), creation(), context(tenant="")) == Rejection(
        RejectionCode.UNAUTHORIZED, "a declaration belongs to a tenant"
    )


def test_the_most_items_a_declaration_may_hold_are_accepted() -> None:
    most = tuple(replace(FULL.items[0], item_id=str(n)) for n in range(MAX_ITEMS))
    events = decide(given(), creation(items=most, documents=()))
    assert not isinstance(events, Rejection), events
    assert events[0].items == most


def test_a_correction_is_requested_only_for_a_registered_declaration_and_once() -> None:
    illegal = Rejection(RejectionCode.ILLEGAL_STATE, "corrections apply to registered declarations only")
    assert decide(given(created()), RequestCorrection("kdt-1", "why")) == illegal
    assert decide(given(created()), ApplyCorrection("kdt-1", "why", items=FULL.items[:1])) == illegal
    registered = given(*registered_events())
    assert decide(registered, RequestCorrection("kdt-1", " typo ")) == [CorrectionRequested("kdt-1", "typo", NOW)]
    open_one = given(*registered_events(), CorrectionRequested("kdt-1", "typo", NOW))
    assert decide(open_one, RequestCorrection("kdt-2", "another")) == Rejection(
        RejectionCode.CONFLICT, "correction kdt-1 is still open"
    )
    item = open_one.items[0]
    applied = CorrectionApplied("kdt-1", "fixed", NOW, (item,))
    closed = given(*registered_events(), CorrectionRequested("kdt-1", "typo", NOW), applied)
    assert decide(closed, RequestCorrection("kdt-1", "again")) == Rejection(
        RejectionCode.CONFLICT, "correction kdt-1 already exists", "correction_id"
    )
    assert decide(closed, RequestCorrection("kdt-2", "another typo")) == [
        CorrectionRequested("kdt-2", "another typo", NOW)
    ]


def test_a_correction_is_applied_with_its_reason_and_refused_with_reason_and_field() -> None:
    state = given(*registered_events(), CorrectionRequested("kdt-1", "typo", NOW))
    item = replace(state.items[0], net_weight_kg=state.items[0].net_weight_kg - 1)
    applied = decide(state, ApplyCorrection("kdt-1", " packing list ", items=(item,)))
    assert applied[0] == CorrectionApplied("kdt-1", "packing list", NOW, (item,), ())
    assert decide(state, ApplyCorrection("kdt-9", "x", items=(item,))) == Rejection(
        RejectionCode.NOT_FOUND, "no open correction kdt-9", "correction_id"
    )
    assert decide(state, ApplyCorrection("kdt-1", "nothing")) == Rejection(
        RejectionCode.INVALID, "a correction must change at least one item or document"
    )
    stranger = replace(item, item_id="99")
    assert decide(state, ApplyCorrection("kdt-1", "x", items=(item, stranger))) == Rejection(
        RejectionCode.NOT_FOUND, "no goods item 99", "items"
    )
    document = replace(state.documents[0], number="INV-2")
    only_documents = decide(state, ApplyCorrection("kdt-1", "invoice number", documents=(document,)))
    assert only_documents[0] == CorrectionApplied("kdt-1", "invoice number", NOW, (), (document,))


def test_a_document_with_a_known_id_replaces_that_document_in_place_and_a_new_one_is_added() -> None:
    draft = given(created())
    first, *rest = draft.documents
    renumbered = replace(first, number="INV-2")
    after = declaration_decider.fold(decide(draft, AttachDocument(renumbered)), draft)
    assert after.documents == (renumbered, *rest)
    extra = SupportingDocument("doc-new", first.type_code, "X-1", date(2025, 3, 1))
    after = declaration_decider.fold(decide(draft, AttachDocument(extra)), draft)
    assert after.documents == (*draft.documents, extra)

    registered = given(*registered_events(), CorrectionRequested("kdt-1", "typo", NOW))
    corrected = declaration_decider.fold(
        [CorrectionApplied("kdt-1", "invoice number", NOW, (), (renumbered,))], registered
    )
    assert corrected.documents == (renumbered, *rest)


def test_a_decider_made_for_other_compliance_rules_applies_them() -> None:
    no_requirements = make_declaration_decider(ComplianceRules(requirements=()))
    events = no_requirements.decide(no_requirements.initial_state, creation(documents=()), context())
    assert not isinstance(events, Rejection), events
    state = no_requirements.fold(events)
    assert state.compliance.missing == ()
    defaults = declaration_decider.fold(decide(given(), creation(documents=())))
    assert {f.requirement_id for f in defaults.compliance.missing} >= {"invoice", "contract"}


def test_commands_for_a_declaration_in_the_wrong_state_are_refused_with_their_reason() -> None:
    assert decide(given(created()), creation()) == Rejection(
        RejectionCode.CONFLICT, "a declaration with this id already exists"
    )
    # Seen without the tenancy combinator (which refuses another tenant's first): nothing there yet.
    assert declaration_decider.decide(given(), ReleaseDeclaration(), context()) == Rejection(
        RejectionCode.NOT_FOUND, "no such declaration"
    )
    assert decide(given(created()), ReleaseDeclaration(), CUSTOMS) == Rejection(
        RejectionCode.ILLEGAL_STATE, "only a registered declaration is released, not a draft"
    )


def test_the_assessment_date_is_the_header_s_declaration_date_else_the_day_of_creation() -> None:
    undated = creation(header=replace(FULL.header, declaration_date=None), documents=())
    dated_today = creation(header=replace(FULL.header, declaration_date=NOW.date()), documents=())
    # The compliance findings (the events after the creation) are those of the same assessment date.
    assert decide(given(), undated)[1:] == decide(given(), dated_today)[1:]


def test_each_party_role_is_set_in_its_own_place() -> None:
    draft = given(created())
    for role in PartyRole:
        party = replace(FULL.declarant, name=f"New {role}")  # type: ignore[arg-type]
        after = declaration_decider.fold([PartySet(role, party)], draft)  # type: ignore[arg-type]
        assert after.party(role) == party
        others = [r for r in PartyRole if r is not role]
        assert [after.party(r) for r in others] == [draft.party(r) for r in others]
