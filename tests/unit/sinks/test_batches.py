"""The Postgres sink's batches without a database: what each aggregate's position admits, and per projection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from sinks.postgres.batch import ParkedAggregate, Position, admit, per_projection
from sinks.postgres.projection import Projection
from sinks.records import SinkRecord
from wellwon.envelope import EVENT, Envelope


def event(aggregate_type: str, aggregate: str, version: int, offset: int = 0) -> SinkRecord:
    envelope = Envelope(
        str(uuid.uuid4()), EVENT, "c", None, "t", "a", datetime(2026, 1, 1, tzinfo=UTC), aggregate_type, aggregate,
        version, f"{aggregate_type}.Happened", 1, b"",
    )  # fmt: skip
    return SinkRecord(f"{aggregate_type}.events", 0, offset, envelope, f"{aggregate}v{version}")


def versions(records: list[SinkRecord]) -> list[tuple[str, int]]:
    return [(r.envelope.aggregate_id, r.envelope.aggregate_version) for r in records]


def test_new_aggregates_take_every_event_and_end_at_their_last_version() -> None:
    admitted, ends = admit({}, [event("shipment", "a", 1), event("shipment", "b", 1), event("shipment", "a", 2)])
    assert versions(admitted) == [("a", 1), ("b", 1), ("a", 2)]
    assert ends == {("shipment", "a"): 2, ("shipment", "b"): 1}


def test_events_at_or_below_the_stored_version_are_skipped_as_applied_already() -> None:
    stored = {("shipment", "a"): Position(2)}
    records = [event("shipment", "a", 1), event("shipment", "a", 2), event("shipment", "a", 3)]
    admitted, ends = admit(stored, records)
    assert versions(admitted) == [("a", 3)] and ends == {("shipment", "a"): 3}


def test_a_duplicate_inside_the_batch_is_applied_once() -> None:
    admitted, _ = admit({}, [event("shipment", "a", 1), event("shipment", "a", 1), event("shipment", "a", 2)])
    assert versions(admitted) == [("a", 1), ("a", 2)]


def test_the_same_id_in_two_domains_is_two_aggregates() -> None:
    admitted, ends = admit({("shipment", "x"): Position(5)}, [event("shipment", "x", 1), event("warehouse", "x", 1)])
    assert [r.envelope.aggregate_type for r in admitted] == ["warehouse"]
    assert ends == {("warehouse", "x"): 1}


def test_a_parked_aggregate_refuses_later_events_until_its_parked_one_comes_back() -> None:
    parked = {("shipment", "a"): Position(3, parked_at=4)}
    with pytest.raises(ParkedAggregate, match="waits for its event v4"):
        admit(parked, [event("shipment", "a", 5)])
    # The parked event itself (its dead letter replayed) goes through and the ones after it follow.
    admitted, ends = admit(parked, [event("shipment", "a", 4), event("shipment", "a", 5)])
    assert versions(admitted) == [("a", 4), ("a", 5)] and ends == {("shipment", "a"): 5}
    # What was applied before the parked event is still skipped.
    assert admit(parked, [event("shipment", "a", 3)]) == ([], {})


async def nothing(cur: Any, envelope: Envelope, message: Any) -> None:
    return None


def projection(domain: str) -> Projection:
    return Projection(domain=domain, ddl=(), tables=(), apply=nothing)


def test_each_projection_gets_its_domain_s_events_in_order_and_the_audit_gets_all() -> None:
    shipments, warehouses, audit = projection("shipment"), projection("warehouse"), projection("*")
    records = [event("warehouse", "w", 1), event("shipment", "a", 1), event("ledger", "l", 1),
               event("shipment", "b", 1), event("warehouse", "w", 2)]  # fmt: skip
    grouped = per_projection(records, {"shipment": shipments, "warehouse": warehouses}, [audit])
    assert [(p.domain, [m for _, m in applied]) for p, applied in grouped] == [
        ("warehouse", ["wv1", "wv2"]),
        ("shipment", ["av1", "bv1"]),
        ("*", ["wv1", "av1", "lv1", "bv1", "wv2"]),  # an event without a projection of its own is audited too
    ]
    assert per_projection([], {"shipment": shipments}, [audit]) == []
