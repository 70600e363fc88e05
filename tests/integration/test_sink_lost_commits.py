"""A sink whose store lost its last commits in a crash (the Postgres sink does not wait for the WAL's flush) applies
those records again: when the store is back, every assigned partition goes back to the positions the store still
has, not only the partitions of the batch that met the outage. Real Kafka; the store is a list in the test."""

from __future__ import annotations

import asyncio
import time

from aiokafka import TopicPartition

from sinks.records import SinkRecord
from sinks.runner import SinkRunner
from streams.registry import codec
from tests.integration.test_sink_group_commits import ListSink, new_topic, produce_events, running
from wellwon.config import Settings


class StoringSink(ListSink):
    """Stores its positions with what it applies, in one step, as the Postgres sink does."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[TopicPartition, int] = {}
        self.down = False

    async def positions(self) -> dict[TopicPartition, int] | None:
        return dict(self.stored)

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        if self.down:
            self.down = False
            raise ConnectionError("the store is restarting")
        self.applied.extend(records)
        self.stored.update(next_offsets)

    def crash_losing(self, tp: TopicPartition, from_offset: int) -> None:
        """The commits that applied `tp` from `from_offset` on are lost, their positions with them; the store is
        unavailable for the next apply."""
        self.applied = [
            r for r in self.applied if (r.topic, r.partition) != (tp.topic, tp.partition) or r.offset < from_offset
        ]
        self.stored[tp] = from_offset
        self.down = True

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, ConnectionError)


async def until_applied(sink: StoringSink, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(sink.applied) < count:
        assert time.monotonic() < deadline, f"{len(sink.applied)} of {count} records applied"
        await asyncio.sleep(0.05)


async def test_records_whose_commits_the_store_lost_are_applied_again(own_namespace: Settings) -> None:
    settings = own_namespace
    topic = await new_topic(settings, 2)
    quiet, busy = TopicPartition(topic, 1), TopicPartition(topic, 0)
    sink = StoringSink()
    runner = SinkRunner(sink, [topic], settings, codec(), commit_interval=3600)
    async with running(runner):
        await produce_events(settings, topic, 3, partition=busy.partition)
        await produce_events(settings, topic, 3, partition=quiet.partition)
        await until_applied(sink, 6)
        sink.crash_losing(quiet, 1)  # the quiet partition's last two records were in commits the crash lost
        # Only the busy partition's batch meets the outage.
        await produce_events(settings, topic, 1, partition=busy.partition)
        await until_applied(sink, 7)
        await asyncio.sleep(0.5)  # nothing more comes: no record applied twice
    applied = sorted((r.partition, r.offset) for r in sink.applied)
    assert applied == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2)]
    assert sink.stored == {busy: 4, quiet: 3}
