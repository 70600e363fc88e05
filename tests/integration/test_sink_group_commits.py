"""A sink's consumer group commits what was applied at most once per interval, when idle too, and on revocation
and stop: not once per batch (`sinks.runner.GroupCommits`). Real Kafka; the sink is a list in the test."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from sinks.records import SinkRecord
from sinks.runner import DeadLetters, GroupCommits, SinkRunner
from streams.registry import codec
from tests.integration.test_sink_dead_letters import event_value, registered
from wellwon.config import Settings
from wellwon.topics import TopicSpec, create_topics


class ListSink:
    """Keeps what it is given; positions are the consumer group's, as ClickHouse's and the pushes' are. Named as the
    push sink is (a sink's name picks its dead-letter topic), in a namespace of its own."""

    name = "push"
    gather_seconds = 0.0

    def __init__(self) -> None:
        self.applied: list[SinkRecord] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def positions(self) -> dict[TopicPartition, int] | None:
        return None

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        self.applied.extend(records)

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        await self.apply(records, next_offsets)

    def unavailable(self, error: BaseException) -> bool:
        return False


async def new_topic(settings: Settings, partitions: int) -> str:
    topic = settings.name(f"sink-commits-{uuid.uuid4().hex[:8]}")
    await create_topics(settings, [TopicSpec(topic, partitions)])
    return topic


async def produce_events(settings: Settings, topic: str, count: int, partition: int = 0) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for i in range(count):
            aggregate = str(uuid.uuid4())
            _, value = event_value(aggregate, 1, registered("commits", f"n{i}"))
            await producer.send_and_wait(topic, value, key=aggregate.encode(), partition=partition)
    finally:
        await producer.stop()


async def committed(settings: Settings, group: str, tp: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(tp)
        return offset
    finally:
        await consumer.stop()


@asynccontextmanager
async def running(runner: SinkRunner) -> AsyncIterator[None]:
    task = asyncio.create_task(runner.run())
    try:
        yield
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)


async def produced_and_applied(settings: Settings, sink: ListSink, topic: str, count: int, timeout: float = 60) -> None:
    await produce_events(settings, topic, count)
    deadline = time.monotonic() + timeout
    while len(sink.applied) < count:
        assert time.monotonic() < deadline, f"{len(sink.applied)} of {count} records applied"
        await asyncio.sleep(0.05)


async def list_sink_on_a_new_topic(
    settings: Settings, commit_interval: float
) -> tuple[ListSink, SinkRunner, str, TopicPartition]:
    """A runner of a `ListSink` over a new one-partition topic; its consumer group; the partition."""
    topic = await new_topic(settings, 1)
    sink = ListSink()
    runner = SinkRunner(sink, [topic], settings, codec(), commit_interval=commit_interval)
    return sink, runner, settings.name(f"sink-{sink.name}"), TopicPartition(topic, 0)


async def test_applied_records_are_committed_on_stop_and_not_before_the_interval(own_namespace: Settings) -> None:
    settings = own_namespace
    sink, runner, group, tp = await list_sink_on_a_new_topic(settings, commit_interval=60)  # never due in the test
    async with running(runner):
        await produced_and_applied(settings, sink, tp.topic, 3)
        await asyncio.sleep(0.5)  # a commit per batch would have been made by now
        assert await committed(settings, group, tp) is None
    assert await committed(settings, group, tp) == 3


async def test_an_idle_sink_commits_what_it_applied_once_the_interval_has_passed(own_namespace: Settings) -> None:
    settings = own_namespace
    sink, runner, group, tp = await list_sink_on_a_new_topic(settings, commit_interval=0.5)
    async with running(runner):
        await produced_and_applied(settings, sink, tp.topic, 2)
        deadline = time.monotonic() + 15
        while (offset := await committed(settings, group, tp)) != 2:  # no record comes after these
            assert time.monotonic() < deadline, f"committed {offset}, not 2"
            await asyncio.sleep(0.2)
        assert [r.offset for r in sink.applied] == [0, 1]  # each applied once


async def test_a_revocation_commits_only_the_partitions_going(own_namespace: Settings) -> None:
    settings = own_namespace
    topic = await new_topic(settings, 2)
    group = settings.name(f"commits-{uuid.uuid4().hex[:6]}")
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    staying, going = TopicPartition(topic, 0), TopicPartition(topic, 1)
    try:
        consumer.assign([staying, going])
        commits = GroupCommits(consumer, interval=3600)
        commits.applied({staying: 4, going: 7})
        commits.applied({going: 9})
        await commits.when_due()  # not due: nothing committed
        await commits.now({going})
        assert await committed(settings, group, going) == 9
        assert await committed(settings, group, staying) is None
        assert commits.pending == {staying: 4}  # still to be committed with the next due commit
    finally:
        await consumer.stop()
