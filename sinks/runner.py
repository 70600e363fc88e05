"""The one consume loop every sink runs: fetch a batch, apply it, then record progress.

A sink either stores its Kafka positions itself, in the same transaction as its writes
(`positions()` returns them: exactly-once into that store), or lets the consumer group commit
after a successful apply (at-least-once; the sink's writes are idempotent). A failed apply is
retried from the last recorded position, so nothing is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord

from sinks.records import SinkRecord, decode_records
from streams.engine import dead_letter_value
from wellwon.config import Settings
from wellwon.envelope import DeadLetter, MessageCodec, now
from wellwon.topics import dead_letter_for

log = logging.getLogger("wellwon.sinks")

GATHER_LIMIT = 20_000  # records in one gathered apply at most


class Sink(Protocol):
    name: str
    # How long to gather records before one apply: 0 for live paths (pushes, the operational read
    # model); about a second for ClickHouse, where each insert makes a part that must be merged.
    gather_seconds: float

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def positions(self) -> dict[TopicPartition, int] | None:
        """Next offsets the sink has stored itself, or None to use the consumer group's."""

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None: ...


class SinkRunner:
    def __init__(self, sink: Sink, topics: list[str], settings: Settings, codec: MessageCodec):
        self.sink = sink
        self.topics = topics
        self.settings = settings
        self.codec = codec
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=self.settings.name(f"sink-{self.sink.name}"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=50,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        producer = AIOKafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap, acks="all")
        await self.sink.start()
        await producer.start()
        await consumer.start()
        consumer.subscribe(self.topics, listener=_SeekToStored(self, consumer))
        try:
            while not self._stopping.is_set():
                batches = await self._gather(consumer)
                if not batches:
                    continue
                records = [r for part in batches.values() for r in part]
                next_offsets = {tp: part[-1].offset + 1 for tp, part in batches.items()}
                try:
                    await self._apply(records, next_offsets, producer)
                except Exception:
                    log.exception("sink apply failed; retrying from stored positions", extra={"sink": self.sink.name})
                    await asyncio.sleep(1.0)
                    await self.seek_to_stored(consumer, set(batches), first_fetched=batches)
                    continue
                await consumer.commit(next_offsets)
        finally:
            await consumer.stop()
            await producer.stop()
            await self.sink.stop()

    async def _gather(self, consumer: AIOKafkaConsumer) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        batches = await consumer.getmany(timeout_ms=200, max_records=2000)
        if not batches or self.sink.gather_seconds <= 0:
            return batches
        deadline = asyncio.get_running_loop().time() + self.sink.gather_seconds
        gathered = sum(len(part) for part in batches.values())
        while gathered < GATHER_LIMIT and (left := deadline - asyncio.get_running_loop().time()) > 0:
            more = await consumer.getmany(timeout_ms=max(1, int(left * 1000)), max_records=2000)
            for tp, part in more.items():
                batches.setdefault(tp, []).extend(part)
                gathered += len(part)
        return batches

    async def seek_to_stored(
        self,
        consumer: AIOKafkaConsumer,
        partitions: set[TopicPartition],
        first_fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] | None = None,
    ) -> None:
        stored = await self.sink.positions()
        for tp in partitions:
            if stored is not None:
                consumer.seek(tp, stored.get(tp, 0))
            elif first_fetched and tp in first_fetched:
                consumer.seek(tp, first_fetched[tp][0].offset)
            # else: the consumer group's committed position stands

    async def _apply(
        self,
        records: list[ConsumerRecord[bytes, bytes]],
        next_offsets: dict[TopicPartition, int],
        producer: AIOKafkaProducer,
    ) -> None:
        readable, unreadable = decode_records(self.codec, records)
        for record, reason in unreadable:
            letter = DeadLetter(record.topic, record.partition, record.offset, record.key, record.value, reason, now())
            await producer.send_and_wait(
                dead_letter_for(record.topic), dead_letter_value(self.codec, letter), key=record.key
            )
            log.warning("unreadable record dead-lettered", extra={"topic": record.topic, "offset": record.offset})
        await self.sink.apply(readable, next_offsets)


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """On every assignment, start from the positions the sink stored (if it stores them)."""

    def __init__(self, runner: SinkRunner, consumer: AIOKafkaConsumer):
        self.runner = runner
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.runner.seek_to_stored(self.consumer, set(assigned))
