"""The timeline: a shipment's events become dated, placed, sourced entries in time order."""

from __future__ import annotations

from streams.shipment.details import ExceptionKind
from streams.shipment.events import (
    ExceptionRaised,
    ExceptionResolved,
    MilestonePlanned,
    MilestoneReached,
    TransportEventNoted,
)
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from streams.shipment.timeline import TimelineKind, timeline
from tests.unit.logistics.logistics_scenarios import DAY, NOW, booked, reached


def test_the_timeline_lists_what_happened_in_time_order_with_place_and_source() -> None:
    events = [
        *booked(),
        MilestonePlanned(milestone=Milestone.ARRIVED, planned_at=NOW + 20 * DAY, source="edi:MAEU"),
        MilestonePlanned(milestone=Milestone.ARRIVED, planned_at=NOW + 22 * DAY, source="edi:MAEU"),
        MilestonePlanned(milestone=Milestone.PICKED_UP, planned_at=NOW - 8 * DAY, source="api"),
        # Reported out of order: the departure arrives before the pickup report.
        MilestoneReached(
            milestone=Milestone.DEPARTED,
            actual_at=NOW - 7 * DAY,
            status=ShipmentStatus.IN_TRANSIT,
            source="edi:MAEU",
            place="DEHAM",
        ),
        reached(Milestone.PICKED_UP, NOW - 8 * DAY, ShipmentStatus.PICKED_UP, "DEHAM"),
        TransportEventNoted(description="Transhipped", occurred_at=NOW - 2 * DAY, source="edi:MAEU", place="SGSIN"),
        ExceptionRaised(
            exception_id="L1", kind=ExceptionKind.DELAY, reason="port congestion", raised_at=NOW - DAY, source="api"
        ),
        ExceptionResolved(
            exception_id="L1", kind=ExceptionKind.DELAY, resolution="berth allocated", resolved_at=NOW, source="api"
        ),
    ]
    entries = timeline(events)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert [(e.kind, e.description) for e in entries] == [
        (TimelineKind.CREATED, "Shipment WW-SEA-24001 created (sea)"),
        (TimelineKind.BOOKED, "Booked with Maersk A/S (MAEU), booking MAEU240117"),
        (TimelineKind.MILESTONE, "Picked up at DEHAM (Hamburg)"),
        (TimelineKind.MILESTONE, "Departed at DEHAM (Hamburg)"),
        (TimelineKind.TRANSPORT_EVENT, "Transhipped at SGSIN (Singapore)"),
        (TimelineKind.EXCEPTION_RAISED, "Delay L1 raised: port congestion"),
        (TimelineKind.EXCEPTION_RESOLVED, "Delay L1 resolved: berth allocated"),
        (TimelineKind.EXPECTED, "Arrival expected"),
    ]
    departed = entries[3]
    assert (departed.place, departed.source, departed.milestone) == ("DEHAM", "edi:MAEU", Milestone.DEPARTED)
    # Only the latest plan of a milestone that has not happened yet stays, as an expected entry.
    assert entries[-1].at == NOW + 22 * DAY


def test_an_empty_history_has_an_empty_timeline() -> None:
    assert timeline([]) == ()
