"""Editing a declaration and the refusals a declarant sees: each edit's exact event, each refusal's code, reason
and field, the limits at their boundary, and the operator's compliance rules actually applied."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from streams.customs.commands import (
    AddGoodsItem,
    AddGoodsItems,
    ApplyCorrection,
    AttachDocument,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RemoveDocument,
    RemoveGoodsItem,
    RemoveParty,
    RequestCorrection,
    SetCustomsRepresentative,
    SetParty,
    SubmitDeclaration,
    UpdateGoodsItem,
    UpdateHeader,
    UpdateTransport,
    ValidateDeclaration,
)
from streams.customs.compliance import ComplianceRules
from streams.customs.decider import make_declaration_decider
from streams.customs.declaration import Declaration, FieldError, PartyRole, SupportingDocument
from streams.customs.events import (
    CorrectionApplied,
    CorrectionRequested,
    CustomsRepresentativeSet,
    DeclarationEvent,
    DeclarationRegistered,
    DeclarationRejected,
    DeclarationReleased,
    DeclarationReturnedToDraft,
    DeclarationSubmitted,
    DeclarationValidated,
    DeclarationValidationFailed,
    DocumentAttached,
    DocumentRemoved,
    DutyPaid,
    GoodsItemAdded,
    GoodsItemRemoved,
    GoodsItemUpdated,
    HeaderUpdated,
    PartyRemoved,
    PartySet,
    TransportUpdated,
)
from streams.customs.examples import BROKER, EXAMPLE_DATE, SUPPLIER, TRUCK, example_item
from streams.customs.validation import MAX_ITEMS, validate_declaration
from streams.decider import Rejection, RejectionCode
from tests.unit.customs.test_customs_declaration_decider import (
    CUSTOMS,
    NOW,
    context,
    created,
    decide,
    given,
    registered_events,
)

LATER = datetime(2025, 3, 17, 15, 45, tzinfo=UTC)
OTHER_SUPPLIER = replace(SUPPLIER, name="Guangzhou Lamps Co., Ltd.")
OTHER_BROKER = replace(BROKER, registry_number="9876/00")
OTHER_TRUCK = replace(TRUCK, vehicle_ids=("B777OP125",))
NEW_DOCUMENT = SupportingDocument("doc-origin", "06011", "CT-1 123", date(2025, 3, 1))
SUBMITTED = (created(), DeclarationValidated(NOW), DeclarationSubmitted(NOW, EXAMPLE_DATE))


def refusal(code: RejectionCode, reason: str, field: str | None = None) -> Rejection:
    return Rejection(code, reason, field)


@pytest.mark.parametrize(
    ("command", "event"),
    [
        (UpdateHeader(replace(created().header, reference="VT-IMP-2025-032")), None),
        (SetParty(PartyRole.CONSIGNOR, OTHER_SUPPLIER), PartySet(PartyRole.CONSIGNOR, OTHER_SUPPLIER)),
        (RemoveParty(PartyRole.CONSIGNEE), PartyRemoved(PartyRole.CONSIGNEE)),
        (SetCustomsRepresentative(OTHER_BROKER), CustomsRepresentativeSet(OTHER_BROKER)),
        (SetCustomsRepresentative(None), CustomsRepresentativeSet(None)),
        (UpdateTransport(OTHER_TRUCK), TransportUpdated(OTHER_TRUCK)),
        (AddGoodsItem(example_item(4)), GoodsItemAdded(example_item(4))),
        (UpdateGoodsItem(replace(example_item(1), description="T-shirts")), None),
        (RemoveGoodsItem("item-2"), GoodsItemRemoved("item-2")),
        (AttachDocument(NEW_DOCUMENT), DocumentAttached(NEW_DOCUMENT)),
        (RemoveDocument("doc-contract"), DocumentRemoved("doc-contract")),
    ],
)
def test_each_edit_of_a_validated_declaration_records_itself_and_returns_it_to_draft(
    command: Any, event: DeclarationEvent | None
) -> None:
    expected = event or {
        UpdateHeader: lambda c: HeaderUpdated(c.header),
        UpdateGoodsItem: lambda c: GoodsItemUpdated(c.item),
    }[type(command)](command)
    events = decide(given(created(), DeclarationValidated(NOW)), command)
    assert events[:2] == [expected, DeclarationReturnedToDraft("edited after validation")]


@pytest.mark.parametrize(
    "command",
    [
        SetCustomsRepresentative(BROKER),
        UpdateTransport(TRUCK),
        UpdateGoodsItem(example_item(0)),
        AttachDocument(created().documents[0]),
        RemoveParty(PartyRole.FINANCIALLY_RESPONSIBLE),  # there is none to remove
    ],
)
def test_an_edit_that_changes_nothing_emits_nothing_and_keeps_the_validation(command: Any) -> None:
    assert decide(given(created(), DeclarationValidated(NOW)), command) == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            RemoveParty(PartyRole.DECLARANT),
            refusal(RejectionCode.INVALID, "a declaration always has a declarant; replace it", "role"),
        ),
        (AddGoodsItem(example_item(0)), refusal(RejectionCode.CONFLICT, "goods item item-1 already exists", "item_id")),
        (
            UpdateGoodsItem(replace(example_item(0), item_id="item-9")),
            refusal(RejectionCode.NOT_FOUND, "no goods item item-9", "item_id"),
        ),
        (RemoveGoodsItem("item-9"), refusal(RejectionCode.NOT_FOUND, "no goods item item-9", "item_id")),
        (RemoveDocument("doc-9"), refusal(RejectionCode.NOT_FOUND, "no document doc-9", "document_id")),
    ],
)
def test_edit_refusals_name_the_field_and_the_reason(command: Any, expected: Rejection) -> None:
    assert decide(given(created()), command) == expected


def test_several_goods_items_land_together_or_not_at_all() -> None:
    new = (example_item(4), replace(example_item(4), item_id="item-6"))
    assert decide(given(created()), AddGoodsItems(new))[:2] == [GoodsItemAdded(new[0]), GoodsItemAdded(new[1])]
    # One line already on the declaration refuses the whole batch: nothing of it is added.
    assert decide(given(created()), AddGoodsItems((*new, example_item(0)))) == refusal(
        RejectionCode.CONFLICT, "goods item item-1 already exists", "items"
    )
    assert decide(given(created()), AddGoodsItems((new[0], new[0]))) == refusal(
        RejectionCode.INVALID, "goods item ids must be unique", "items"
    )
    assert decide(given(created()), AddGoodsItems(())) == refusal(
        RejectionCode.INVALID, "no goods items to add", "items"
    )
    room = MAX_ITEMS - len(created().items)
    too_many = tuple(replace(example_item(0), item_id=f"line-{i}") for i in range(room + 1))
    assert decide(given(created()), AddGoodsItems(too_many)) == refusal(
        RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items"
    )
    assert len(decide(given(created()), AddGoodsItems(too_many[:room]))) >= room


def test_goods_items_stop_at_the_three_digit_item_number() -> None:
    almost_full = given(replace(created(), items=tuple(example_item(i) for i in range(MAX_ITEMS - 1))))
    last = example_item(MAX_ITEMS - 1)
    assert decide(almost_full, AddGoodsItem(last))[0] == GoodsItemAdded(last)
    full = given(replace(created(), items=(*almost_full.items, last)))
    assert decide(full, AddGoodsItem(example_item(MAX_ITEMS))) == refusal(
        RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items"
    )


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        (registered_events(), "the declaration is registered: only a correction can change it"),
        (SUBMITTED, "the declaration is submitted: it can no longer change"),
        ((*registered_events(), DeclarationReleased(NOW)), "the declaration is released: it can no longer change"),
    ],
)
def test_edits_after_submission_are_refused_saying_what_can_still_change(
    events: tuple[DeclarationEvent, ...], reason: str
) -> None:
    assert decide(given(*events), RemoveGoodsItem("item-1")) == refusal(RejectionCode.ILLEGAL_STATE, reason)


def test_validation_is_stamped_with_the_time_of_the_command() -> None:
    assert decide(given(created()), ValidateDeclaration(), context(at=LATER))[0] == DeclarationValidated(LATER)
    bad = given(created(), GoodsItemUpdated(replace(example_item(0), origin_country="china")))
    failed = decide(bad, ValidateDeclaration(), context(at=LATER))[0]
    assert failed == DeclarationValidationFailed(failed.errors, LATER) and failed.errors
    assert decide(given(*SUBMITTED), ValidateDeclaration()) == refusal(
        RejectionCode.ILLEGAL_STATE, "the declaration is submitted"
    )


def test_submit_refusals_say_why() -> None:
    assert decide(given(created()), SubmitDeclaration()) == refusal(
        RejectionCode.ILLEGAL_STATE, "only a validated declaration can be submitted, not a draft"
    )
    no_papers = given(
        created(), DocumentRemoved("doc-invoice"), DocumentRemoved("doc-contract"), DeclarationValidated(NOW)
    )
    assert decide(no_papers, SubmitDeclaration()) == refusal(
        RejectionCode.ILLEGAL_STATE,
        "documents missing: commercial invoice (04021) missing; foreign trade contract (03011) missing",
        "documents",
    )


def test_submit_refuses_a_declaration_that_no_longer_validates_naming_the_first_error() -> None:
    # Validated, then (as an old event stream may hold) its items went invalid: two errors, the first is named.
    broken = replace(example_item(0), commodity_code="8471", origin_country="china")
    state = given(created(), GoodsItemUpdated(broken), DeclarationValidated(NOW))
    errors = validate_declaration(state, EXAMPLE_DATE)
    assert len(errors) >= 2
    assert decide(state, SubmitDeclaration()) == refusal(RejectionCode.INVALID, errors[0].message, errors[0].path)


# An operator who requires no documents beyond box 44's invoice: the decider must apply these rules, not the
# defaults (which ask for a conformity certificate for machinery).
NO_DOCUMENTS = make_declaration_decider(ComplianceRules(requirements=()))


def decide_without_document_rules(state: Declaration, command: Any) -> Any:
    return NO_DOCUMENTS.decide(state, command, context())


def test_the_operators_rules_decide_which_documents_validation_and_submission_need() -> None:
    no_certificate = given(created(), DocumentRemoved("doc-conformity"))
    assert decide_without_document_rules(no_certificate, ValidateDeclaration())[0] == DeclarationValidated(NOW)
    validated = given(created(), DocumentRemoved("doc-conformity"), DeclarationValidated(NOW))
    assert decide_without_document_rules(validated, SubmitDeclaration()) == [DeclarationSubmitted(NOW, EXAMPLE_DATE)]
    # positive control: under the default rules the same declaration is refused
    assert isinstance(decide(validated, SubmitDeclaration()), Rejection)


def test_a_correction_is_checked_against_the_operators_rules() -> None:
    state = given(
        created(),
        DocumentRemoved("doc-conformity"),
        DeclarationValidated(NOW),
        DeclarationSubmitted(NOW, EXAMPLE_DATE),
        *registered_events()[3:],
        CorrectionRequested("kdt-1", "weight", NOW),
    )
    item = replace(state.items[0], net_weight_kg=state.items[0].net_weight_kg - 1)
    command = ApplyCorrection("kdt-1", "weight per packing list", items=(item,))
    assert decide_without_document_rules(state, command)[0] == CorrectionApplied(
        "kdt-1", "weight per packing list", NOW, (item,), ()
    )
    refused = decide(state, command)
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.INVALID and "01191" in refused.reason


def test_only_the_customs_authority_registers_releases_or_rejects() -> None:
    forbidden = refusal(RejectionCode.FORBIDDEN, "only the customs authority registers, releases or rejects")
    state = given(*SUBMITTED)
    assert decide(state, RegisterDeclaration("10702070/170325/0001234", date(2025, 3, 17))) == forbidden
    assert decide(state, RejectDeclaration("doubtful")) == forbidden
    assert decide(given(*registered_events()), ReleaseDeclaration()) == forbidden


def test_registration_refusals_name_the_number() -> None:
    state = given(*SUBMITTED)
    assert decide(state, RegisterDeclaration("10702070/170325/123", date(2025, 3, 17)), CUSTOMS) == refusal(
        RejectionCode.INVALID, "registration number must be NNNNNNNN/DDMMYY/NNNNNNN", "registration_number"
    )
    assert decide(state, RegisterDeclaration("10702070/180325/0001234", date(2025, 3, 17)), CUSTOMS) == refusal(
        RejectionCode.INVALID, "the number's date part must be the registration date", "registration_number"
    )
    validated = given(created(), DeclarationValidated(NOW))
    assert decide(validated, RegisterDeclaration("10702070/170325/0001234", date(2025, 3, 17)), CUSTOMS) == refusal(
        RejectionCode.ILLEGAL_STATE, "only a submitted declaration can be registered, not a validated"
    )
    assert decide(validated, RejectDeclaration("doubtful"), CUSTOMS) == refusal(
        RejectionCode.ILLEGAL_STATE, "a validated declaration cannot be refused"
    )


def test_a_reason_may_be_up_to_a_thousand_characters() -> None:
    state = given(*registered_events())
    longest = "x" * 1000
    assert decide(state, RejectDeclaration(longest), CUSTOMS) == [DeclarationRejected(longest, NOW)]
    too_long = refusal(RejectionCode.INVALID, "a reason of 1 to 1000 characters is required", "reason")
    assert decide(state, RejectDeclaration(longest + "x"), CUSTOMS) == too_long
    assert decide(state, RequestCorrection("kdt-1", "   ")) == too_long


def test_an_unknown_command_is_a_programming_error_named_as_such() -> None:
    with pytest.raises(TypeError, match="not an edit command: 'submit'"):
        decide(given(created()), "submit")  # type: ignore[arg-type]


def test_a_rejection_releases_the_unpaid_duty_attempt_or_refunds_the_paid_duty() -> None:
    owed = DeclarationRegistered("10702070/170325/0001234", date(2025, 3, 17), NOW, Decimal("5000.00"))
    unpaid = given(*SUBMITTED, owed)
    assert decide(unpaid, RejectDeclaration("value doubtful"), CUSTOMS) == [
        DeclarationRejected("value doubtful", NOW, 1)
    ]
    paid = given(*SUBMITTED, owed, DutyPaid("transfer-7", NOW))
    assert decide(paid, RejectDeclaration("value doubtful"), CUSTOMS) == [
        DeclarationRejected("value doubtful", NOW, 0, "transfer-7")
    ]


def test_the_declaration_keeps_what_each_event_says() -> None:
    new_header = replace(created().header, reference="VT-IMP-2025-099", declaration_date=None)
    changed_item = replace(example_item(0), description="Laptop, 14 inch")
    state = given(
        replace(created(), shipment_id="shp-1"),
        HeaderUpdated(new_header),
        CustomsRepresentativeSet(OTHER_BROKER),
        TransportUpdated(OTHER_TRUCK),
        GoodsItemAdded(example_item(4)),
        GoodsItemUpdated(changed_item),
        GoodsItemRemoved("item-2"),
    )
    assert (state.shipment_id, state.created_at, state.header) == ("shp-1", NOW, new_header)
    assert (state.customs_representative, state.transport) == (OTHER_BROKER, OTHER_TRUCK)
    assert state.items == (changed_item, example_item(4))
    errors = (FieldError("items[1].origin_country", "not a country"),)
    failed = given(created(), DeclarationValidated(NOW), DeclarationValidationFailed(errors, LATER))
    assert (failed.status.value, failed.validation_errors) == ("draft", errors)
    validated = given(created(), DeclarationValidated(NOW))
    assert (validated.status.value, validated.validation_errors) == ("validated", ())
    submitted = given(created(), DeclarationValidated(NOW), DeclarationSubmitted(LATER, date(2025, 3, 18)))
    assert (submitted.status.value, submitted.submitted_at) == ("submitted", LATER)
    assert submitted.header.declaration_date == date(2025, 3, 18)
