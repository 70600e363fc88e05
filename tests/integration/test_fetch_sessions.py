"""aiokafka's consumer in incremental fetch sessions (`wellwon.fetch_codec`), against the real broker: every record
read once and in order while records keep arriving, a seek back reads again, a paused partition resumes, and the
fetches after the first are incremental."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from wellwon import fetch_codec
from wellwon.config import Settings
from wellwon.fetch_codec import FetchSession
from wellwon.topics import TopicSpec, create_topics

PARTITIONS = 12


async def produce(settings: Settings, topic: str, first: int, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=0)
    await producer.start()
    try:
        for n in range(first, first + count):
            await producer.send_and_wait(topic, str(n).encode(), partition=n % PARTITIONS)
    finally:
        await producer.stop()


async def read(consumer: AIOKafkaConsumer, count: int, timeout: float = 60) -> dict[int, list[tuple[int, int]]]:
    """`count` records, as (offset, number) per partition."""
    got: dict[int, list[tuple[int, int]]] = {}
    deadline = time.monotonic() + timeout
    while sum(len(v) for v in got.values()) < count:
        assert time.monotonic() < deadline, f"{sum(len(v) for v in got.values())} of {count} records read"
        for tp, records in (await consumer.getmany(timeout_ms=200, max_records=7)).items():  # a few at a time
            got.setdefault(tp.partition, []).extend((r.offset, int(r.value or b"-1")) for r in records)
    return got


def sessions_of(consumer: AIOKafkaConsumer) -> list[FetchSession]:
    return list(consumer._fetcher.__dict__.get("_wellwon_fetch_sessions", {}).values())


async def test_a_consumer_in_fetch_sessions_reads_every_record_once_in_order(own_namespace: Settings) -> None:
    fetch_codec.install()
    settings = own_namespace
    topic = settings.name(f"sessions-{uuid.uuid4().hex[:8]}")
    await create_topics(settings, [TopicSpec(topic, PARTITIONS)])
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=100)
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # Records arrive while the consumer reads, in three waves: the session's partitions change position often.
        writer = asyncio.create_task(produce(settings, topic, 0, 600))
        got = await read(consumer, 600)
        await writer
        for partition, records in got.items():
            assert [offset for offset, _ in records] == list(range(len(records)))  # once each, in order
            assert [n for _, n in records] == [partition + PARTITIONS * i for i in range(len(records))]
        assert sum(len(v) for v in got.values()) == 600

        # A paused partition is left out of the session; resumed, it goes on from where it was.
        paused = partitions[3]
        consumer.pause(paused)
        await produce(settings, topic, 600, 24)
        while_paused = await read(consumer, 22)
        assert 3 not in while_paused
        consumer.resume(paused)
        assert (await read(consumer, 2))[3] == [(50, 603), (51, 615)]

        # A seek back is a changed position: the records from there are read again.
        consumer.seek(partitions[0], 10)
        again = await read(consumer, 42)
        assert again[0] == [(offset, PARTITIONS * offset) for offset in range(10, 52)]

        sessions = sessions_of(consumer)
        assert sessions and sum(s.incremental_fetches for s in sessions) > 10 * sum(s.full_fetches for s in sessions)
    finally:
        await consumer.stop()
