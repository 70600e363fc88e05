"""The shipment decider: given these events, when this command, then these events or this rejection."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streams.decider import RejectionCode
from streams.shipment.commands import (
    AttachEquipment,
    BookShipment,
    CancelShipment,
    CreateShipment,
    DeclareCargoItem,
    NoteTransportEvent,
    PlanMilestone,
    PlanRoute,
    RaiseException,
    RecordMilestone,
    ResolveException,
    SetIncoterm,
    SetParties,
)
from streams.shipment.decider import Shipment, shipment_decider
from streams.shipment.details import Equipment, EquipmentKind, ExceptionKind, Party, RouteLeg, TransportMode
from streams.shipment.events import (
    EquipmentAttached,
    ExceptionRaised,
    MilestoneReached,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
)
from streams.shipment.identifiers import shipment_id_for
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from tests.unit.logistics.logistics_scenarios import (
    CONTAINER,
    DAY,
    HOUR,
    NOW,
    OTHER_TENANT,
    REFERENCE,
    TENANT,
    booked,
    consignee,
    container,
    context,
    created,
    drafted,
    edi_context,
    in_transit,
    machine_parts,
    maersk,
    reached,
    sea_leg,
    shipper,
    then_accepted,
    then_rejected,
    when,
)

# --- creating -----------------------------------------------------------------------------------


def test_a_shipment_is_created_as_a_draft_with_its_reference_normalised() -> None:
    events = then_accepted(
        when(
            [],
            CreateShipment(
                reference=" ww-sea-24001 ",
                mode=TransportMode.SEA,
                incoterm=Incoterm.FOB,
                incoterm_place="Hamburg",
                shipper=shipper(country="de"),
            ),
        )
    )
    assert events == [
        ShipmentCreated(
            tenant_id=TENANT,
            reference=REFERENCE,
            mode=TransportMode.SEA,
            created_at=NOW,
            source="api",
            incoterm=Incoterm.FOB,
            incoterm_place="Hamburg",
            shipper=shipper(),
        )
    ]
    assert shipment_decider.fold(events).status is ShipmentStatus.DRAFT


def test_the_reference_is_unique_per_tenant_through_the_aggregate_id() -> None:
    assert shipment_id_for(TENANT, "ww-sea-24001") == shipment_id_for(TENANT, REFERENCE)
    assert shipment_id_for(TENANT, REFERENCE) != shipment_id_for(OTHER_TENANT, REFERENCE)
    then_rejected(
        when(created(), CreateShipment(reference=REFERENCE, mode=TransportMode.SEA)),
        RejectionCode.CONFLICT,
        "already exists",
    )


@pytest.mark.parametrize("mode", [TransportMode.AIR, TransportMode.ROAD, TransportMode.RAIL, TransportMode.MULTIMODAL])
@pytest.mark.parametrize("rule", [Incoterm.FAS, Incoterm.FOB, Incoterm.CFR, Incoterm.CIF])
def test_a_sea_only_incoterm_is_refused_for_other_modes(rule: Incoterm, mode: TransportMode) -> None:
    decision = when([], CreateShipment(reference=REFERENCE, mode=mode, incoterm=rule, incoterm_place="Frankfurt"))
    rejection = then_rejected(decision, RejectionCode.INVALID, str(rule), "sea and inland waterway", str(mode))
    assert rejection.field == "incoterm"


@pytest.mark.parametrize("rule", list(Incoterm))
def test_every_incoterm_is_allowed_at_sea(rule: Incoterm) -> None:
    then_accepted(
        when([], CreateShipment(reference=REFERENCE, mode=TransportMode.SEA, incoterm=rule, incoterm_place="Hamburg"))
    )


def test_an_any_mode_incoterm_is_allowed_by_air() -> None:
    then_accepted(
        when(
            [], CreateShipment(reference=REFERENCE, mode=TransportMode.AIR, incoterm=Incoterm.FCA, incoterm_place="FRA")
        )
    )


def test_an_incoterm_needs_its_named_place_and_must_be_a_2020_rule() -> None:
    then_rejected(
        when([], CreateShipment(reference=REFERENCE, mode=TransportMode.SEA, incoterm=Incoterm.CIF)),
        RejectionCode.INVALID,
        "incoterm_place is required",
    )
    then_rejected(
        when([], CreateShipment(reference=REFERENCE, mode=TransportMode.SEA, incoterm="DAT", incoterm_place="Hamburg")),  # type: ignore[arg-type]
        RejectionCode.INVALID,
        "'DAT' is not one of",
    )


@pytest.mark.parametrize("reference", ["", "WW SEA 1", "-START", "X" * 36])
def test_a_malformed_reference_is_refused(reference: str) -> None:
    then_rejected(when([], CreateShipment(reference=reference, mode=TransportMode.SEA)), RejectionCode.INVALID)


def test_a_party_needs_an_iso_country() -> None:
    rejection = then_rejected(
        when([], CreateShipment(reference=REFERENCE, mode=TransportMode.SEA, consignee=consignee(country="China"))),
        RejectionCode.INVALID,
        "ISO 3166-1 alpha-2",
    )
    assert rejection.field == "consignee.country"


# --- tenancy ------------------------------------------------------------------------------------


def test_another_tenant_is_answered_as_if_the_shipment_did_not_exist() -> None:
    then_rejected(
        when(booked(), CancelShipment(reason="mistake"), context(tenant=OTHER_TENANT)),
        RejectionCode.NOT_FOUND,
        "no such shipment",
    )


def test_a_command_without_a_tenant_is_unauthorized() -> None:
    then_rejected(
        when([], CreateShipment(reference=REFERENCE, mode=TransportMode.SEA), context(tenant=None)),
        RejectionCode.UNAUTHORIZED,
    )


def test_a_command_on_a_shipment_never_created_is_not_found() -> None:
    then_rejected(when([], CancelShipment(reason="x")), RejectionCode.NOT_FOUND)


# --- route --------------------------------------------------------------------------------------


def test_a_route_between_known_places_is_planned_with_codes_normalised() -> None:
    legs = (RouteLeg(origin="de ham", destination="cn-sha", mode=TransportMode.SEA),)
    events = then_accepted(when(created(), PlanRoute(legs=legs)))
    assert events[0].legs == (RouteLeg(origin="DEHAM", destination="CNSHA", mode=TransportMode.SEA),)


def test_a_well_formed_but_unknown_unlocode_is_refused_with_the_reason() -> None:
    rejection = then_rejected(
        when(created(), PlanRoute(legs=(sea_leg(destination="CNZZZ"),))),
        RejectionCode.INVALID,
        "CNZZZ is not a known UN/LOCODE place",
    )
    assert rejection.field == "legs[0].destination"


@pytest.mark.parametrize("code", ["NLRT", "NL1TM", "QQRTM", "12345"])
def test_a_malformed_unlocode_is_refused(code: str) -> None:
    then_rejected(when(created(), PlanRoute(legs=(sea_leg(origin=code),))), RejectionCode.INVALID, "UN/LOCODE")


def test_legs_must_connect_end_to_start() -> None:
    legs = (
        RouteLeg(origin="DEDUS", destination="DEHAM", mode=TransportMode.ROAD),
        RouteLeg(origin="NLRTM", destination="CNSHA", mode=TransportMode.SEA),
    )
    then_rejected(
        when(created(), PlanRoute(legs=legs)), RejectionCode.INVALID, "leg 2 starts at NLRTM but leg 1 ends at DEHAM"
    )


def test_a_sea_shipment_needs_a_sea_leg_and_a_multimodal_one_two_modes() -> None:
    road_only = (RouteLeg(origin="DEDUS", destination="DEHAM", mode=TransportMode.ROAD),)
    then_rejected(when(created(), PlanRoute(legs=road_only)), RejectionCode.INVALID, "needs at least one sea leg")
    multimodal = created(mode=TransportMode.MULTIMODAL, incoterm=None)
    then_rejected(when(multimodal, PlanRoute(legs=road_only)), RejectionCode.INVALID, "at least two modes")
    pre_carriage_and_sea = (road_only[0], sea_leg())
    then_accepted(when(multimodal, PlanRoute(legs=pre_carriage_and_sea)))


# --- equipment ----------------------------------------------------------------------------------


def test_a_container_with_a_valid_check_digit_is_attached() -> None:
    events = then_accepted(when(booked(), AttachEquipment(equipment=container("msku 907032-3"))))
    assert events == [EquipmentAttached(equipment=container(CONTAINER))]


def test_a_container_with_a_wrong_check_digit_is_refused_naming_the_right_one() -> None:
    then_rejected(
        when(booked(), AttachEquipment(equipment=container("MSKU9070324"))),
        RejectionCode.INVALID,
        "MSKU9070324 has check digit 4, ISO 6346 gives 3",
    )


def test_a_vehicle_is_identified_by_its_plate() -> None:
    truck = Equipment(kind=EquipmentKind.VEHICLE, identifier="hh ab 1234")
    events = then_accepted(when(booked(), AttachEquipment(equipment=truck)))
    assert events == [EquipmentAttached(equipment=Equipment(kind=EquipmentKind.VEHICLE, identifier="HH AB 1234"))]


def test_attaching_a_container_again_may_add_details_but_not_contradict_them() -> None:
    attached = [*booked(), EquipmentAttached(equipment=container())]
    assert then_accepted(when(attached, AttachEquipment(equipment=container()))) == []
    bare = Equipment(kind=EquipmentKind.CONTAINER, identifier=CONTAINER)
    assert then_accepted(when(attached, AttachEquipment(equipment=bare))) == []
    sealed = Equipment(kind=EquipmentKind.CONTAINER, identifier=CONTAINER, seal_number="ML-4471203")
    events = then_accepted(when(attached, AttachEquipment(equipment=sealed)))
    assert events == [EquipmentAttached(equipment=Equipment(EquipmentKind.CONTAINER, CONTAINER, "45G1", "ML-4471203"))]
    assert shipment_decider.fold([*attached, *events]).equipment == (events[0].equipment,)
    other_size = Equipment(kind=EquipmentKind.CONTAINER, identifier=CONTAINER, size_type="22G1")
    then_rejected(
        when(attached, AttachEquipment(equipment=other_size)),
        RejectionCode.CONFLICT,
        "another size_type; detach it first",
    )


# --- cargo --------------------------------------------------------------------------------------


def test_net_weight_above_gross_weight_is_refused() -> None:
    item = machine_parts(net_weight_kg=Decimal("1300"))
    rejection = then_rejected(
        when(created(), DeclareCargoItem(item=item)),
        RejectionCode.INVALID,
        "net weight 1300 kg exceeds gross weight 1250.5 kg",
    )
    assert rejection.field == "item.net_weight_kg"


def test_cargo_cannot_change_after_pickup() -> None:
    then_rejected(
        when(in_transit(), DeclareCargoItem(item=machine_parts(package_count=30))),
        RejectionCode.ILLEGAL_STATE,
        "only before pickup",
    )


def test_declaring_an_item_again_replaces_it_and_totals_follow_the_items() -> None:
    events = [*drafted(), *then_accepted(when(drafted(), DeclareCargoItem(item=machine_parts(package_count=30))))]
    state: Shipment = shipment_decider.fold(events)
    assert len(state.cargo) == 1
    assert state.totals.package_count == 30


# --- booking ------------------------------------------------------------------------------------


def test_a_complete_draft_is_booked_with_its_carrier() -> None:
    events = then_accepted(when(drafted(), BookShipment(carrier=maersk(), booking_reference="MAEU240117")))
    assert events == [ShipmentBooked(carrier=maersk(), booking_reference="MAEU240117", booked_at=NOW, source="api")]
    state = shipment_decider.fold([*drafted(), *events])
    assert state.status is ShipmentStatus.BOOKED
    assert state.milestone(Milestone.BOOKED).actual_at == NOW


def test_booking_needs_parties_route_and_cargo() -> None:
    then_rejected(
        when(created(), BookShipment(carrier=maersk(), booking_reference="B1")),
        RejectionCode.ILLEGAL_STATE,
        "a shipper, a consignee, a route, cargo",
    )


def test_the_same_booking_reported_again_changes_nothing() -> None:
    assert then_accepted(when(booked(), BookShipment(carrier=maersk(), booking_reference="MAEU240117"))) == []


def test_a_bad_scac_is_refused() -> None:
    carrier = maersk().__class__(name="Maersk", scac="MAE1")
    then_rejected(when(drafted(), BookShipment(carrier=carrier, booking_reference="B1")), RejectionCode.INVALID, "SCAC")


# --- lifecycle ----------------------------------------------------------------------------------


def test_a_sea_shipment_moves_through_every_status_to_delivered() -> None:
    events = list(booked())
    steps = [
        (Milestone.PICKED_UP, ShipmentStatus.PICKED_UP),
        (Milestone.DEPARTED, ShipmentStatus.IN_TRANSIT),
        (Milestone.ARRIVED, ShipmentStatus.IN_TRANSIT),
        (Milestone.CUSTOMS, ShipmentStatus.AT_CUSTOMS),
        (Milestone.RELEASED, ShipmentStatus.RELEASED),
        (Milestone.DELIVERED, ShipmentStatus.DELIVERED),
    ]
    for hours, (milestone, status) in enumerate(steps, start=1):
        events += then_accepted(
            when(events, RecordMilestone(milestone=milestone, actual_at=NOW - 8 * DAY + hours * DAY))
        )
        assert shipment_decider.fold(events).status is status
    state = shipment_decider.fold(events)
    assert [t.milestone for t in state.milestones] == list(Milestone)
    assert all(t.actual_at is not None for t in state.milestones)


def test_an_illegal_transition_is_refused_naming_from_and_to() -> None:
    rejection = then_rejected(
        when(booked(), RecordMilestone(milestone=Milestone.DEPARTED, actual_at=NOW)),
        RejectionCode.ILLEGAL_STATE,
        "from booked to in_transit",
        "picked_up",
    )
    assert rejection.field is None


def test_delivery_straight_from_transit_when_there_is_no_customs() -> None:
    events = then_accepted(
        when(in_transit(), RecordMilestone(milestone=Milestone.DELIVERED, actual_at=NOW, place="CNSHA"))
    )
    assert events[0].status is ShipmentStatus.DELIVERED


def test_release_without_customs_is_refused() -> None:
    then_rejected(
        when(in_transit(), RecordMilestone(milestone=Milestone.RELEASED, actual_at=NOW)),
        RejectionCode.ILLEGAL_STATE,
        "from in_transit to released",
    )


def test_arrival_is_recorded_without_changing_the_status_and_only_once_under_way() -> None:
    events = then_accepted(
        when(in_transit(), RecordMilestone(milestone=Milestone.ARRIVED, actual_at=NOW, place="CNSHA"))
    )
    assert events == [
        MilestoneReached(
            milestone=Milestone.ARRIVED, actual_at=NOW, status=ShipmentStatus.IN_TRANSIT, source="api", place="CNSHA"
        )
    ]
    then_rejected(
        when(booked(), RecordMilestone(milestone=Milestone.ARRIVED, actual_at=NOW)),
        RejectionCode.ILLEGAL_STATE,
        "not booked",
    )


def test_the_same_report_again_changes_nothing_but_a_different_time_is_refused() -> None:
    departed_at = NOW - 7 * DAY
    assert then_accepted(when(in_transit(), RecordMilestone(milestone=Milestone.DEPARTED, actual_at=departed_at))) == []
    then_rejected(
        when(in_transit(), RecordMilestone(milestone=Milestone.DEPARTED, actual_at=departed_at + HOUR)),
        RejectionCode.ILLEGAL_STATE,
        "departed was already recorded",
    )


def test_a_milestone_before_an_earlier_one_or_in_the_future_is_refused() -> None:
    then_rejected(
        when(in_transit(), RecordMilestone(milestone=Milestone.DELIVERED, actual_at=NOW - 9 * DAY)),
        RejectionCode.INVALID,
        "is before departed",
    )
    then_rejected(
        when(in_transit(), RecordMilestone(milestone=Milestone.DELIVERED, actual_at=NOW + 2 * HOUR)),
        RejectionCode.INVALID,
        "in the future",
    )


def test_a_naive_time_is_refused() -> None:
    then_rejected(
        when(booked(), RecordMilestone(milestone=Milestone.PICKED_UP, actual_at=NOW.replace(tzinfo=None))),
        RejectionCode.INVALID,
        "time zone",
    )


def test_booked_is_not_recorded_as_a_bare_milestone() -> None:
    then_rejected(
        when(drafted(), RecordMilestone(milestone=Milestone.BOOKED, actual_at=NOW)), RejectionCode.INVALID, "carrier"
    )


@pytest.mark.parametrize("given", [created, booked])
def test_a_draft_or_booked_shipment_can_be_cancelled(given) -> None:  # type: ignore[no-untyped-def]
    events = then_accepted(when(given(), CancelShipment(reason="customer withdrew the order")))
    assert events == [ShipmentCancelled(reason="customer withdrew the order", cancelled_at=NOW, source="api")]
    assert shipment_decider.fold([*given(), *events]).status is ShipmentStatus.CANCELLED


def test_a_shipment_in_transit_cannot_be_cancelled() -> None:
    then_rejected(
        when(in_transit(), CancelShipment(reason="too late")),
        RejectionCode.ILLEGAL_STATE,
        "from in_transit to cancelled",
    )


def test_plans_are_kept_per_milestone_and_refused_once_it_happened() -> None:
    eta = NOW + 20 * DAY
    events = then_accepted(when(in_transit(), PlanMilestone(milestone=Milestone.ARRIVED, planned_at=eta)))
    state = shipment_decider.fold([*in_transit(), *events])
    assert state.milestone(Milestone.ARRIVED).planned_at == eta
    then_rejected(
        when(in_transit(), PlanMilestone(milestone=Milestone.DEPARTED, planned_at=eta)),
        RejectionCode.ILLEGAL_STATE,
        "already happened",
    )


# --- exceptions ---------------------------------------------------------------------------------


def hold(exception_id: str = "H1") -> RaiseException:
    return RaiseException(exception_id=exception_id, kind=ExceptionKind.HOLD, reason="customs inspection ordered")


def test_a_hold_blocks_progress_until_resolved() -> None:
    at_customs = [
        *in_transit(),
        reached(Milestone.CUSTOMS, NOW - 2 * DAY, ShipmentStatus.AT_CUSTOMS, "CNSHA"),
    ]
    held = [*at_customs, *then_accepted(when(at_customs, hold()))]
    then_rejected(
        when(held, RecordMilestone(milestone=Milestone.RELEASED, actual_at=NOW)),
        RejectionCode.ILLEGAL_STATE,
        "on hold (H1: customs inspection ordered)",
    )
    resolved = [*held, *then_accepted(when(held, ResolveException(exception_id="H1", resolution="inspection passed")))]
    released = then_accepted(when(resolved, RecordMilestone(milestone=Milestone.RELEASED, actual_at=NOW)))
    assert released[0].status is ShipmentStatus.RELEASED


def test_a_hold_does_not_stop_a_reported_arrival() -> None:
    held = [*in_transit(), *then_accepted(when(in_transit(), hold()))]
    then_accepted(when(held, RecordMilestone(milestone=Milestone.ARRIVED, actual_at=NOW)))


def test_a_hold_blocks_booking() -> None:
    held = [*drafted(), *then_accepted(when(drafted(), hold()))]
    then_rejected(
        when(held, BookShipment(carrier=maersk(), booking_reference="B1")), RejectionCode.ILLEGAL_STATE, "on hold"
    )


def test_damage_may_be_raised_after_delivery_but_not_a_delay() -> None:
    delivered = [*in_transit(), reached(Milestone.DELIVERED, NOW - DAY, ShipmentStatus.DELIVERED)]
    raised = then_accepted(
        when(delivered, RaiseException(exception_id="D1", kind=ExceptionKind.DAMAGE, reason="two cartons crushed"))
    )
    assert raised == [
        ExceptionRaised(
            exception_id="D1", kind=ExceptionKind.DAMAGE, reason="two cartons crushed", raised_at=NOW, source="api"
        )
    ]
    then_rejected(
        when(delivered, RaiseException(exception_id="L1", kind=ExceptionKind.DELAY, reason="late")),
        RejectionCode.ILLEGAL_STATE,
        "delay cannot be raised on a delivered shipment",
    )


def test_resolving_needs_a_raised_exception_and_a_reason() -> None:
    then_rejected(
        when(booked(), ResolveException(exception_id="X9", resolution="ok")), RejectionCode.INVALID, "no exception 'X9'"
    )
    held = [*booked(), *then_accepted(when(booked(), hold()))]
    then_rejected(
        when(held, ResolveException(exception_id="H1", resolution=" ")), RejectionCode.INVALID, "resolution is required"
    )
    then_rejected(
        when(held, ResolveException(exception_id="H1", resolution="ok", resolved_at=NOW - 30 * DAY)),
        RejectionCode.INVALID,
        "before it was raised",
    )


def test_an_exception_id_raised_again_with_other_details_conflicts() -> None:
    held = [*booked(), *then_accepted(when(booked(), hold()))]
    assert then_accepted(when(held, hold())) == []
    other = RaiseException(exception_id="H1", kind=ExceptionKind.DELAY, reason="vessel late")
    then_rejected(when(held, other), RejectionCode.CONFLICT, "other details")


# --- sources ------------------------------------------------------------------------------------


def test_events_reported_by_edi_name_the_partner_as_their_source() -> None:
    events = then_accepted(
        when(
            booked(), RecordMilestone(milestone=Milestone.PICKED_UP, actual_at=NOW, place="DEHAM"), edi_context("MAEU")
        )
    )
    assert events[0].source == "edi:MAEU"
    noted = then_accepted(
        when(in_transit(), NoteTransportEvent(description="Transhipped", occurred_at=NOW, place="SGSIN"), edi_context())
    )
    assert noted[0].source == "edi:MAEU"


def test_parties_and_incoterm_change_only_before_pickup() -> None:
    then_accepted(when(booked(), SetParties(shipper=shipper(), consignee=consignee(), notify=consignee())))
    then_rejected(when(in_transit(), SetParties(shipper=shipper())), RejectionCode.ILLEGAL_STATE, "before pickup")
    then_rejected(when(booked(), SetIncoterm(incoterm=Incoterm.DDP, incoterm_place="")), RejectionCode.INVALID)
    assert then_accepted(when(drafted(), SetParties(shipper=shipper(), consignee=consignee()))) == []


def test_parties_are_checked_like_on_creation() -> None:
    nameless = Party(name=" ", address="x", country="DE")
    then_rejected(when(created(), SetParties(shipper=nameless)), RejectionCode.INVALID, "shipper.name is required")
