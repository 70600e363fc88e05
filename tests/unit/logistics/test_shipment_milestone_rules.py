"""Milestones, exceptions and cancellation, exactly: each refusal with its code, reason and field, and the time
limits at their boundary (a partner's clock may run an hour ahead; a milestone may share its predecessor's time)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from streams.decider import Rejection, RejectionCode
from streams.shipment.commands import CancelShipment, RaiseException, RecordMilestone, ShipmentCommand
from streams.shipment.details import ExceptionKind
from streams.shipment.events import ExceptionRaised, MilestoneReached
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from tests.unit.logistics.logistics_scenarios import DAY, HOUR, NOW, booked, in_transit, when

DEPARTED_AT = NOW - 7 * DAY  # in in_transit()
NAIVE = datetime(2026, 3, 1, 12, 0)
MILESTONES = "booked, picked_up, departed, arrived, customs, released, delivered"


def invalid(reason: str, field: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            RecordMilestone("teleported", NOW),  # type: ignore[arg-type]
            invalid(f"'teleported' is not one of: {MILESTONES}", "milestone"),
        ),
        (
            RecordMilestone(Milestone.BOOKED, NOW),
            invalid("the booked milestone is recorded by booking the shipment with its carrier", "milestone"),
        ),
        (RecordMilestone(Milestone.ARRIVED, NAIVE), invalid("actual_at must carry a time zone", "actual_at")),
        (
            RecordMilestone(Milestone.DEPARTED, NOW - 6 * DAY),
            Rejection(
                RejectionCode.ILLEGAL_STATE, f"departed was already recorded at {DEPARTED_AT.isoformat()}", "milestone"
            ),
        ),
        (
            RecordMilestone(Milestone.ARRIVED, NOW - HOUR, place="XXQQQ"),
            invalid("'XXQQQ' is not a UN/LOCODE: XX is not an ISO 3166 country code", "place"),
        ),
        (
            RecordMilestone(Milestone.ARRIVED, NOW - HOUR, note="n" * 501),
            invalid("note must be at most 500 characters", "note"),
        ),
        (
            RaiseException("E" * 36, ExceptionKind.DELAY, "late vessel"),
            invalid("exception_id must be at most 35 characters", "exception_id"),
        ),
        (
            RaiseException("E1", "lost", "gone"),  # type: ignore[arg-type]
            invalid("'lost' is not one of: delay, damage, hold", "kind"),
        ),
        (RaiseException("E1", ExceptionKind.DELAY, " "), invalid("reason is required", "reason")),
        (
            RaiseException("E1", ExceptionKind.DELAY, "late vessel", raised_at=NAIVE),
            invalid("raised_at must carry a time zone", "raised_at"),
        ),
        (CancelShipment(" "), invalid("reason is required", "reason")),
    ],
)
def test_a_refusal_names_the_rule_and_the_field(command: ShipmentCommand, expected: Rejection) -> None:
    assert when(in_transit(), command) == expected


def test_a_partner_s_clock_may_run_up_to_an_hour_ahead() -> None:
    at_the_limit = NOW + HOUR
    assert when(in_transit(), RecordMilestone(Milestone.ARRIVED, at_the_limit)) == [
        MilestoneReached(Milestone.ARRIVED, at_the_limit, ShipmentStatus.IN_TRANSIT, "api")
    ]
    beyond = at_the_limit + timedelta(seconds=1)
    assert when(in_transit(), RecordMilestone(Milestone.ARRIVED, beyond)) == invalid(
        f"arrived at {beyond.isoformat()} is in the future", "actual_at"
    )


def test_a_milestone_may_share_its_predecessor_s_time_but_not_precede_it() -> None:
    assert when(in_transit(), RecordMilestone(Milestone.ARRIVED, DEPARTED_AT)) == [
        MilestoneReached(Milestone.ARRIVED, DEPARTED_AT, ShipmentStatus.IN_TRANSIT, "api")
    ]
    earlier = DEPARTED_AT - timedelta(seconds=1)
    assert when(in_transit(), RecordMilestone(Milestone.ARRIVED, earlier)) == invalid(
        f"arrived at {earlier.isoformat()} is before departed at {DEPARTED_AT.isoformat()}", "actual_at"
    )


def test_an_exception_id_of_thirty_five_characters_is_accepted() -> None:
    longest = "E" * 35
    assert when(booked(), RaiseException(longest, ExceptionKind.DELAY, "late vessel")) == [
        ExceptionRaised(longest, ExceptionKind.DELAY, "late vessel", NOW, "api")
    ]
