"""The shipment's refusals and limits, exactly: each with its code, its literal reason and the field at fault.

The API answers a refusal with its reason and names the field (a 422 pointing at it), so a refusal that
names another field, or none, is a bug the client sees. Limits are pinned at both sides of the boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.shipment.cargo import CargoItem
from streams.shipment.commands import (
    AttachEquipment,
    BookShipment,
    CreateShipment,
    DeclareCargoItem,
    PlanMilestone,
    PlanRoute,
    RecordTransportDocument,
    SetIncoterm,
    ShipmentCommand,
)
from streams.shipment.decider import Shipment, shipment_decider
from streams.shipment.details import (
    Equipment,
    EquipmentKind,
    ExceptionKind,
    TransportDocument,
    TransportDocumentKind,
    TransportMode,
)
from streams.shipment.events import (
    CargoItemDeclared,
    EquipmentAttached,
    ExceptionRaised,
    IncotermSet,
    MilestonePlanned,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentEvent,
    TransportDocumentRecorded,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from tests.unit.logistics.logistics_scenarios import (
    CONTAINER,
    DAY,
    NOW,
    REFERENCE,
    SECOND_CONTAINER,
    TENANT,
    booked,
    consignee,
    container,
    created,
    drafted,
    edi_context,
    in_transit,
    machine_parts,
    maersk,
    paint,
    sea_leg,
    shipper,
    when,
)

CANCELLED = ShipmentCancelled(reason="customer withdrew", cancelled_at=NOW - DAY, source="api")
NAIVE = datetime(2026, 3, 1, 12, 0)  # no time zone: partners' local times must say which zone


def hold(exception_id: str, reason: str) -> ExceptionRaised:
    return ExceptionRaised(exception_id, ExceptionKind.HOLD, reason, NOW - 2 * DAY, "api")


def illegal(reason: str, field: str | None = None) -> Rejection:
    return Rejection(RejectionCode.ILLEGAL_STATE, reason, field)


def invalid(reason: str, field: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


def parts(**changes: Any) -> CargoItem:
    """The machine parts as the decider keeps them (HS code without its dot)."""
    return machine_parts(hs_code="842290", **changes)


def vehicle(number: int) -> Equipment:
    return Equipment(kind=EquipmentKind.VEHICLE, identifier=f"HH-{number}")


def carrying_vehicles(count: int) -> list[ShipmentEvent]:
    return [*booked(), *(EquipmentAttached(vehicle(n)) for n in range(1, count + 1))]


def with_cargo_items(count: int) -> list[ShipmentEvent]:
    """A draft whose items are "1" (machine parts, already in drafted()) up to `count`."""
    return [*drafted(), *(CargoItemDeclared(machine_parts(item_id=str(n))) for n in range(2, count + 1))]


@pytest.mark.parametrize(
    ("events", "command", "refusal"),
    [
        (
            created(),
            CreateShipment(REFERENCE, TransportMode.SEA),
            Rejection(RejectionCode.CONFLICT, "shipment WW-SEA-24001 already exists", "reference"),
        ),
        (
            [],
            CreateShipment("#24001", TransportMode.SEA),
            invalid(
                "reference must be 1 to 35 letters, digits or . / _ - (starting with a letter or digit)", "reference"
            ),
        ),
        (
            [],
            CreateShipment(REFERENCE, "boat"),  # type: ignore[arg-type]
            invalid("'boat' is not one of: sea, inland_waterway, air, road, rail, multimodal", "mode"),
        ),
        (  # a named place without its rule: the rule is what is missing
            [],
            CreateShipment(REFERENCE, TransportMode.SEA, incoterm_place="Hamburg"),
            invalid("'' is not one of: EXW, FCA, CPT, CIP, DAP, DPU, DDP, FAS, FOB, CFR, CIF", "incoterm"),
        ),
    ],
)
def test_creating_a_shipment_is_refused_naming_the_field_at_fault(
    events: Sequence[ShipmentEvent], command: ShipmentCommand, refusal: Rejection
) -> None:
    assert when(events, command) == refusal


def test_a_shipment_created_without_terms_or_parties_records_none_of_them() -> None:
    assert when([], CreateShipment(f" {REFERENCE.lower()} ", TransportMode.SEA)) == [
        ShipmentCreated(
            tenant_id=TENANT,
            reference=REFERENCE,
            mode=TransportMode.SEA,
            created_at=NOW,
            source="api",
            incoterm=None,
            incoterm_place=None,
            shipper=None,
            consignee=None,
            notify=None,
        )
    ]


def test_a_shipment_is_created_with_all_three_parties_and_its_state_keeps_them() -> None:
    notify = consignee(name="Pudong Customs Brokers Ltd.")
    command = CreateShipment(
        REFERENCE, TransportMode.SEA, Incoterm.FOB, "Hamburg", shipper=shipper(), consignee=consignee(), notify=notify
    )
    event = ShipmentCreated(
        tenant_id=TENANT,
        reference=REFERENCE,
        mode=TransportMode.SEA,
        created_at=NOW,
        source="edi:hanse",
        incoterm=Incoterm.FOB,
        incoterm_place="Hamburg",
        shipper=shipper(),
        consignee=consignee(),
        notify=notify,
    )
    assert when([], command, edi_context("hanse")) == [event]
    assert shipment_decider.fold([event]) == Shipment(
        status=ShipmentStatus.DRAFT,
        tenant_id=TENANT,
        reference=REFERENCE,
        mode=TransportMode.SEA,
        incoterm=Incoterm.FOB,
        incoterm_place="Hamburg",
        shipper=shipper(),
        consignee=consignee(),
        notify=notify,
    )


def test_the_named_place_of_an_incoterm_is_at_most_70_characters() -> None:
    assert when(booked(), SetIncoterm(Incoterm.FCA, "P" * 70)) == [IncotermSet(Incoterm.FCA, "P" * 70)]
    assert when(booked(), SetIncoterm(Incoterm.FCA, "P" * 71)) == invalid(
        "incoterm_place must be at most 70 characters", "incoterm_place"
    )


def test_a_route_is_planned_only_when_it_changes_and_never_on_a_finished_shipment() -> None:
    assert when(drafted(), PlanRoute((sea_leg(),))) == []  # as it is
    assert when([*booked(), CANCELLED], PlanRoute((sea_leg(conveyance="MAERSK KIEL 413E"),))) == illegal(
        "the route cannot change: the shipment is cancelled"
    )


@pytest.mark.parametrize(
    ("events", "command", "refusal"),
    [
        (
            drafted(),
            BookShipment(maersk(), " "),
            invalid("booking_reference is required", "booking_reference"),
        ),
        (
            drafted(),
            BookShipment(maersk(), "B" * 36),
            invalid("booking_reference must be at most 35 characters", "booking_reference"),
        ),
        (
            drafted(),
            BookShipment(maersk(), "MAEU240117", booked_at=NAIVE),
            invalid("booked_at must carry a time zone", "booked_at"),
        ),
        (  # another booking once the goods have moved
            in_transit(),
            BookShipment(maersk(), "MAEU240999"),
            illegal(
                "a shipment cannot go from in_transit to booked (from in_transit it can go to: at_customs, delivered)"
            ),
        ),
        (
            [*drafted(), hold("H1", "customs inspection"), hold("H2", "unpaid freight")],
            BookShipment(maersk(), "MAEU240117"),
            illegal("the shipment is on hold (H1: customs inspection; H2: unpaid freight); resolve the hold first"),
        ),
    ],
)
def test_booking_is_refused_naming_the_field_at_fault(
    events: Sequence[ShipmentEvent], command: ShipmentCommand, refusal: Rejection
) -> None:
    assert when(events, command) == refusal


def test_the_longest_booking_reference_is_35_characters() -> None:
    assert when(drafted(), BookShipment(maersk(), "B" * 35, NOW - DAY)) == [
        ShipmentBooked(carrier=maersk(), booking_reference="B" * 35, booked_at=NOW - DAY, source="api")
    ]


def test_equipment_reported_again_may_not_contradict_what_is_known() -> None:
    sealed = [*booked(), EquipmentAttached(Equipment(EquipmentKind.CONTAINER, CONTAINER, "45G1", "SEAL-1"))]
    assert when(sealed, AttachEquipment(Equipment(EquipmentKind.CONTAINER, CONTAINER, "22G1", "SEAL-2"))) == Rejection(
        RejectionCode.CONFLICT,
        "MSKU9070323 is attached with another size_type, seal_number; detach it first",
        "equipment.identifier",
    )


def test_equipment_reported_again_may_add_its_size_type() -> None:
    bare = [*booked(), EquipmentAttached(Equipment(EquipmentKind.CONTAINER, CONTAINER))]
    assert when(bare, AttachEquipment(container())) == [
        EquipmentAttached(Equipment(EquipmentKind.CONTAINER, CONTAINER, "45G1", None))
    ]


def test_equipment_is_not_attached_to_a_finished_shipment() -> None:
    assert when([*booked(), CANCELLED], AttachEquipment(container())) == illegal(
        "equipment cannot change: the shipment is cancelled"
    )


def test_a_shipment_carries_at_most_500_pieces_of_equipment() -> None:
    assert when(carrying_vehicles(499), AttachEquipment(container(SECOND_CONTAINER))) == [
        EquipmentAttached(container(SECOND_CONTAINER))
    ]
    assert when(carrying_vehicles(500), AttachEquipment(container(SECOND_CONTAINER))) == invalid(
        "a shipment carries at most 500 pieces of equipment", "equipment"
    )
    # equipment already attached is still reported on a full shipment
    sealed = Equipment(EquipmentKind.VEHICLE, "HH-1", seal_number="SEAL-7")
    assert when(carrying_vehicles(500), AttachEquipment(sealed)) == [EquipmentAttached(sealed)]


def test_a_cargo_item_declared_again_unchanged_changes_nothing_even_after_pickup() -> None:
    declared = [*drafted(), CargoItemDeclared(parts())]
    assert when(declared, DeclareCargoItem(parts())) == []
    assert when([*declared, CargoItemDeclared(paint())], DeclareCargoItem(parts())) == []
    assert when([*in_transit(), CargoItemDeclared(parts())], DeclareCargoItem(parts())) == []


def test_a_changed_cargo_item_is_refused_after_pickup() -> None:
    assert when(in_transit(), DeclareCargoItem(machine_parts(package_count=25))) == illegal(
        "cargo can change only before pickup; the shipment is in_transit"
    )


def test_a_shipment_has_at_most_999_cargo_items() -> None:
    assert when(with_cargo_items(998), DeclareCargoItem(paint(item_id="999"))) == [
        CargoItemDeclared(paint(item_id="999"))
    ]
    assert when(with_cargo_items(999), DeclareCargoItem(paint(item_id="1000"))) == invalid(
        "a shipment has at most 999 cargo items", "item"
    )
    # an item already declared may still change on a full shipment
    changed = parts(package_count=25)
    assert when(with_cargo_items(999), DeclareCargoItem(changed)) == [CargoItemDeclared(changed)]


@pytest.mark.parametrize(
    ("events", "command", "refusal"),
    [
        (
            booked(),
            PlanMilestone("launch", NOW + DAY),  # type: ignore[arg-type]
            invalid(
                "'launch' is not one of: booked, picked_up, departed, arrived, customs, released, delivered",
                "milestone",
            ),
        ),
        (
            booked(),
            PlanMilestone(Milestone.PICKED_UP, NAIVE),
            invalid("planned_at must carry a time zone", "planned_at"),
        ),
        (
            [*booked(), CANCELLED],
            PlanMilestone(Milestone.PICKED_UP, NOW + DAY),
            illegal("plans cannot change: the shipment is cancelled"),
        ),
    ],
)
def test_planning_a_milestone_is_refused_naming_the_field_at_fault(
    events: Sequence[ShipmentEvent], command: ShipmentCommand, refusal: Rejection
) -> None:
    assert when(events, command) == refusal


def test_a_planned_milestone_records_who_planned_it() -> None:
    assert when(booked(), PlanMilestone(Milestone.PICKED_UP, NOW + DAY), edi_context("MAEU")) == [
        MilestonePlanned(milestone=Milestone.PICKED_UP, planned_at=NOW + DAY, source="edi:MAEU")
    ]


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        (
            TransportDocument("invoice", "INV-1"),  # type: ignore[arg-type]
            invalid("'invoice' is not one of: bill_of_lading, house_waybill, master_waybill", "document.kind"),
        ),
        (
            TransportDocument(TransportDocumentKind.BILL_OF_LADING, " "),
            invalid("document.number is required", "document.number"),
        ),
        (
            TransportDocument(TransportDocumentKind.BILL_OF_LADING, "N" * 36),
            invalid("document.number must be at most 35 characters", "document.number"),
        ),
    ],
)
def test_a_transport_document_is_refused_naming_the_field_at_fault(
    document: TransportDocument, refusal: Rejection
) -> None:
    assert when(booked(), RecordTransportDocument(document)) == refusal


def test_a_transport_document_number_is_at_most_35_characters_and_records_who_reported_it() -> None:
    document = TransportDocument(TransportDocumentKind.BILL_OF_LADING, "N" * 35)
    assert when(booked(), RecordTransportDocument(document), edi_context("MAEU")) == [
        TransportDocumentRecorded(document, "edi:MAEU")
    ]


def test_a_command_on_a_shipment_never_created_is_not_found() -> None:
    assert when([], BookShipment(maersk(), "MAEU240117")) == Rejection(RejectionCode.NOT_FOUND, "no such shipment")
