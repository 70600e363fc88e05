"""A shipment's status lifecycle and milestones, stated as data.

    draft -> booked -> picked_up -> in_transit -> at_customs -> released -> delivered
    draft, booked -> cancelled
    in_transit -> delivered          (no customs: domestic moves, customs unions, clearance elsewhere)

Statuses move only by milestones (and cancellation). Each milestone's actual time moves the
shipment to the status `STATUS_AFTER` names; `arrived` moves nothing: the means of transport
reached the destination, but the goods are still in transit until customs or delivery. It may be
reported late, so it is accepted while in transit, at customs or released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ShipmentStatus(StrEnum):
    NONE = "none"  # not created yet
    DRAFT = "draft"
    BOOKED = "booked"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    AT_CUSTOMS = "at_customs"
    RELEASED = "released"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


S = ShipmentStatus
TRANSITIONS: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    S.DRAFT: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.PICKED_UP, S.CANCELLED}),
    S.PICKED_UP: frozenset({S.IN_TRANSIT}),
    S.IN_TRANSIT: frozenset({S.AT_CUSTOMS, S.DELIVERED}),
    S.AT_CUSTOMS: frozenset({S.RELEASED}),
    S.RELEASED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINISHED = frozenset({S.DELIVERED, S.CANCELLED})
# Before pickup the shipment's terms, parties and cargo may still change.
BEFORE_PICKUP = frozenset({S.DRAFT, S.BOOKED})


class Milestone(StrEnum):
    BOOKED = "booked"
    PICKED_UP = "picked_up"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    CUSTOMS = "customs"
    RELEASED = "released"
    DELIVERED = "delivered"


STATUS_AFTER: dict[Milestone, ShipmentStatus | None] = {
    Milestone.BOOKED: S.BOOKED,
    Milestone.PICKED_UP: S.PICKED_UP,
    Milestone.DEPARTED: S.IN_TRANSIT,
    Milestone.ARRIVED: None,
    Milestone.CUSTOMS: S.AT_CUSTOMS,
    Milestone.RELEASED: S.RELEASED,
    Milestone.DELIVERED: S.DELIVERED,
}
ARRIVAL_REPORTED_IN = frozenset({S.IN_TRANSIT, S.AT_CUSTOMS, S.RELEASED})
MILESTONE_ORDER: tuple[Milestone, ...] = tuple(Milestone)


@dataclass(frozen=True)
class MilestoneTimes:
    milestone: Milestone
    planned_at: datetime | None = None
    actual_at: datetime | None = None
    place: str | None = None  # UN/LOCODE where it happened


def transition_problem(current: ShipmentStatus, target: ShipmentStatus) -> str | None:
    """Why a shipment may not go from `current` to `target`, naming both, or None."""
    allowed = TRANSITIONS.get(current, frozenset())
    if target in allowed:
        return None
    options = ", ".join(sorted(s.value for s in allowed)) or "nothing, it is finished"
    return f"a shipment cannot go from {current} to {target} (from {current} it can go to: {options})"
