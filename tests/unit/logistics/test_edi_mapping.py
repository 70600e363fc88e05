"""EDI to shipment commands: IFTMIN bookings and IFTSTA status reports, end to end through the decider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from streams.decider import CommandContext, Rejection, RejectionCode
from streams.edi.errors import EdifactSyntaxError, MissingReference, PartnerMismatch, UnsupportedMessage
from streams.edi.interchange import parse_interchange
from streams.edi.mapping import map_message, translate_interchange
from streams.edi.partners import TradingPartner
from streams.edi.requests import ShipmentCommandRequest
from streams.shipment.cargo import DangerousGoods
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
)
from streams.shipment.decider import Shipment, shipment_decider
from streams.shipment.details import Carrier, Equipment, EquipmentKind, ExceptionKind, Party, TransportMode
from streams.shipment.events import ShipmentEvent
from streams.shipment.identifiers import shipment_id_for
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from streams.shipment.timeline import TimelineKind, timeline
from tests.unit.logistics.logistics_scenarios import (
    CONTAINER,
    SECOND_CONTAINER,
    TENANT,
    fixture,
    hanse_partner,
    maersk_partner,
    rheinland_partner,
    then_rejected,
)

SEA_STATUS_REPORTS = (
    "iftsta_d96a_picked_up.edi",
    "iftsta_d96a_departed.edi",
    "iftsta_d96a_arrived.edi",
    "iftsta_d96a_at_customs.edi",
    "iftsta_d96a_released.edi",
    "iftsta_d96a_delivered.edi",
)


def requests_of(name: str, partner: TradingPartner) -> tuple[ShipmentCommandRequest, ...]:
    translation = translate_interchange(fixture(name), partner)
    assert translation.failures == ()
    return translation.requests


def apply(requests: Sequence[ShipmentCommandRequest], events: list[ShipmentEvent], at: datetime) -> list[Rejection]:
    """Run each request through the decider as the engine would; returns the rejections."""
    rejections = []
    for request in requests:
        context = CommandContext(request.command_id, at, f"edi:{request.partner_id}", request.tenant_id, request.claims)
        decision = shipment_decider.decide(shipment_decider.fold(events), request.command, context)
        if isinstance(decision, Rejection):
            rejections.append(decision)
        else:
            events.extend(decision)
    return rejections


def commands(requests: Sequence[ShipmentCommandRequest]) -> list[object]:
    return [request.command for request in requests]


# --- IFTMIN -------------------------------------------------------------------------------------


def test_an_iftmin_d96a_booking_becomes_a_created_routed_loaded_and_booked_shipment() -> None:
    requests = requests_of("iftmin_d96a_sea_booking.edi", hanse_partner())
    assert {r.shipment_reference for r in requests} == {"WW-SEA-24001"}
    assert {r.shipment_id for r in requests} == {shipment_id_for(TENANT, "WW-SEA-24001")}
    create, route, parts, paint, *equipment, book, departs, arrives = commands(requests)
    assert create == CreateShipment(
        reference="WW-SEA-24001",
        mode=TransportMode.SEA,
        incoterm=Incoterm.FOB,
        incoterm_place="Hamburg",
        shipper=Party("HANSE MASCHINENBAU GMBH", "BILLSTRASSE 80", "DE", "HAMBURG", "20539"),
        consignee=Party(
            "SHANGHAI PRECISION IMPORTS CO., LTD.", "NO. 1000 ZHANGHENG ROAD, PUDONG", "CN", "SHANGHAI", "201203"
        ),
        notify=Party(
            "SHANGHAI PRECISION IMPORTS CO., LTD.", "NO. 1000 ZHANGHENG ROAD, PUDONG", "CN", "SHANGHAI", "201203"
        ),
    )
    assert isinstance(route, PlanRoute)
    assert [(leg.origin, leg.destination, leg.mode, leg.conveyance) for leg in route.legs] == [
        ("DEDUS", "DEHAM", TransportMode.ROAD, None),
        ("DEHAM", "CNSHA", TransportMode.SEA, "EMMA MAERSK 412E"),
    ]
    # The partner's local times (Europe/Berlin) arrive in UTC.
    assert route.legs[1].planned_departure == datetime(2026, 2, 20, 17, 0, tzinfo=UTC)
    assert isinstance(parts, DeclareCargoItem) and isinstance(paint, DeclareCargoItem)
    assert (parts.item.package_count, parts.item.package_type, parts.item.hs_code) == (24, "CT", "842290")
    assert (parts.item.gross_weight_kg, parts.item.net_weight_kg, parts.item.volume_m3) == (
        Decimal("1250.5"),
        Decimal("1100"),
        Decimal("12.4"),
    )
    assert paint.item.description == "PAINT FLAMMABLE LIQUID"
    assert (paint.item.length_cm, paint.item.width_cm, paint.item.height_cm) == (Decimal(60), Decimal(60), Decimal(90))
    assert paint.item.dangerous_goods == DangerousGoods(un_number="1263", hazard_class="3")
    assert equipment == [
        AttachEquipment(Equipment(EquipmentKind.CONTAINER, CONTAINER, "45G1", "ML-4471203")),
        AttachEquipment(Equipment(EquipmentKind.CONTAINER, SECOND_CONTAINER, "22G1", "ML-4471204")),
        AttachEquipment(Equipment(EquipmentKind.VEHICLE, "D-HS 4521")),
    ]
    assert book == BookShipment(Carrier("MAERSK A/S", "MAEU"), "MAEU240117", datetime(2026, 2, 10, 8, 15, tzinfo=UTC))
    assert departs == PlanMilestone(Milestone.DEPARTED, datetime(2026, 2, 20, 17, 0, tzinfo=UTC))
    assert arrives == PlanMilestone(Milestone.ARRIVED, datetime(2026, 3, 28, 9, 0, tzinfo=UTC))


def test_the_same_interchange_mapped_twice_gives_the_same_command_ids() -> None:
    first = requests_of("iftmin_d96a_sea_booking.edi", hanse_partner())
    again = requests_of("iftmin_d96a_sea_booking.edi", hanse_partner())
    assert [r.command_id for r in first] == [r.command_id for r in again]
    assert len({r.command_id for r in first}) == len(first)


def test_an_iftmin_d01b_road_instruction_reads_decimal_commas_dates_and_dangerous_goods() -> None:
    requests = requests_of("iftmin_d01b_road_instruction.edi", rheinland_partner())
    create, route, pumps, aerosols, truck, departs, arrives = commands(requests)
    assert isinstance(create, CreateShipment)
    assert (create.reference, create.mode, create.incoterm, create.incoterm_place) == (
        "WW-ROAD-26031",
        TransportMode.ROAD,
        Incoterm.FCA,
        "Duesseldorf",
    )
    assert isinstance(route, PlanRoute) and [(leg.origin, leg.destination) for leg in route.legs] == [
        ("DEDUS", "PLWAW")
    ]
    assert isinstance(pumps, DeclareCargoItem) and pumps.item.hs_code == "8413.70"
    assert isinstance(aerosols, DeclareCargoItem)
    assert aerosols.item.gross_weight_kg == Decimal("25.5")
    assert aerosols.item.dangerous_goods == DangerousGoods(un_number="1950", hazard_class="2.1")
    assert truck == AttachEquipment(Equipment(EquipmentKind.VEHICLE, "WPR 4521K"))
    # Dates without a time (format 102) are midnight in the partner's zone.
    assert departs == PlanMilestone(Milestone.DEPARTED, datetime(2026, 3, 11, 23, 0, tzinfo=UTC))
    assert arrives == PlanMilestone(Milestone.ARRIVED, datetime(2026, 3, 12, 23, 0, tzinfo=UTC))
    events: list[ShipmentEvent] = []
    assert apply(requests, events, datetime(2026, 3, 11, 8, tzinfo=UTC)) == []
    state: Shipment = shipment_decider.fold(events)
    assert state.status is ShipmentStatus.DRAFT  # no carrier booking number: not booked yet
    assert state.cargo[0].hs_code == "841370"
    assert state.cargo[1].dangerous_goods == DangerousGoods(un_number="UN1950", hazard_class="2.1")
    assert state.totals.gross_weight_kg == Decimal("665.5")


def test_an_iftmin_cancellation_cancels_the_shipment() -> None:
    text = (
        fixture("iftmin_d96a_sea_booking.edi")
        .decode("iso-8859-1")
        .replace("BGM+340+SI-88213+9'", "BGM+340+SI-88213+1'")
    )
    [cancel] = commands(translate_interchange(text, hanse_partner()).requests)
    assert cancel == CancelShipment("cancelled by Hanse Maschinenbau GmbH (IFTMIN SI-88213)")


# --- IFTSTA, end to end -------------------------------------------------------------------------


def test_a_sea_shipment_booked_by_iftmin_is_delivered_by_iftsta_reports() -> None:
    events: list[ShipmentEvent] = []
    booking = requests_of("iftmin_d96a_sea_booking.edi", hanse_partner())
    assert apply(booking, events, datetime(2026, 2, 10, 9, 0, tzinfo=UTC)) == []
    assert shipment_decider.fold(events).status is ShipmentStatus.BOOKED
    statuses = []
    for name in SEA_STATUS_REPORTS:
        requests = requests_of(name, maersk_partner())
        assert {r.shipment_id for r in requests} == {shipment_id_for(TENANT, "WW-SEA-24001")}
        assert apply(requests, events, datetime(2026, 4, 2, tzinfo=UTC)) == [], name
        statuses.append(shipment_decider.fold(events).status)
    assert statuses == [
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.IN_TRANSIT,  # arrived: the goods are still in transit until customs
        ShipmentStatus.AT_CUSTOMS,  # the partner's agreed code CUS
        ShipmentStatus.RELEASED,
        ShipmentStatus.DELIVERED,
    ]
    state = shipment_decider.fold(events)
    assert state.milestone(Milestone.DEPARTED).actual_at == datetime(2026, 2, 20, 23, 15, tzinfo=UTC)
    assert state.milestone(Milestone.DELIVERED).place == "CNSHA"
    assert state.milestone(Milestone.ARRIVED).planned_at == datetime(2026, 3, 28, 6, 0, tzinfo=UTC)  # ETA from IFTSTA
    milestones = [entry for entry in timeline(events) if entry.kind is TimelineKind.MILESTONE]
    assert [entry.source for entry in milestones] == ["edi:MAEU"] * 6
    assert milestones[3].description == "Presented to customs at CNSHA (Shanghai): IMPORT DECLARATION LODGED BY BROKER"
    # Reports resent by the partner change nothing.
    again = requests_of("iftsta_d96a_released.edi", maersk_partner())
    before = len(events)
    assert apply(again, events, datetime(2026, 4, 2, tzinfo=UTC)) == []
    assert len(events) == before


def test_a_report_for_an_unknown_shipment_is_refused_as_not_found() -> None:
    [pickup] = requests_of("iftsta_d96a_unknown_shipment.edi", maersk_partner())
    assert pickup.shipment_reference == "WW-SEA-99999"
    assert pickup.shipment_id == shipment_id_for(TENANT, "WW-SEA-99999")
    assert pickup.command == RecordMilestone(
        Milestone.PICKED_UP, datetime(2026, 2, 17, 8, 45, tzinfo=UTC), "DEHAM", None
    )
    [rejection] = apply([pickup], [], datetime(2026, 2, 17, 9, 0, tzinfo=UTC))
    then_rejected(rejection, RejectionCode.NOT_FOUND, "no such shipment")


# --- IFTSTA status codes ------------------------------------------------------------------------


def status_report(
    sts: str,
    *extra: str,
    references: tuple[str, ...] = ("CNI+1+WW-SEA-24001",),
    time: tuple[str, ...] = ("DTM+334:202602250930:203",),
) -> str:
    body = ["BGM+23+ST-1+9", *references, sts, *time, *extra]
    return (
        "UNA:+.? '\nUNB+UNOC:3+MAEU:ZZZ+WELLWON:ZZZ+260225:1000+MAEU00009001'\nUNH+1+IFTSTA:D:96A:UN'\n"
        + "'\n".join(body)
        + f"'\nUNT+{len(body) + 2}+1'\nUNZ+1+MAEU00009001'"
    )


def test_a_status_that_moves_nothing_is_kept_for_the_timeline() -> None:
    [note] = commands(
        translate_interchange(status_report("STS+1+16::6", "LOC+175+PLMAL:139:6"), maersk_partner()).requests
    )
    # PLMAL is a real border station but not on our place list: it stays in the words.
    assert note == NoteTransportEvent("Crossed border (PLMAL)", datetime(2026, 2, 25, 9, 30, tzinfo=UTC), None, "16")


@pytest.mark.parametrize(
    ("sts", "kind"),
    [("STS+1+20::6", ExceptionKind.DELAY), ("STS+1+17::6", ExceptionKind.HOLD), ("STS+1+18::6", ExceptionKind.DAMAGE)],
)
def test_delay_hold_and_damage_codes_raise_exceptions(sts: str, kind: ExceptionKind) -> None:
    text = status_report(sts, "FTX+AAI+++WAITING FOR BERTH")
    [first] = commands(translate_interchange(text, maersk_partner()).requests)
    [again] = commands(translate_interchange(text, maersk_partner()).requests)
    assert isinstance(first, RaiseException) and isinstance(again, RaiseException)
    assert first.kind is kind and first.reason.endswith(": WAITING FOR BERTH")
    assert first.exception_id == again.exception_id and first.exception_id.startswith("EDI-")


def test_an_agreed_code_of_another_partner_is_only_noted() -> None:
    [note] = commands(translate_interchange(status_report("STS+1+CUS::ZZZ:AT CUSTOMS"), maersk_partner()).requests)
    assert isinstance(note, RecordMilestone) and note.milestone is Milestone.CUSTOMS
    stranger = TradingPartner("OTHER", TENANT, "Other Line", ("MAEU",))
    [noted] = commands(translate_interchange(status_report("STS+1+CUS::ZZZ:AT CUSTOMS"), stranger).requests)
    assert noted == NoteTransportEvent("AT CUSTOMS", datetime(2026, 2, 25, 9, 30, tzinfo=UTC), None, "CUS")


def test_the_reference_is_found_by_the_partners_qualifiers() -> None:
    text = status_report("STS+1+13::6", references=("RFF+CU:HMB-PO-88213", "RFF+BN:MAEU240117"))
    [pickup] = translate_interchange(text, maersk_partner()).requests
    assert pickup.shipment_reference == "HMB-PO-88213"  # CU comes before BN in the default order
    booking_first = TradingPartner("MAEU", TENANT, "Maersk", ("MAEU",), reference_qualifiers=("BN",))
    [by_booking] = translate_interchange(text, booking_first).requests
    assert by_booking.shipment_reference == "MAEU240117"


def test_a_message_without_a_reference_is_a_missing_reference_failure() -> None:
    text = status_report("STS+1+13::6", references=("RFF+ZZZ:SOMETHING",))
    [failure] = translate_interchange(text, maersk_partner()).failures
    assert isinstance(failure.error, MissingReference)
    assert "no shipment of the partner's tenant matches (tried no identifier)" in failure.error.reason


def test_a_status_without_an_event_time_names_the_sts_segment() -> None:
    text = status_report("STS+1+13::6", time=())
    message = parse_interchange(text).messages[0]
    with pytest.raises(EdifactSyntaxError) as raised:
        map_message(message, maersk_partner())
    assert (raised.value.position, raised.value.tag) == (5, "STS")
    assert "has no event time" in raised.value.reason


def test_a_number_that_is_not_one_names_the_segment() -> None:
    text = fixture("iftmin_d96a_sea_booking.edi").decode("iso-8859-1").replace("KGM:1250.5", "KGM:12O0")
    [failure] = translate_interchange(text, hanse_partner()).failures
    assert isinstance(failure.error, EdifactSyntaxError)
    assert failure.error.tag == "MEA" and "gross weight '12O0' is not a number" in failure.error.reason


# --- what cannot be mapped ----------------------------------------------------------------------


def test_an_unknown_message_type_is_an_unsupported_message_failure() -> None:
    translation = translate_interchange(fixture("iftsai_d96a_unsupported.edi"), maersk_partner())
    assert translation.requests == ()
    [failure] = translation.failures
    assert isinstance(failure.error, UnsupportedMessage)
    assert failure.error.reason == "message type IFTSAI is not mapped (supported: IFTSTA, IFTMIN)"
    assert failure.error.details() == {
        "kind": "unsupported_message",
        "reason": failure.error.reason,
        "message_reference": "1",
    }


def test_an_unsupported_directory_is_refused() -> None:
    text = status_report("STS+1+13::6").replace("IFTSTA:D:96A:UN", "IFTSTA:D:93A:UN")
    [failure] = translate_interchange(text, maersk_partner()).failures
    assert (
        "IFTSTA directory D.93A (UN) is not mapped (supported: D.95B, D.96A, D.99B, D.00B, D.01B)"
        in failure.error.reason
    )


def test_one_bad_message_does_not_stop_the_others() -> None:
    good = status_report("STS+1+13::6")
    two = good.replace(
        "'\nUNZ+1+MAEU00009001'", "'\nUNH+2+INVOIC:D:96A:UN'\nBGM+380+INV-1+9'\nUNT+3+2'\nUNZ+2+MAEU00009001'"
    )
    translation = translate_interchange(two, maersk_partner())
    assert len(translation.requests) == 1 and [f.message_reference for f in translation.failures] == ["2"]


def test_an_interchange_from_a_sender_the_partner_does_not_use_is_refused() -> None:
    with pytest.raises(PartnerMismatch, match="'MAEU', which is not a sender of partner hanse-maschinenbau"):
        translate_interchange(fixture("iftsta_d96a_picked_up.edi"), hanse_partner())


def test_a_broken_interchange_raises_with_the_position() -> None:
    with pytest.raises(EdifactSyntaxError) as raised:
        translate_interchange(fixture("iftsta_d96a_broken_count.edi"), maersk_partner())
    assert raised.value.details() == {
        "kind": "syntax_error",
        "reason": "segment 8 (UNT): UNT counts 9 segments but message 1 has 7",
        "position": 8,
        "tag": "UNT",
    }
