"""The EDI agent takes `edi.inbound` in order per partition, as the engine's agents take their commands: a jump in
offsets (records Faust fetched and dropped) is read again from the first missing one, never skipped; Faust itself
would take the jump for a gap of the topic's own and commit past the missing records."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from faust.types import TP

from streams.edi.agent import EdiAgent
from streams.engine import ContiguousOffsets
from tests.unit.faust_fakes import App, Event

TOPIC = "t.edi.inbound"


class Consumer:
    def __init__(self, committed: dict[TP, int]):
        self._committed_offset = committed  # Faust reads it from the group on assignment
        self._unacked_messages: set[Any] = set()  # what a rebalance waits for (Faust adds each record it delivers)
        self.seeks: list[tuple[TP, int]] = []

    def assignment(self) -> set[TP]:
        return set(self._committed_offset)

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


def record(partition: int, offset: int) -> Event:
    return Event(TOPIC, partition, offset)


def agent(committed: dict[TP, int]) -> EdiAgent:
    """The agent's taking of records only: no Faust app, no Kafka."""
    edi = EdiAgent.__new__(EdiAgent)
    edi.app = App(Consumer(committed))  # type: ignore[assignment]
    edi.inbound_topic = TOPIC
    edi.received, edi.arrived, edi.held_back = deque(), asyncio.Event(), set()
    edi.order = ContiguousOffsets(edi.app, [TOPIC], edi._committed, acknowledge_repeats=False, resting=edi.held_back)
    return edi


def queued(edi: EdiAgent) -> list[tuple[int, int]]:
    return [(e.message.partition, e.message.offset) for e in edi.received]


async def test_records_behind_a_jump_are_read_again_from_the_first_missing_one() -> None:
    edi = agent({TP(TOPIC, 0): 40, TP(TOPIC, 1): 7})
    await edi.take([record(0, 40), record(1, 7), record(0, 41)])  # type: ignore[list-item]
    behind = [record(0, 44), record(0, 45)]  # 42 and 43 were fetched and dropped
    await edi.take([*behind, record(1, 8)])  # type: ignore[list-item]
    assert queued(edi) == [(0, 40), (1, 7), (0, 41), (1, 8)]
    assert edi.app.consumer.seeks == [(TP(TOPIC, 0), 42)]  # type: ignore[attr-defined]
    assert [e.message.refcount for e in behind] == [1, 1]  # held: never acknowledged, so never committed past
    await edi.take([record(0, 42), record(0, 43), record(0, 44), record(0, 45)])  # type: ignore[list-item]
    assert queued(edi)[4:] == [(0, 42), (0, 43), (0, 44), (0, 45)]


async def test_a_partition_starts_where_the_group_committed_and_a_copy_is_not_handled_twice() -> None:
    edi = agent({TP(TOPIC, 0): 40})
    await edi.take([record(0, 43)])  # type: ignore[list-item]
    assert queued(edi) == [] and edi.app.consumer.seeks == [(TP(TOPIC, 0), 40)]  # type: ignore[attr-defined]
    await edi.take([record(0, 40), record(0, 41)])  # type: ignore[list-item]
    copy = record(0, 41)
    await edi.take([copy])  # type: ignore[list-item]
    assert queued(edi) == [(0, 40), (0, 41)]
    assert copy.message.refcount == 1  # left to its original's acknowledgement, which its round gives in order


async def test_a_rebalance_does_not_wait_for_the_records_whose_rounds_wait_for_outcomes() -> None:
    """Faust suspends the engine during a rebalance and waits for what its agents took: the rounds, waiting for
    shipment outcomes, ran out their time and were dead-lettered. Taken records are left out of what it waits for
    (they stay unacknowledged, hence uncommitted, until their round acknowledges them); held ones are not."""
    edi = agent({TP(TOPIC, 0): 40})
    taken, behind = [record(0, 40), record(0, 41)], record(0, 43)
    tracked = edi.app.consumer._unacked_messages  # type: ignore[attr-defined]
    tracked.update(e.message for e in [*taken, behind])
    await edi.take([*taken, behind])  # type: ignore[list-item]
    assert tracked == {behind.message}
    assert [e.message.refcount for e in taken] == [1, 1]
