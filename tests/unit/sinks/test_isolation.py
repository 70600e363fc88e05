"""The sinks' isolation of records they cannot apply, without Kafka or a store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from sinks.records import SinkRecord
from sinks.runner import by_aggregate, isolate
from wellwon.envelope import EVENT, Envelope


def record(aggregate: str, version: int, offset: int) -> SinkRecord:
    envelope = Envelope(
        str(uuid.uuid4()), EVENT, "c", None, "t", "a", datetime(2026, 1, 1, tzinfo=UTC), "toy", aggregate, version,
        "toy.Happened", 1, b"",
    )  # fmt: skip
    return SinkRecord("toy.events", 0, offset, envelope, None)


class Unavailable(Exception):
    pass


class Store:
    """Applies records unless one is marked bad; raises `Unavailable` when marked down."""

    def __init__(self, bad: set[int], down: bool = False):
        self.bad, self.down = bad, down
        self.applied: list[int] = []

    async def attempt(self, group: list[SinkRecord]) -> None:
        if self.down:
            raise Unavailable("connection refused")
        if any(r.offset in self.bad for r in group):
            raise ValueError("text with NUL")
        self.applied += [r.offset for r in group]


RECORDS = [record("a", 1, 0), record("b", 1, 1), record("a", 2, 2), record("c", 1, 3), record("b", 2, 4)]


def test_records_are_grouped_per_aggregate_in_order() -> None:
    assert [[r.offset for r in g] for g in by_aggregate(RECORDS)] == [[0, 2], [1, 4], [3]]


async def test_only_the_failing_record_is_left_out_and_named() -> None:
    store = Store(bad={4})
    failed = await isolate(RECORDS, store.attempt, lambda e: isinstance(e, Unavailable))
    assert sorted(store.applied) == [0, 1, 2, 3]
    assert [(r.offset, reason.split(";")[0]) for r, reason in failed] == [(4, "ValueError: text with NUL")]
    assert "toy b v2" in failed[0][1] and failed[0][0].envelope.message_id in failed[0][1]


async def test_an_unavailable_store_is_no_record_s_fault() -> None:
    with pytest.raises(Unavailable):
        await isolate(RECORDS, Store(bad=set(), down=True).attempt, lambda e: isinstance(e, Unavailable))


async def test_a_bad_aggregate_among_many_is_found_by_halving_not_one_attempt_per_aggregate() -> None:
    many = [record(f"agg-{n}", 1, n) for n in range(1024)]
    store = Store(bad={700})
    attempts = 0

    async def counted(group: list[SinkRecord]) -> None:
        nonlocal attempts
        attempts += 1
        await store.attempt(group)

    failed = await isolate(many, counted, lambda e: isinstance(e, Unavailable))
    assert [r.offset for r, _ in failed] == [700]
    assert sorted(store.applied) == [n for n in range(1024) if n != 700]
    assert attempts <= 2 * 10 + 1  # two halves per level of a 1024-aggregate tree, then the one record


async def test_an_aggregate_s_records_after_its_bad_one_are_each_tried_and_reported_in_order() -> None:
    store = Store(bad={2, 4})
    failed = await isolate(RECORDS, store.attempt, lambda e: isinstance(e, Unavailable))
    assert sorted(store.applied) == [0, 1, 3]
    assert [r.offset for r, _ in failed] == [2, 4]
