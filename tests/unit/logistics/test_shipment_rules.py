"""The shipment's rules, exactly: each command's events field by field, each refusal with its code, reason and field.

The API answers a refusal with its reason and the field at fault (422 naming it), so both are part of the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from streams.decider import Rejection, RejectionCode
from streams.shipment.commands import (
    DetachEquipment,
    NoteTransportEvent,
    RaiseException,
    RemoveCargoItem,
    ResolveException,
    SetIncoterm,
    SetParties,
    ShipmentCommand,
)
from streams.shipment.decider import shipment_decider
from streams.shipment.details import ExceptionKind
from streams.shipment.events import (
    CargoItemRemoved,
    EquipmentAttached,
    EquipmentDetached,
    ExceptionRaised,
    ExceptionResolved,
    IncotermSet,
    PartiesSet,
    ShipmentCancelled,
    ShipmentEvent,
    TransportEventNoted,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import ShipmentStatus
from tests.unit.logistics.logistics_scenarios import (
    DAY,
    HOUR,
    NOW,
    booked,
    consignee,
    container,
    created,
    drafted,
    edi_context,
    in_transit,
    shipper,
    when,
)

CANCELLED = ShipmentCancelled(reason="customer withdrew", cancelled_at=NOW - DAY, source="api")


def illegal(reason: str, field: str | None = None) -> Rejection:
    return Rejection(RejectionCode.ILLEGAL_STATE, reason, field)


def invalid(reason: str, field: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


def test_parties_are_set_only_when_they_change_and_only_before_pickup() -> None:
    assert when(created(), SetParties(shipper=shipper(), notify=consignee())) == [
        PartiesSet(shipper=shipper(), consignee=None, notify=consignee())
    ]
    assert when(created(), SetParties(shipper=shipper(), consignee=consignee())) == [
        PartiesSet(shipper=shipper(), consignee=consignee(), notify=None)
    ]
    assert when(drafted(), SetParties(shipper=shipper(), consignee=consignee())) == []  # as they are
    assert when(drafted(), SetParties(shipper=shipper(name=" "))) == invalid("shipper.name is required", "shipper.name")
    assert when(drafted(), SetParties(consignee=consignee(address=""))) == invalid(
        "consignee.address is required", "consignee.address"
    )
    assert when(in_transit(), SetParties(shipper=shipper())) == illegal(
        "parties can change only before pickup; the shipment is in_transit"
    )


def test_the_incoterm_is_set_only_when_it_changes_and_only_before_pickup() -> None:
    assert when(booked(), SetIncoterm(Incoterm.FCA, " Hamburg ")) == [
        IncotermSet(incoterm=Incoterm.FCA, incoterm_place="Hamburg")
    ]
    assert when(booked(), SetIncoterm(Incoterm.FOB, "Hamburg")) == []  # as it is
    assert when(booked(), SetIncoterm(Incoterm.FOB, " ")) == invalid("incoterm_place is required", "incoterm_place")
    assert when(booked(), SetIncoterm("XYZ", "Hamburg")) == invalid(  # type: ignore[arg-type]
        "'XYZ' is not one of: " + ", ".join(term.value for term in Incoterm), "incoterm"
    )
    assert when(in_transit(), SetIncoterm(Incoterm.FCA, "Hamburg")) == illegal(
        "the Incoterm can change only before pickup; the shipment is in_transit"
    )


def test_equipment_is_detached_by_its_identifier_however_written() -> None:
    attached = [*booked(), EquipmentAttached(equipment=container())]
    assert when(attached, DetachEquipment(" msku 907032-3 ")) == [EquipmentDetached(identifier="MSKU9070323")]
    assert when(attached, DetachEquipment("CSQU3054383")) == invalid(
        "'CSQU3054383' is not attached to this shipment", "identifier"
    )
    assert when([*attached, CANCELLED], DetachEquipment("MSKU9070323")) == illegal(
        "equipment cannot change: the shipment is cancelled"
    )


def test_a_cargo_item_is_removed_only_if_declared_and_only_before_pickup() -> None:
    assert when(drafted(), RemoveCargoItem("1")) == [CargoItemRemoved(item_id="1")]
    assert when(drafted(), RemoveCargoItem("9")) == invalid("no cargo item '9' on this shipment", "item_id")
    assert when(in_transit(), RemoveCargoItem("1")) == illegal(
        "cargo can change only before pickup; the shipment is in_transit"
    )


def test_a_transport_event_is_noted_with_its_place_code_and_source() -> None:
    event = NoteTransportEvent(" crossed border ", NOW - HOUR, " de ham ", " X1 ")
    assert when(in_transit(), event) == [
        TransportEventNoted(
            description="crossed border", occurred_at=NOW - HOUR, source="api", place="DEHAM", code="X1"
        )
    ]
    assert when(in_transit(), NoteTransportEvent("gate in", NOW, None, " "), edi_context("MAEU")) == [
        TransportEventNoted(description="gate in", occurred_at=NOW, source="edi:MAEU", place=None, code=None)
    ]


@pytest.mark.parametrize(
    ("events", "command", "refusal"),
    [
        ([*in_transit(), CANCELLED], NoteTransportEvent("x", NOW), illegal("the shipment is cancelled")),
        (in_transit(), NoteTransportEvent(" ", NOW), invalid("description is required", "description")),
        (
            in_transit(),
            NoteTransportEvent("x" * 351, NOW),
            invalid("description must be at most 350 characters", "description"),
        ),
        (
            in_transit(),
            NoteTransportEvent("x", NOW.replace(tzinfo=None)),
            invalid("occurred_at must carry a time zone", "occurred_at"),
        ),
        (
            in_transit(),
            NoteTransportEvent("x", NOW, code="C" * 18),
            invalid("code must be at most 17 characters", "code"),
        ),
    ],
)
def test_a_transport_event_is_refused_naming_the_field_at_fault(
    events: Sequence[ShipmentEvent], command: ShipmentCommand, refusal: Rejection
) -> None:
    assert when(events, command) == refusal


def test_a_transport_event_at_an_unknown_place_is_refused_as_the_place() -> None:
    refusal = when(in_transit(), NoteTransportEvent("x", NOW, place="1"))
    assert isinstance(refusal, Rejection) and (refusal.code, refusal.field) == (RejectionCode.INVALID, "place")


def test_the_longest_description_and_code_are_accepted() -> None:
    accepted = when(in_transit(), NoteTransportEvent("x" * 350, NOW, code="C" * 17))
    assert accepted == [TransportEventNoted("x" * 350, NOW, "api", None, "C" * 17)]


HOLD = ExceptionRaised(
    exception_id="H1", kind=ExceptionKind.HOLD, reason="customs inspection", raised_at=NOW - 2 * DAY, source="api"
)


def test_an_exception_is_resolved_once_with_its_kind_repeated() -> None:
    held = [*in_transit(), HOLD]
    resolved = ExceptionResolved(
        exception_id="H1", kind=ExceptionKind.HOLD, resolution="released", resolved_at=NOW - DAY, source="edi:MAEU"
    )
    assert when(held, ResolveException(" H1 ", " released ", NOW - DAY), edi_context("MAEU")) == [resolved]
    assert when(held, ResolveException("H1", "released")) == [
        ExceptionResolved(
            exception_id="H1", kind=ExceptionKind.HOLD, resolution="released", resolved_at=NOW, source="api"
        )
    ]
    assert when([*held, resolved], ResolveException("H1", "released")) == []  # the same resolution again
    assert when([*held, resolved], ResolveException("H1", "paid")) == illegal(
        f"exception H1 was resolved at {(NOW - DAY).isoformat()}"
    )


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (ResolveException("H9", "x"), invalid("no exception 'H9' on this shipment", "exception_id")),
        (ResolveException("H1", " "), invalid("resolution is required", "resolution")),
        (
            ResolveException("H1", "x", NOW.replace(tzinfo=None)),
            invalid("resolved_at must carry a time zone", "resolved_at"),
        ),
        (
            ResolveException("H1", "x", NOW - 3 * DAY),
            invalid("exception H1 cannot be resolved before it was raised", "resolved_at"),
        ),
    ],
)
def test_a_resolution_is_refused_naming_the_field_at_fault(command: ResolveException, refusal: Rejection) -> None:
    assert when([*in_transit(), HOLD], command) == refusal


def test_an_exception_may_be_resolved_the_moment_it_was_raised() -> None:
    resolved = when([*in_transit(), HOLD], ResolveException("H1", "x", NOW - 2 * DAY))
    assert isinstance(resolved, list) and resolved[0].resolved_at == NOW - 2 * DAY


def test_a_resolved_hold_no_longer_holds_the_shipment() -> None:
    held = shipment_decider.fold([*in_transit(), HOLD])
    assert [h.exception_id for h in held.open_holds] == ["H1"]
    resolution = ExceptionResolved("H1", ExceptionKind.HOLD, "released", NOW, "api")
    after = shipment_decider.evolve(held, resolution)
    assert after.open_holds == ()
    assert after.exception("H1") is not None and after.exception("H1").resolution == "released"  # type: ignore[union-attr]
    unknown = ExceptionResolved("H7", ExceptionKind.HOLD, "released", NOW, "api")
    assert shipment_decider.evolve(held, unknown) == held  # a resolution of nothing known changes nothing
    assert held.status is ShipmentStatus.IN_TRANSIT


def test_raising_an_exception_is_refused_naming_the_field_at_fault() -> None:
    assert when(in_transit(), RaiseException(" ", ExceptionKind.DELAY, "x")) == invalid(
        "exception_id is required", "exception_id"
    )
    assert when([*in_transit(), HOLD], RaiseException("H1", ExceptionKind.HOLD, "other")) == Rejection(
        RejectionCode.CONFLICT, "exception H1 was raised with other details", "exception_id"
    )
