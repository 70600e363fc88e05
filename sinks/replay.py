"""Rebuilds read models from the event topics: Kafka is the system of record.

Postgres: in one transaction, drop the read-model tables, recreate them, apply every event and
outcome from offset 0 up to the ends seen at the start, and store those positions; the live
sink, if running, waits on the locks and then carries on from the stored positions. A record that
cannot be applied does not stop the replay: as in the live sink, it (and the later events of its
aggregate) goes to the Postgres sink's dead-letter topic with the reason; so does a record that cannot be
decoded at all.
ClickHouse: drop and recreate the events table, then insert every event again.
All: the two at once, ClickHouse's in a process of its own (`replay_all`): each is bound by Python's one core.
Both read the next batch while the store applies this one, and report (records read, records in all)
to a progress callback: `wellwon replay` shows a bar with rate and ETA (`sinks.progress`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from psycopg import AsyncConnection

from sinks.clickhouse import (
    ANALYTICS_TABLES,
    ClickHouseSink,
    analytics_client,
    analytics_database,
    migrate_analytics,
)
from sinks.postgres.database import ensure_database, owner_dsn
from sinks.postgres.projection import Projection
from sinks.postgres.sink import PostgresSink, drop_read_models, schema_statements
from sinks.records import SinkRecord, decode_records
from sinks.runner import DeadLetters, Failed, Sink, send_dead_letters
from wellwon.collector import rare_collections
from wellwon.config import Settings
from wellwon.envelope import MessageCodec
from wellwon.topics import partitions_of, sink_dead_letter_topic

log = logging.getLogger("wellwon.replay")

BATCH_RECORDS = 5_000  # records per apply: one savepoint in Postgres, one insert per table in ClickHouse
T = TypeVar("T")


async def read_all(
    settings: Settings,
    codec: MessageCodec,
    topics: list[str],
    dead_letter: DeadLetters,
    progress: Callable[[int, int], None] | None = None,
) -> AsyncIterator[tuple[list[SinkRecord], dict[TopicPartition, int]]]:
    """Every readable record of the topics up to their current ends, in batches, with the next offsets.

    A record that cannot be decoded goes to `dead_letter` with the reason (as in the live sinks), and the
    replay goes on past it. `progress` hears (records read, records in all) after each batch."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        total, done = sum(ends[tp] - beginnings[tp] for tp in partitions), 0
        remaining = {tp for tp in partitions if ends[tp] > beginnings[tp]}
        for tp in partitions:
            if tp not in remaining:
                consumer.pause(tp)
        while remaining:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH_RECORDS)
            records = []
            next_offsets: dict[TopicPartition, int] = {}
            for tp, part in batches.items():
                part = [r for r in part if r.offset < ends[tp]]
                records += part
                if part:
                    next_offsets[tp] = part[-1].offset + 1
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)
            readable, unreadable = decode_records(codec, records)
            if unreadable:
                await dead_letter(list(unreadable))
            done += len(records)
            yield readable, next_offsets
            if progress is not None:
                progress(done, total)
    finally:
        await consumer.stop()


async def read_ahead(batches: AsyncIterator[T], depth: int = 2) -> AsyncIterator[T]:
    """The same batches, fetched and decoded up to `depth` ahead in a task of their own: the next batch is read
    while the stores work on this one."""
    queue: asyncio.Queue[tuple[T] | BaseException | None] = asyncio.Queue(maxsize=depth)

    async def fill() -> None:
        try:
            async for batch in batches:
                await queue.put((batch,))
            await queue.put(None)
        except BaseException as exc:  # handed to the reader, which raises it
            await queue.put(exc)

    task = asyncio.create_task(fill())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item[0]
        await task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def replay_postgres(
    settings: Settings,
    codec: MessageCodec,
    projections: tuple[Projection, ...],
    topics: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    await ensure_database(settings)
    sink = PostgresSink(settings, projections)
    applied = 0
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()

    async def dead_letter(failed: list[Failed]) -> None:
        await send_dead_letters(producer, codec, sink_dead_letter_topic(settings, sink.name), sink.name, failed)

    try:
        with rare_collections():
            applied = await _replay_postgres(settings, codec, projections, topics, sink, dead_letter, progress)
    finally:
        await producer.stop()
    log.info("postgres read models rebuilt", extra={"records": applied})
    return applied


async def apply_or_isolate(
    sink: Sink, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
) -> None:
    """The batch at once; if a record in it cannot be applied, record by record with dead letters."""
    try:
        await sink.apply(records, next_offsets)
    except Exception as exc:
        if sink.unavailable(exc):
            raise
        log.warning("replay batch holds a record that cannot be applied; isolating", extra={"error": repr(exc)})
        await sink.apply_isolating(records, next_offsets, dead_letter)


async def _replay_postgres(
    settings: Settings,
    codec: MessageCodec,
    projections: tuple[Projection, ...],
    topics: list[str],
    sink: PostgresSink,
    dead_letter: DeadLetters,
    progress: Callable[[int, int], None] | None,
) -> int:
    applied = 0
    async with await AsyncConnection.connect(owner_dsn(settings)) as conn:
        sink.conn = conn
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("SELECT pg_advisory_xact_lock(4242)")
            await drop_read_models(cur, projections)
            for statement in schema_statements(settings, projections):
                await cur.execute(statement)
            async for records, next_offsets in read_ahead(read_all(settings, codec, topics, dead_letter, progress)):
                await apply_or_isolate(sink, records, next_offsets, dead_letter)  # savepoints inside the replay
                applied += len(records)
        sink.conn = None
    return applied


async def replay_clickhouse(
    settings: Settings, codec: MessageCodec, topics: list[str], progress: Callable[[int, int], None] | None = None
) -> int:
    with rare_collections():
        return await _replay_clickhouse(settings, codec, topics, progress)


async def _replay_clickhouse(
    settings: Settings, codec: MessageCodec, topics: list[str], progress: Callable[[int, int], None] | None
) -> int:
    def drop() -> None:
        client = analytics_client(settings, database=None)
        try:
            for table in ANALYTICS_TABLES:  # the events and every fact table, rebuilt from the topics
                client.command(f"DROP TABLE IF EXISTS `{analytics_database(settings)}`.{table}")
        finally:
            client.close()

    await asyncio.to_thread(drop)
    await asyncio.to_thread(migrate_analytics, settings)
    sink = ClickHouseSink(settings)
    await sink.start()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()

    async def dead_letter(failed: list[Failed]) -> None:
        await send_dead_letters(producer, codec, sink_dead_letter_topic(settings, sink.name), sink.name, failed)

    applied = 0
    try:
        async for records, next_offsets in read_ahead(read_all(settings, codec, topics, dead_letter, progress)):
            await apply_or_isolate(sink, records, next_offsets, dead_letter)
            applied += len(records)
    finally:
        await producer.stop()
        await sink.stop()
    return applied


def replay_all(
    settings: Settings,
    codec: MessageCodec,
    projections: tuple[Projection, ...],
    events_topics: list[str],
    results_topics: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Postgres and ClickHouse rebuilt at once; the records each applied. Call it outside an event loop.

    Both replays spend most of their time in Python (decoding, folding, building rows), which runs on one core at a
    time; run one after the other they leave a core idle. So the ClickHouse replay runs in a forked process (it
    inherits the codec and the settings, nothing is pickled) while this one rebuilds Postgres. `progress` hears
    the two runs' records summed. If the Postgres replay fails, the ClickHouse one is stopped and the error raised;
    if the ClickHouse one fails, the Postgres replay still completes (one transaction) and then that failure is
    raised, with the child's traceback on stderr. A failed ClickHouse replay is simply run again.
    """
    context = multiprocessing.get_context("fork")
    clickhouse = context.Array("q", 3, lock=False)  # records read, records in all, records applied (set at the end)

    def rebuild_clickhouse() -> None:
        def report(done: int, total: int) -> None:
            clickhouse[0], clickhouse[1] = done, total

        clickhouse[2] = asyncio.run(replay_clickhouse(settings, codec, events_topics, report))

    child = context.Process(target=rebuild_clickhouse, name="wellwon-replay-clickhouse", daemon=True)
    child.start()
    postgres = [0, 0]

    def report(done: int, total: int) -> None:
        postgres[:] = done, total
        if progress is not None:
            progress(done + clickhouse[0], total + clickhouse[1])

    try:
        applied = asyncio.run(replay_postgres(settings, codec, projections, events_topics + results_topics, report))
        while child.is_alive():
            child.join(0.2)
            report(*postgres)
    except BaseException:
        child.terminate()
        child.join()
        raise
    if child.exitcode != 0:
        raise RuntimeError(f"the ClickHouse replay failed (exit code {child.exitcode}); its error is logged above")
    return applied, clickhouse[2]
