"""The one consume loop every sink runs: fetch a batch, apply it, then record progress.

A sink either stores its Kafka positions itself, in the same transaction as its writes
(`positions()` returns them: exactly-once into that store), or lets the consumer group commit
after a successful apply (at-least-once; the sink's writes are idempotent). The group's commits
are made at most once per `COMMIT_INTERVAL_SECONDS` (and on revocation and stop): a commit per
batch was a broker round trip between every apply and the next fetch, and at a few dozen events
a second most of the Kafka requests of the sinks. A crash re-applies at most that interval's
records, which idempotent writes absorb (the stored positions are unaffected).

No record may stop a sink. A failed apply is told apart by the sink: its store is unavailable
(connection lost, deadlock...): retried from the last recorded position with backoff, for as long
as it takes, since nothing is wrong with the records; or something in the batch cannot be applied:
retried a few times with backoff, then applied in isolation (halving the batch's aggregates until the
bad ones are found, then record by record), and each record that still fails goes to the sink's
dead-letter topic with the reason before progress is recorded, while every other aggregate flows on.
`wellwon deadletters replay <topic>` sends the letters back to their topic once the cause is fixed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from sinks.records import SinkRecord, decode_records
from wellwon.config import Settings
from wellwon.envelope import DeadLetter, MessageCodec, now
from wellwon.topics import PROMPT_FETCH_WAIT_MS, never_fetch_around_untaken, sink_dead_letter_topic

log = logging.getLogger("wellwon.sinks")

# Records in one apply at most, as far as the consumer holds them: only a backlog (a sink catching up) fills it.
# Then a projection folds more events of an aggregate into each write of its state: in the projection benchmark
# 10,000 against 2,000 took Postgres 0.80 s of CPU against 1.45 s, the sink 1.22 s against 1.79 s.
FETCH_RECORDS = 10_000
GATHER_LIMIT = 20_000  # records in one gathered apply at most
GATHER_FETCH_MIN_BYTES = 1024 * 1024  # a gathering sink's fetch is answered early once this much has come
RECORD_FAULT_RETRIES = 3  # applies of a failing batch before it is isolated
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 30.0
COMMIT_INTERVAL_SECONDS = 1.0  # the consumer group's commits, at most this often (see the module's docstring)

Failed = tuple[SinkRecord, str]  # a record the sink could not apply, and why
DeadLetters = Callable[[list[Failed]], Awaitable[None]]


class RawRecord(Protocol):
    """Where a record was and its bytes: a consumed record or a decoded `SinkRecord`."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...


class RecordFault(Exception):
    """Raised by a sink for a record it will never apply as it stands (no retry helps)."""


class Sink(Protocol):
    name: str  # also names its dead-letter topic (wellwon.topics.SINK_DEAD_LETTER_TOPICS)
    # How long to gather records before one apply: 0 for live paths (pushes, the operational read
    # model); about a second for ClickHouse, where each insert makes a part that must be merged.
    gather_seconds: float

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def positions(self) -> dict[TopicPartition, int] | None:
        """Next offsets the sink has stored itself, or None to use the consumer group's."""

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None: ...

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        """Apply what can be applied; hand each record that cannot to `dead_letter` before progress is stored."""

    def unavailable(self, error: BaseException) -> bool:
        """Whether the error says the sink's store is unavailable (retry later), not that a record is bad."""


def by_aggregate(records: Iterable[SinkRecord]) -> list[list[SinkRecord]]:
    """The records grouped per aggregate, each group in record order, groups in order of first record."""
    groups: dict[tuple[str, str], list[SinkRecord]] = {}
    for record in records:
        groups.setdefault((record.envelope.aggregate_type, record.envelope.aggregate_id), []).append(record)
    return list(groups.values())


def fault_reason(record: SinkRecord, error: BaseException) -> str:
    return f"{type(error).__name__}: {error}; {record.describe()}"


async def isolate(
    records: list[SinkRecord],
    attempt: Callable[[list[SinkRecord]], Awaitable[None]],
    unavailable: Callable[[BaseException], bool],
) -> list[Failed]:
    """Apply what can be applied and return the records that still fail, with the reason.

    The aggregates are halved until each half applies (a few attempts find a bad aggregate among thousands),
    then a failing aggregate is applied record by record. `attempt` must leave nothing behind when it raises
    (a savepoint, or writes that are idempotent). An unavailable store is no record's fault: that error
    propagates and the batch is retried whole.
    """
    failed: list[Failed] = []

    async def applied(group: list[SinkRecord]) -> bool:
        try:
            await attempt(group)
            return True
        except Exception as exc:
            if unavailable(exc):
                raise
            return False

    async def settle(groups: list[list[SinkRecord]]) -> None:
        if len(groups) > 1:
            half = len(groups) // 2
            for part in (groups[:half], groups[half:]):
                if not await applied([r for group in part for r in group]):
                    await settle(part)
            return
        for record in groups[0]:
            try:
                await attempt([record])
            except Exception as exc:
                if unavailable(exc):
                    raise
                failed.append((record, fault_reason(record, exc)))

    groups = by_aggregate(records)
    # The whole batch was tried by the caller; one aggregate's records are tried together once more.
    if len(groups) > 1 or (groups and (len(groups[0]) == 1 or not await applied(groups[0]))):
        await settle(groups)
    return failed


def fetch_pace(sink: Sink) -> dict[str, int]:
    """How the sink's consumer fetches: a live sink at once; a gathering one lets the broker gather for it (an answer
    when `GATHER_FETCH_MIN_BYTES` have come or its gathering time has passed), not one fetch per record meanwhile:
    at 50 commands/s the ClickHouse sink's consumer made ~50 fetches a second to insert once."""
    if sink.gather_seconds > 0:
        return {"fetch_max_wait_ms": int(sink.gather_seconds * 1000), "fetch_min_bytes": GATHER_FETCH_MIN_BYTES}
    return {"fetch_max_wait_ms": PROMPT_FETCH_WAIT_MS, "fetch_min_bytes": 1}


def backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2**attempt))


class SinkRunner:
    def __init__(
        self,
        sink: Sink,
        topics: list[str],
        settings: Settings,
        codec: MessageCodec,
        commit_interval: float = COMMIT_INTERVAL_SECONDS,
    ):
        self.sink = sink
        self.commit_interval = commit_interval
        self.topics = topics
        self.settings = settings
        self.codec = codec
        self.dead_letter_topic = sink_dead_letter_topic(settings, sink.name)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=self.settings.name(f"sink-{self.sink.name}"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            **fetch_pace(self.sink),
        )
        producer = AIOKafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap, acks="all")
        await self.sink.start()
        await producer.start()
        await consumer.start()
        never_fetch_around_untaken(consumer)  # each batch takes every record fetched (max_records permitting)
        commits = GroupCommits(consumer, self.commit_interval)
        consumer.subscribe(self.topics, listener=_SeekToStored(self, consumer, commits))
        outages = 0
        try:
            while not self._stopping.is_set():
                await commits.when_due()
                batches = await self._gather(consumer)
                if not batches:
                    continue
                records = [r for part in batches.values() for r in part]
                next_offsets = {tp: part[-1].offset + 1 for tp, part in batches.items()}
                try:
                    await self.apply(records, next_offsets, producer)
                except Exception as exc:
                    # Only an unavailable store gets here: retried from the stored positions until it is back.
                    log.warning(
                        "sink store unavailable; retrying from stored positions",
                        extra={"sink": self.sink.name, "error": repr(exc), "retry_in": backoff(outages)},
                    )
                    await asyncio.sleep(backoff(outages))
                    outages += 1
                    # Every assigned partition, not only this batch's: a store that lost its last commits in a
                    # crash (the Postgres sink does not wait for the WAL's flush) lost their positions with them.
                    await self.seek_to_stored(consumer, consumer.assignment(), first_fetched=batches)
                    continue
                outages = 0
                commits.applied(next_offsets)
            await commits.now()
        finally:
            await consumer.stop()
            await producer.stop()
            await self.sink.stop()

    async def apply(
        self,
        records: list[ConsumerRecord[bytes, bytes]],
        next_offsets: dict[TopicPartition, int],
        producer: AIOKafkaProducer,
    ) -> None:
        """Apply a batch; raises only when the sink's store is unavailable."""
        readable, unreadable = decode_records(self.codec, records)
        for record, reason in unreadable:
            await self.send_dead_letters(producer, [(record, reason)])
        for attempt in range(RECORD_FAULT_RETRIES):
            try:
                await self.sink.apply(readable, next_offsets)
                return
            except RecordFault as exc:
                log.warning("a record no retry helps", extra={"sink": self.sink.name, "error": str(exc)})
                break  # no retry helps
            except Exception as exc:
                if self.sink.unavailable(exc):
                    raise
                log.warning(
                    "sink apply failed; retrying the batch",
                    extra={"sink": self.sink.name, "attempt": attempt + 1, "error": repr(exc)},
                )
                await asyncio.sleep(backoff(attempt))

        async def dead_letter(failed: list[Failed]) -> None:
            await self.send_dead_letters(producer, failed)

        await self.sink.apply_isolating(readable, next_offsets, dead_letter)

    async def send_dead_letters(self, producer: AIOKafkaProducer, failed: Sequence[tuple[RawRecord, str]]) -> None:
        await send_dead_letters(producer, self.codec, self.dead_letter_topic, self.sink.name, failed)

    async def _gather(self, consumer: AIOKafkaConsumer) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        batches = await consumer.getmany(timeout_ms=200, max_records=FETCH_RECORDS)
        if not batches or self.sink.gather_seconds <= 0:
            return batches
        deadline = asyncio.get_running_loop().time() + self.sink.gather_seconds
        gathered = sum(len(part) for part in batches.values())
        while gathered < GATHER_LIMIT and (left := deadline - asyncio.get_running_loop().time()) > 0:
            more = await consumer.getmany(timeout_ms=max(1, int(left * 1000)), max_records=FETCH_RECORDS)
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


async def send_dead_letters(
    producer: AIOKafkaProducer,
    codec: MessageCodec,
    topic: str,
    sink: str,
    failed: Sequence[tuple[RawRecord, str]],
) -> None:
    """Each failed record, with its reason, on the sink's dead-letter topic (acknowledged before returning)."""
    deliveries = []
    for record, reason in failed:
        letter = DeadLetter(record.topic, record.partition, record.offset, record.key, record.value, reason, now())
        deliveries.append(await producer.send(topic, codec.dead_letter_value(letter), key=record.key))
        log.error(
            "record dead-lettered",
            extra={"sink": sink, "topic": record.topic, "partition": record.partition, "offset": record.offset,
                   "reason": reason, "dead_letter_topic": topic},
        )  # fmt: skip
    for delivery in deliveries:
        await delivery


class GroupCommits:
    """The positions applied since the consumer group's last commit, committed when `COMMIT_INTERVAL_SECONDS` has
    passed (checked before each fetch, so also when idle), when partitions are revoked and when the sink stops."""

    def __init__(self, consumer: AIOKafkaConsumer, interval: float = COMMIT_INTERVAL_SECONDS):
        self.consumer = consumer
        self.interval = interval
        self.pending: dict[TopicPartition, int] = {}
        self.last = time.monotonic()

    def applied(self, next_offsets: dict[TopicPartition, int]) -> None:
        self.pending.update(next_offsets)

    async def when_due(self) -> None:
        if self.pending and time.monotonic() - self.last >= self.interval:
            await self.now()

    async def now(self, partitions: set[TopicPartition] | None = None) -> None:
        offsets = {tp: o for tp, o in self.pending.items() if partitions is None or tp in partitions}
        for tp in offsets:
            del self.pending[tp]
        self.last = time.monotonic()
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except KafkaError as exc:  # e.g. a rebalance under way: the records are re-applied, idempotently
            log.warning("consumer group commit failed", extra={"error": repr(exc), "partitions": len(offsets)})


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """On every assignment, start from the positions the sink stored (if it stores them); before a revocation,
    commit what was applied of the partitions going, so that their next owner starts there."""

    def __init__(self, runner: SinkRunner, consumer: AIOKafkaConsumer, commits: GroupCommits):
        self.runner = runner
        self.consumer = consumer
        self.commits = commits

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.commits.now(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.runner.seek_to_stored(self.consumer, set(assigned))


async def apply_each_aggregate(sink: Sink, records: list[SinkRecord], dead_letter: DeadLetters) -> None:
    """`apply_isolating` for a sink whose writes are idempotent and not transactional (ClickHouse, pushes)."""
    await dead_letter(await isolate(records, lambda group: sink.apply(group, {}), sink.unavailable))
