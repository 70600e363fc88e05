"""Carriers quote their own numbers: shipments found by booking, bill of lading, waybill and container, per tenant.

Also the directories IFTSTA arrives in, partners' own status codes, unknown codes raised to the owner,
re-used control references, and weights written plainly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from streams.decider import CommandContext, Rejection
from streams.edi.data_elements import plain
from streams.edi.errors import MissingReference
from streams.edi.handling import InterchangeLog, content_hash
from streams.edi.mapping import DIRECTORIES, translate_interchange
from streams.edi.partners import StatusMeaning, TradingPartner
from streams.edi.references import IdentifierKind, ShipmentIndex
from streams.edi_partner.commands import RecordInterchange
from streams.edi_partner.decider import EdiPartner, edi_partner_decider
from streams.edi_partner.events import (
    InterchangeRecorded,
    InterchangeResult,
    MessageResult,
    ResultStatus,
    UnknownStatus,
    UnknownStatusReceived,
)
from streams.shipment.commands import NoteTransportEvent, RecordMilestone, RecordTransportDocument
from streams.shipment.decider import EDI_PARTNER_CLAIM, shipment_decider
from streams.shipment.details import TransportDocument, TransportDocumentKind
from streams.shipment.events import ShipmentEvent
from streams.shipment.identifiers import shipment_id_for
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from tests.unit.logistics.logistics_scenarios import (
    NOW,
    OTHER_TENANT,
    TENANT,
    fixture,
    hanse_partner,
    maersk_partner,
    reached,
)

REFERENCE = "WW-SEA-25077"
BY_BOOKING = "iftsta_d95b_picked_up_by_booking.edi"
BY_BILL_OF_LADING = "iftsta_d01b_vessel_departed_by_bill_of_lading.edi"
BY_CONTAINER = "iftsta_d00b_arrived_by_container.edi"
BY_HOUSE_WAYBILL = "iftsta_d99b_unknown_status_by_house_waybill.edi"


def booked_by_iftmin(tenant: str = TENANT) -> tuple[str, list[ShipmentEvent]]:
    """The shipment the D.99B IFTMIN books (BN NOL7712002, B/L NOLBL5501, HWB-NOL-88, NOLU1234566): id, events."""
    partner = replace(hanse_partner(), tenant_id=tenant)
    translation = translate_interchange(fixture("iftmin_d99b_sea_booking_carrier_numbers.edi"), partner)
    assert translation.failures == ()
    events: list[ShipmentEvent] = []
    for request in translation.requests:
        context = CommandContext(request.command_id, NOW, "edi:hanse", tenant, request.claims)
        decision = shipment_decider.decide(shipment_decider.fold(events), request.command, context)
        assert not isinstance(decision, Rejection), decision
        events += decision
    return shipment_id_for(tenant, REFERENCE), events


def indexed(*shipments: tuple[str, list[ShipmentEvent]]) -> ShipmentIndex:
    index = ShipmentIndex()
    for shipment_id, events in shipments:
        for event in events:
            index.apply(shipment_id, event)
    return index


def maersk_with_vd(tenant: str = TENANT) -> TradingPartner:
    """Maersk's network code VD (vessel departure) mapped as the partner's own status code."""
    return replace(maersk_partner(), tenant_id=tenant, status_codes={"VD": StatusMeaning.DEPARTED})


def test_the_iftmin_records_the_carriers_transport_documents() -> None:
    _, events = booked_by_iftmin()
    state = shipment_decider.fold(events)
    assert state.booking_reference == "NOL7712002"
    assert set(state.transport_documents) == {
        TransportDocument(TransportDocumentKind.BILL_OF_LADING, "NOLBL5501"),
        TransportDocument(TransportDocumentKind.HOUSE_WAYBILL, "HWB-NOL-88"),
    }


@pytest.mark.parametrize(
    ("name", "tried"),
    [
        (BY_BOOKING, "booking number NOL7712002 (RFF+BN)"),
        (BY_BILL_OF_LADING, "bill of lading NOLBL5501 (RFF+BM)"),
        (BY_CONTAINER, "container NOLU1234566 (EQD+CN)"),
        (BY_HOUSE_WAYBILL, "house waybill HWB-NOL-88 (RFF+HWB)"),
    ],
)
def test_a_status_naming_only_a_carriers_number_finds_the_shipment(name: str, tried: str) -> None:
    index = indexed(booked_by_iftmin())
    translation = translate_interchange(fixture(name), maersk_with_vd(), index)
    assert translation.failures == ()
    assert {r.shipment_reference for r in translation.requests} == {REFERENCE}
    assert {r.shipment_id for r in translation.requests} == {shipment_id_for(TENANT, REFERENCE)}
    assert translation.requests[0].tried == (tried,)


@pytest.mark.parametrize("name", [BY_BOOKING, BY_BILL_OF_LADING, BY_CONTAINER, BY_HOUSE_WAYBILL])
def test_another_tenants_numbers_find_nothing_and_the_failure_says_what_was_tried(name: str) -> None:
    index = indexed(booked_by_iftmin(OTHER_TENANT))
    translation = translate_interchange(fixture(name), maersk_with_vd(), index)
    assert translation.requests == ()
    [failure] = translation.failures
    assert isinstance(failure.error, MissingReference)
    assert "no shipment of the partner's tenant matches (tried " in failure.error.reason
    # The same message from the other tenant's own partner finds its shipment.
    theirs = translate_interchange(fixture(name), maersk_with_vd(OTHER_TENANT), index)
    assert theirs.failures == () and {r.shipment_id for r in theirs.requests} == {
        shipment_id_for(OTHER_TENANT, REFERENCE)
    }


def test_our_reference_comes_first_and_an_unknown_one_is_still_sent_for_the_shipment_to_answer() -> None:
    index = indexed(booked_by_iftmin())
    text = fixture(BY_BOOKING).replace(b"CNI+1'", b"CNI+1+WW-SEA-99999'")
    [request] = translate_interchange(text, maersk_partner(), index).requests
    # WW-SEA-99999 is not a shipment; the booking number is: the booking wins.
    assert request.shipment_reference == REFERENCE
    assert request.tried == ("reference WW-SEA-99999 (CNI)", "booking number NOL7712002 (RFF+BN)")
    unknown = fixture(BY_BOOKING).replace(b"CNI+1'", b"CNI+1+WW-SEA-99999'").replace(b"NOL7712002", b"NOL0000000")
    [sent] = translate_interchange(unknown, maersk_partner(), index).requests
    assert sent.shipment_reference == "WW-SEA-99999"
    assert sent.tried == ("reference WW-SEA-99999 (CNI)", "booking number NOL0000000 (RFF+BN)")


def test_a_container_names_a_shipment_only_while_it_is_active() -> None:
    shipment_id, events = booked_by_iftmin()
    index = indexed((shipment_id, events))
    assert index.find(TENANT, IdentifierKind.CONTAINER, "NOLU 123456-6") == REFERENCE
    index.apply(shipment_id, reached(Milestone.DELIVERED, NOW, ShipmentStatus.DELIVERED))
    assert index.find(TENANT, IdentifierKind.CONTAINER, "NOLU1234566") is None
    assert index.find(TENANT, IdentifierKind.BOOKING, "NOL7712002") == REFERENCE  # a booking stays its own


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_each_directory_carriers_use_is_accepted(directory: str) -> None:
    assert directory in ("D.95B", "D.96A", "D.99B", "D.00B", "D.01B")
    code = directory.replace(".", ":")
    text = fixture("iftsta_d96a_picked_up.edi").replace(b"IFTSTA:D:96A:UN", f"IFTSTA:{code}:UN".encode())
    translation = translate_interchange(text, maersk_partner())
    assert translation.failures == ()
    assert [type(r.command) for r in translation.requests][-1] is RecordMilestone


def test_the_written_samples_of_each_directory_map() -> None:
    index = indexed(booked_by_iftmin())
    samples = {
        "D.95B": BY_BOOKING,
        "D.96A": "iftsta_d96a_departed.edi",
        "D.99B": BY_HOUSE_WAYBILL,
        "D.00B": BY_CONTAINER,
        "D.01B": BY_BILL_OF_LADING,
    }
    for directory, name in samples.items():
        translation = translate_interchange(fixture(name), maersk_with_vd(), index)
        assert translation.interchange.messages[0].message_type.directory == directory
        assert translation.failures == () and translation.requests, name


def test_a_partners_own_code_is_applied_for_that_partner_only() -> None:
    index = indexed(booked_by_iftmin())
    with_vd = translate_interchange(fixture(BY_BILL_OF_LADING), maersk_with_vd(), index)
    [departed] = [r.command for r in with_vd.requests]
    assert isinstance(departed, RecordMilestone) and departed.milestone is Milestone.DEPARTED
    assert with_vd.unknown_statuses == {}
    without = translate_interchange(fixture(BY_BILL_OF_LADING), maersk_partner(), index)
    [noted] = [r.command for r in without.requests]
    assert isinstance(noted, NoteTransportEvent) and noted.code == "VD"
    assert without.unknown_statuses == {"1": (UnknownStatus("VD", "ZZZ", "VESSEL DEPARTED", REFERENCE),)}


def test_an_unknown_status_becomes_a_notice_for_the_partners_owner() -> None:
    partner = EdiPartner(partner_id="MAEU", tenant_id=TENANT, code="MAEU", name="Maersk A/S", sender_ids=("MAEU",))
    unknown = UnknownStatus("XQ7", "ZZZ", "BERTH WINDOW CONFIRMED", REFERENCE)
    applied = MessageResult("1", "IFTSTA D.99B", ResultStatus.APPLIED, unknown_statuses=(unknown,))
    result = InterchangeResult("m-1", "MAEU", ResultStatus.APPLIED, NOW, 1, "MAEU", "MAEU00007104", None, (applied,))
    context = CommandContext("c-1", NOW, "edi:MAEU", TENANT, ((EDI_PARTNER_CLAIM, "MAEU"),))
    events = edi_partner_decider.decide(partner, RecordInterchange(result), context)
    assert events == [InterchangeRecorded(result), UnknownStatusReceived("m-1", "1", unknown, NOW)]
    failed = replace(result, messages=(replace(applied, status=ResultStatus.DEAD_LETTERED),))
    assert edi_partner_decider.decide(partner, RecordInterchange(failed), context) == [InterchangeRecorded(failed)]


def test_a_control_reference_re_used_with_other_content_conflicts_and_a_resend_does_not() -> None:
    raw = fixture("iftsta_d96a_departed.edi")
    log = InterchangeLog("m-1", applied=True, content_hash=content_hash(raw))
    restamped = raw.replace(b"260221:0010", b"260221:0015")  # the same content prepared again
    assert not log.conflicts_with(content_hash(restamped))
    assert log.conflicts_with(content_hash(raw.replace(b"VESSEL DEPARTURE", b"VESSEL DELAYED")))
    assert not replace(log, applied=False).conflicts_with(content_hash(b"other"))  # a fix of a failed one
    assert InterchangeLog.load(log.dump()) == log
    old = {"message_id": "m-0", "applied": True, "commands": {}}
    assert not InterchangeLog.load(old).conflicts_with("anything")  # kept before hashes: a duplicate as before


def test_weights_read_from_edi_are_plain_numbers() -> None:
    assert str(plain(Decimal("4200.000"))) == "4200"
    assert str(plain(Decimal("4.2") * Decimal(1000))) == "4200"
    assert str(plain(Decimal("1250.50"))) == "1250.5"
    text = fixture("iftmin_d96a_sea_booking.edi").replace(b"MEA+AAE+G+KGM:1250.5", b"MEA+AAE+G+TNE:4.2")
    [item, *_] = [
        r.command for r in translate_interchange(text, hanse_partner()).requests if hasattr(r.command, "item")
    ]
    assert str(item.item.gross_weight_kg) == "4200"  # type: ignore[attr-defined]


def test_recording_a_transport_document_twice_changes_nothing() -> None:
    shipment_id, events = booked_by_iftmin()
    state = shipment_decider.fold(events)
    context = CommandContext("c-2", datetime(2026, 2, 11, tzinfo=UTC), "api", TENANT)
    again = RecordTransportDocument(TransportDocument(TransportDocumentKind.BILL_OF_LADING, "nolbl5501"))
    assert shipment_decider.decide(state, again, context) == []
    corrected = RecordTransportDocument(TransportDocument(TransportDocumentKind.BILL_OF_LADING, "NOLBL5502"))
    [recorded] = shipment_decider.decide(state, corrected, context)  # type: ignore[misc]
    later = shipment_decider.fold([*events, recorded])
    assert TransportDocument(TransportDocumentKind.BILL_OF_LADING, "NOLBL5502") in later.transport_documents
    assert len(later.transport_documents) == 2 and shipment_id
