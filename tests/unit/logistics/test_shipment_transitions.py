"""Every (from, to) pair of shipment statuses: allowed exactly when the business rule says so.

The rule is restated here in words and code of its own, not read from `TRANSITIONS`, so a wrong
entry in the table (e.g. at_customs -> delivered) fails these tests instead of agreeing with them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import pytest

from streams.decider import Rejection, RejectionCode
from streams.shipment.commands import BookShipment, CancelShipment, RecordMilestone, ShipmentCommand
from streams.shipment.decider import shipment_decider
from streams.shipment.events import ShipmentCancelled, ShipmentEvent
from streams.shipment.lifecycle import Milestone, ShipmentStatus, transition_problem
from tests.unit.logistics.logistics_scenarios import (
    DAY,
    HOUR,
    NOW,
    booked,
    context,
    drafted,
    in_transit,
    maersk,
    reached,
)

S = ShipmentStatus
# The business rule: a shipment goes one step at a time along its route to delivery ...
ROUTE = ("draft", "booked", "picked_up", "in_transit", "at_customs", "released", "delivered")
# ... may skip customs when there is none on the way (domestic, customs union, cleared elsewhere) ...
NO_CUSTOMS = ("in_transit", "delivered")
# ... and may be cancelled only before the goods are picked up. Delivered and cancelled are final.
CANCELLABLE = ("draft", "booked")


def allowed_by_the_business(current: str, target: str) -> bool:
    one_step_on = any(ROUTE[i : i + 2] == (current, target) for i in range(len(ROUTE) - 1))
    return one_step_on or (current, target) == NO_CUSTOMS or (target == "cancelled" and current in CANCELLABLE)


def test_the_rule_itself_refuses_delivery_straight_from_customs() -> None:
    assert not allowed_by_the_business("at_customs", "delivered")
    assert allowed_by_the_business("released", "delivered")


@pytest.mark.parametrize(("current", "target"), list(product(S, S)))
def test_the_table_allows_a_pair_exactly_when_the_business_does(current: S, target: S) -> None:
    problem = transition_problem(current, target)
    if allowed_by_the_business(current.value, target.value):
        assert problem is None
    else:
        assert problem is not None
        assert f"from {current} to {target}" in problem


# Histories ending in each status; milestone times a day apart, all in the past.
def _picked_up() -> list[ShipmentEvent]:
    return [*booked(), reached(Milestone.PICKED_UP, NOW - 8 * DAY, S.PICKED_UP, "DEHAM")]


def _at_customs() -> list[ShipmentEvent]:
    return [*in_transit(), reached(Milestone.CUSTOMS, NOW - 6 * DAY, S.AT_CUSTOMS, "CNSHA")]


def _released() -> list[ShipmentEvent]:
    return [*_at_customs(), reached(Milestone.RELEASED, NOW - 5 * DAY, S.RELEASED, "CNSHA")]


def _delivered() -> list[ShipmentEvent]:
    return [*_released(), reached(Milestone.DELIVERED, NOW - 4 * DAY, S.DELIVERED, "CNSHA")]


def _cancelled() -> list[ShipmentEvent]:
    return [*booked(), ShipmentCancelled(reason="customer withdrew", cancelled_at=NOW - 8 * DAY, source="api")]


HISTORIES: dict[S, Callable[[], list[ShipmentEvent]]] = {
    S.DRAFT: drafted,
    S.BOOKED: booked,
    S.PICKED_UP: _picked_up,
    S.IN_TRANSIT: in_transit,
    S.AT_CUSTOMS: _at_customs,
    S.RELEASED: _released,
    S.DELIVERED: _delivered,
    S.CANCELLED: _cancelled,
}
# Every command that may move a shipment's status, each with the status it asks for.
MOVES: dict[S, ShipmentCommand] = {
    S.BOOKED: BookShipment(carrier=maersk(), booking_reference="MAEU999001"),
    S.PICKED_UP: RecordMilestone(milestone=Milestone.PICKED_UP, actual_at=NOW - HOUR),
    S.IN_TRANSIT: RecordMilestone(milestone=Milestone.DEPARTED, actual_at=NOW - HOUR),
    S.AT_CUSTOMS: RecordMilestone(milestone=Milestone.CUSTOMS, actual_at=NOW - HOUR),
    S.RELEASED: RecordMilestone(milestone=Milestone.RELEASED, actual_at=NOW - HOUR),
    S.DELIVERED: RecordMilestone(milestone=Milestone.DELIVERED, actual_at=NOW - HOUR),
    S.CANCELLED: CancelShipment(reason="customer withdrew"),
}


def test_every_status_has_a_history() -> None:
    for status, history in HISTORIES.items():
        assert shipment_decider.fold(history()).status is status


@pytest.mark.parametrize(("current", "target"), list(product(HISTORIES, MOVES)))
def test_the_decider_moves_a_shipment_exactly_when_the_business_allows(current: S, target: S) -> None:
    state = shipment_decider.fold(HISTORIES[current]())
    decision = shipment_decider.decide(state, MOVES[target], context())
    if allowed_by_the_business(current.value, target.value):
        assert not isinstance(decision, Rejection), decision
        assert shipment_decider.fold(HISTORIES[current]() + list(decision)).status is target
    else:
        assert isinstance(decision, Rejection), f"{current} -> {target} was accepted: {decision}"
        assert decision.code is RejectionCode.ILLEGAL_STATE, decision
