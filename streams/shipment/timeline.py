"""A shipment's timeline: what happened, when, where and who reported it, from its events alone.

Plans appear as expected entries, only the latest plan of each milestone and only until the
milestone happens; everything else appears as it happened, in time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from streams.shipment.details import ExceptionKind
from streams.shipment.events import (
    ExceptionRaised,
    ExceptionResolved,
    MilestonePlanned,
    MilestoneReached,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentEvent,
    TransportEventNoted,
)
from streams.shipment.lifecycle import Milestone
from streams.shipment.places import place_label


class TimelineKind(StrEnum):
    CREATED = "created"
    BOOKED = "booked"
    EXPECTED = "expected"
    MILESTONE = "milestone"
    TRANSPORT_EVENT = "transport_event"
    EXCEPTION_RAISED = "exception_raised"
    EXCEPTION_RESOLVED = "exception_resolved"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: TimelineKind
    description: str
    place: str | None  # UN/LOCODE
    source: str  # "api" or "edi:<partner id>"
    milestone: Milestone | None = None


MILESTONE_LABELS: dict[Milestone, str] = {
    Milestone.BOOKED: "Booked",
    Milestone.PICKED_UP: "Picked up",
    Milestone.DEPARTED: "Departed",
    Milestone.ARRIVED: "Arrived",
    Milestone.CUSTOMS: "Presented to customs",
    Milestone.RELEASED: "Released by customs",
    Milestone.DELIVERED: "Delivered",
}
EXPECTED_LABELS: dict[Milestone, str] = {
    Milestone.BOOKED: "Booking expected",
    Milestone.PICKED_UP: "Pickup expected",
    Milestone.DEPARTED: "Departure expected",
    Milestone.ARRIVED: "Arrival expected",
    Milestone.CUSTOMS: "Customs presentation expected",
    Milestone.RELEASED: "Customs release expected",
    Milestone.DELIVERED: "Delivery expected",
}
EXCEPTION_LABELS: dict[ExceptionKind, str] = {
    ExceptionKind.DELAY: "Delay",
    ExceptionKind.DAMAGE: "Damage",
    ExceptionKind.HOLD: "Hold",
}


def _at_place(description: str, place: str | None) -> str:
    return f"{description} at {place_label(place)}" if place else description


def timeline(events: Iterable[ShipmentEvent]) -> tuple[TimelineEntry, ...]:
    entries: list[TimelineEntry] = []
    latest_plans: dict[Milestone, TimelineEntry] = {}
    happened: set[Milestone] = set()
    for event in events:
        match event:
            case ShipmentCreated():
                description = f"Shipment {event.reference} created ({event.mode})"
                entries.append(TimelineEntry(event.created_at, TimelineKind.CREATED, description, None, event.source))
            case ShipmentBooked(carrier=carrier):
                scac = f" ({carrier.scac})" if carrier.scac else ""
                description = f"Booked with {carrier.name}{scac}, booking {event.booking_reference}"
                entries.append(
                    TimelineEntry(
                        event.booked_at, TimelineKind.BOOKED, description, None, event.source, Milestone.BOOKED
                    )
                )
                happened.add(Milestone.BOOKED)
            case MilestonePlanned(milestone=milestone):
                latest_plans[milestone] = TimelineEntry(
                    event.planned_at, TimelineKind.EXPECTED, EXPECTED_LABELS[milestone], None, event.source, milestone
                )
            case MilestoneReached(milestone=milestone):
                description = _at_place(MILESTONE_LABELS[milestone], event.place)
                if event.note:
                    description = f"{description}: {event.note}"
                entries.append(
                    TimelineEntry(
                        event.actual_at, TimelineKind.MILESTONE, description, event.place, event.source, milestone
                    )
                )
                happened.add(milestone)
            case TransportEventNoted():
                description = _at_place(event.description, event.place)
                entries.append(
                    TimelineEntry(
                        event.occurred_at, TimelineKind.TRANSPORT_EVENT, description, event.place, event.source
                    )
                )
            case ExceptionRaised():
                description = f"{EXCEPTION_LABELS[event.kind]} {event.exception_id} raised: {event.reason}"
                entries.append(
                    TimelineEntry(event.raised_at, TimelineKind.EXCEPTION_RAISED, description, None, event.source)
                )
            case ExceptionResolved():
                description = f"{EXCEPTION_LABELS[event.kind]} {event.exception_id} resolved: {event.resolution}"
                entries.append(
                    TimelineEntry(event.resolved_at, TimelineKind.EXCEPTION_RESOLVED, description, None, event.source)
                )
            case ShipmentCancelled():
                description = f"Cancelled: {event.reason}"
                entries.append(
                    TimelineEntry(event.cancelled_at, TimelineKind.CANCELLED, description, None, event.source)
                )
    entries.extend(plan for milestone, plan in latest_plans.items() if milestone not in happened)
    # sorted() is stable: entries at the same instant keep the order their events had.
    return tuple(sorted(entries, key=lambda entry: entry.at))
