"""The one Faust agent loop every domain runs: read, dedupe, decide, emit, reply.

Per domain: an agent on `<domain>.commands` (key = aggregate id) and a table of aggregates
(changelog `<app>-<domain>-aggregates-changelog`, compacted). Commands are taken in small
batches; for each, the aggregate's record gives its state, its version and the outcomes of its
recent commands (so a repeated command id gets the first outcome and emits nothing). The worker
keeps the records it decoded between batches (`streams.aggregates.AggregateCache`, dropped on
rebalance) and encodes only what changed in them. Events and
outcomes of the whole batch are produced and acknowledged by the broker *before* the new
aggregate records are written to the table, and offsets are committed only after that (Faust
flushes the producer before committing). A crash at any point therefore re-runs commands whose
effects were not all recorded; decide is pure and event ids derive from the command id, so the
re-run emits the same events with the same ids, which the idempotent sinks apply once.

The engine is generic: what a command does to its aggregate is the pure `streams.step.step`; the
domains are passed in, and other agents (EDI) are registered by the worker on the app made here.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, cast

import faust
from faust.types import TP

from streams.aggregates import AggregateCache, AggregateStore, KeptAggregate, record_version
from streams.batching import batches
from streams.domain import Domain
from streams.local_store import ROCKSDB, KeyPartitionedRocksStore, store_url, worker_folder
from streams.monitor import QuietMonitor
from streams.step import AggregateRecord, Step, step
from wellwon.config import LOCAL_DIR, Settings
from wellwon.envelope import (
    COMMAND,
    CommandOutcome,
    DeadLetter,
    Envelope,
    MessageCodec,
    UnreadableRecord,
    event_fields,
    now,
    outcome_fields,
)
from wellwon.partitioner import RememberingPartitioner
from wellwon.topics import dead_letter_for, streams_app_id

log = logging.getLogger("wellwon.streams")

BATCH_SIZE = 500
BATCH_WINDOW_SECONDS = 0.005
# How often a partition's progress is checked for records fetched and never delivered (`ContiguousOffsets`).
STALL_CHECK_SECONDS = 2.0
RESEEK_SECONDS = 2.0  # a jump met again within this of seeking its partition back there is the rest of a fetch
# How long records Faust handed over make a partition without progress count as slow rather than stalled. Its
# queues hold at most STREAMS_BUFFER_RECORDS per agent, which the slowest agent here works off in a few seconds.
HANDED_OVER_TRUST_SECONDS = 10.0


class AggregateTable(faust.Table):  # type: ignore[misc]
    """A Faust table whose changelog partition is the partition of the command that changed the key.

    Faust would take the partition of the stream's *current* event, which in a batch spanning
    partitions is the last event's, not necessarily this key's.
    """

    _writing_partition: int | None = None

    def _new_store_by_url(self, url: Any) -> Any:
        if str(url).startswith(ROCKSDB.removesuffix("//")):  # Faust keeps it as the URL "rocksdb:"
            return KeyPartitionedRocksStore(
                url, self.app, self, table_name=self.name, key_type=self.key_type,
                key_serializer=self.key_serializer, value_serializer=self.value_serializer,
                value_type=self.value_type, loop=self.loop, options=self.options,
            )  # fmt: skip
        return super()._new_store_by_url(url)

    async def write(self, key: bytes, value: bytes, partition: int) -> Awaitable[Any]:
        """The record into the local store and, under the same partition, to the changelog; its delivery.

        What `self[key] = value` does, without Faust's per-write machinery (a `FutureMessage` queued to a
        background sender, a callback per record writing the changelog offset into RocksDB): a fifth of the
        worker's time in `benchmarks.engine_bench`'s profile. The producer is the app's, so Faust's flush before
        every offset commit still waits for these records. The offset each partition's store has persisted (where
        its recovery reads the changelog from) is written once per acknowledged round, not once per record; it
        only ever lags, which makes a recovery read a little more of the changelog, never less.
        """
        self._writing_partition = partition
        try:
            self.data[key] = value
        finally:
            self._writing_partition = None
        sent = await self.app.producer.send(self._changelog_name, key, value, partition, None, None)
        delivery = cast("asyncio.Future[Any]", sent)  # aiokafka's future of the record's metadata
        delivery.add_done_callback(functools.partial(self._acknowledged, partition))
        return delivery

    @functools.cached_property
    def _changelog_name(self) -> str:
        return str(self.changelog_topic.get_topic_name())

    @functools.cached_property
    def _acked(self) -> dict[int, int]:
        return {}  # partition -> the highest changelog offset acknowledged and not yet persisted

    def _acknowledged(self, partition: int, delivery: asyncio.Future[Any]) -> None:
        if delivery.cancelled():
            return
        if (error := delivery.exception()) is not None:  # after the producer's retries; as Faust's callback did
            log.error("changelog record not written", extra={"partition": partition, "error": repr(error)})
            return  # its offset is not persisted
        acked = self._acked
        if not acked:
            asyncio.get_running_loop().call_soon(self._persist_offsets)  # once for the deliveries acked together
        offset = delivery.result().offset
        if offset > acked.get(partition, -1):
            acked[partition] = offset

    def _persist_offsets(self) -> None:
        acked = self._acked
        for partition, offset in acked.items():
            self.data.set_persisted_offset(TP(self._changelog_name, partition), offset)
        acked.clear()

    def partition_for_key(self, key: Any) -> int | None:
        if self._writing_partition is not None:
            return self._writing_partition
        partition: int | None = super().partition_for_key(key)
        return partition

    @staticmethod
    def replaces(key: bytes, local: bytes, replayed: bytes) -> bool:
        """Whether a changelog record replayed in recovery replaces the local one: unless it is older.

        Aggregates and positions only move forward, so the newer is the higher version or offset. On a tie the
        changelog's is kept (it may lack an outcome remembered locally, of a command that changed nothing). Another
        agent's bookkeeping in the table (the EDI agent's interchange logs and attempts, keys starting with NUL too)
        has no version: the changelog's is kept, as Faust keeps it (a log older than the local one makes an
        interchange handled again, which its commands' ids and the partner's recorded offsets make harmless)."""
        if key.startswith(OFFSET_KEY_PREFIX):
            return int(replayed) >= int(local)
        if key.startswith(BOOKKEEPING_KEY_PREFIX):
            return True
        return record_version(replayed) >= record_version(local)


# Cannot collide with an aggregate id (ids are UUIDs or other printable text).
BOOKKEEPING_KEY_PREFIX = b"\x00"
OFFSET_KEY_PREFIX = BOOKKEEPING_KEY_PREFIX + b"next-offset:"


def offset_key(partition: int) -> bytes:
    return OFFSET_KEY_PREFIX + b"%d" % partition


class _HandedOffsets(dict[Any, Any]):
    """Faust's read offsets. Faust's own reads find every partition not read yet, so it drops no record (see
    `_order_offsets_in_the_engine`); what it records, the offset of the last record it handed to the agents' queues
    (or a seek's), is kept for the stall check (`_handed_over`, through `get`) until those queues are emptied
    (`_forget_handed_over_when_queues_clear`)."""

    def __getitem__(self, key: Any) -> None:
        return None


def _handed_offsets(consumer: Any) -> _HandedOffsets:
    offsets: _HandedOffsets | None = consumer.__dict__.get("_handed_offsets")
    if offsets is None:
        offsets = consumer.__dict__["_handed_offsets"] = _HandedOffsets()
    return offsets


def _order_offsets_in_the_engine() -> None:
    """Leave the order of each partition's records to `ContiguousOffsets` alone; Faust's own two rules lose records.

    - Faust assumes a jump in offsets comes from compaction or transaction markers and counts the skipped
      offsets as acknowledged. On the platform's command topics a jump can only mean records Faust dropped
      (see `DomainAgent.in_order`), which must not be committed.
    - Faust drops a fetched record whose offset is below the highest it has delivered. After the engine seeks
      a partition back to its first missing offset, the rest of a fetch made before the seek still arrives and
      raises that mark again, so the records read again from the seek's offset were dropped: after a kill -9
      a partition could stop until new commands came (seen here in 2 of 27 runs of the kill -9 test).
      `ContiguousOffsets` acknowledges a record below what it expects without handling it twice.

    And one of aiokafka's: after a recovery Faust seeks the stream partitions to their committed offsets, which
    aiokafka skips for a partition with none. Records fetched there while Faust held the partitions during the
    recovery were dropped and never read again: with a changelog long enough to recover for a while, a new
    partition's first commands got no outcome at all (the recovery benchmark's probe, at 200,000 aggregates). Such
    a partition is now read from its beginning, which is what `auto_offset_reset="earliest"` promised.

    And a race of Faust's: it seeks aiokafka's consumer from the main thread while that consumer fetches in its own
    thread, where handing out a fetched batch ends by moving the position past it. A seek landing meanwhile was
    undone, and the partition stayed at its end, the records to re-read never read (the kill -9 test, now and then
    on CI). The seek now runs in the consumer's thread, between its fetches.
    """
    from aiokafka.errors import IllegalStateError
    from faust.transport.consumer import Consumer, ThreadDelegateConsumer

    async def no_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        return None

    async def perform_seek(self: Any) -> None:
        committed = await self.seek_to_committed()
        self._committed_offset.update({tp: offset for tp, offset in committed.items() if offset})
        changelogs = self.app.tables.changelog_topics
        never = [tp for tp, offset in committed.items() if not offset and tp.topic not in changelogs]
        if never:
            earliest = await self.earliest_offsets(*never)
            await self.seek_wait({tp: earliest[tp] for tp in never if tp in earliest})

    async def seek_in_its_thread(self: Any, partition: Any, offset: int) -> None:
        try:
            await self._thread.call_thread(self._thread.seek, partition, offset)
        except IllegalStateError:  # revoked meanwhile: its next owner resumes from the stored offset
            log.info("seek of a partition no longer assigned", extra={"partition": str(partition)})

    Consumer._add_gap = no_gap  # type: ignore[method-assign]
    ThreadDelegateConsumer._seek = seek_in_its_thread  # type: ignore[method-assign]
    Consumer._read_offset = property(_handed_offsets, lambda self, value: None)  # type: ignore[assignment]
    Consumer.perform_seek = perform_seek  # type: ignore[method-assign]


def _forget_handed_over_when_queues_clear(app: faust.App) -> None:
    """Faust empties the agents' queues whenever its flow control resumes (`FlowControlEvent.resume` clears them),
    which it does several times in each recovery after a rebalance. The records in them are gone, unacknowledged,
    and the read offsets that placed them on their way to an agent say nothing more: forgotten with them. Until
    this, a partition whose records were dropped so waited, taken for slow, until a new command came (the kill -9
    of one of two workers: 2 minutes, in about one run of four; a partition at 45, its read offset 60, its end 61)."""
    flow_control = app.flow_control
    if getattr(flow_control, "forgets_handed_over", False):
        return
    clear = flow_control.clear

    def clear_and_forget() -> None:
        clear()
        _read_offsets(app.consumer).clear()

    flow_control.clear = clear_and_forget  # type: ignore[method-assign]
    flow_control.forgets_handed_over = True  # type: ignore[attr-defined]


# How long a fetch waits at the broker for records (Faust's is 1.5 s). aiokafka sends a partition's next fetch only
# after the fetch in flight returns, and that one left out the partition whose records were then being handled:
# with the busy partitions' records handled and the rest idle, their next records waited up to this long (engine
# stage p99 ~1.6 s at 200 commands/s on one aggregate in `benchmarks.engine_bench`). The price: an idle worker
# fetches 1 / this times a second, 0.08 of a core here against 0.01 with Faust's wait.
FETCH_MAX_WAIT_MS = 50


def _fetch_promptly() -> None:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    create = AIOKafkaConsumerThread._create_worker_consumer
    if getattr(create, "fetches_promptly", False):
        return

    def create_worker_consumer(self: Any, transport: Any) -> Any:
        consumer = create(self, transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer

    create_worker_consumer.fetches_promptly = True  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]


class ContiguousOffsets:
    """Admits a batch's events only where they continue their partition without a gap, in order.

    Faust can drop fetched records when a seek races a fetch at start-up (seen here after a kill -9:
    offsets 7..9 of a partition never reached the agent) and then commit past them. The platform's
    command and event topics have contiguous offsets (not compacted, no transactions), so a jump
    means loss: the events after it are held back unacknowledged and the partition is re-read from
    the first missing offset. Events below the next expected offset were handled by this worker
    already (their effects are recorded) and are acknowledged without rework. What is expected is
    forgotten on every rebalance; `stored` gives where a partition resumes (None: its first event).

    An agent that acknowledges its events later than its batch (the EDI agent's rounds) passes
    `acknowledge_repeats=False`: a copy below the expected offset is then held unacknowledged, since its original
    may still be running and Faust keys acknowledgements by offset (the original's stands for both). `resting`: the
    partitions such an agent does not fetch on purpose (its queue is full); those are not stalled.
    """

    def __init__(
        self,
        app: faust.App,
        topics: Collection[str],
        stored: Callable[[str, int], int | None],
        acknowledge_repeats: bool = True,
        resting: Collection[Any] = (),
    ):
        self.app = app
        self.topics = frozenset(topics)
        self.stored = stored
        self.acknowledge_repeats = acknowledge_repeats
        self.resting = resting
        self.next_offsets: dict[tuple[str, int], int] = {}
        self.checked: dict[tuple[str, int], int] = {}  # what each partition expected at the last stall check
        # What each partition expects, and since when (its last progress as the stall check saw it).
        self.waiting: dict[tuple[str, int], tuple[int, float]] = {}
        # Each partition's last seek back: to which offset, when, and whether on a jump (else by the stall check).
        self.sought: dict[tuple[str, int], tuple[int, float, bool]] = {}
        self.clock: Callable[[], float] = time.monotonic
        app.on_partitions_revoked.connect(self._forget)
        app.on_partitions_assigned.connect(self._forget)
        app.timer(STALL_CHECK_SECONDS)(self.resume_stalled)
        _forget_handed_over_when_queues_clear(app)

    async def _forget(self, *args: Any, **kwargs: Any) -> None:
        self.next_offsets.clear()
        self.checked.clear()
        self.waiting.clear()
        self.sought.clear()

    async def resume_stalled(self, *_: Any) -> None:
        """Re-reads a partition whose fetched records never reached the agent while nothing came behind them.

        Faust drops what remains of a fetch when a rebalance or its flow control interrupts handing it out
        (`Consumer.getmany` leaves its loop), and aiokafka's position is past those records by then. `admit` sees
        the gap at the partition's next record; when the dropped ones were the partition's last, none came and the
        partition waited for new commands (the kill -9 of one of two workers, under load, in about one run of
        ten: a partition's last 36 commands never answered). A partition whose end (its highwater, from the last
        fetch) is past the offset it expects, and that expected the same offset at the previous check, is sought
        back to it. If the records were only slow, they are read twice; the copies below what is expected are
        acknowledged without rework. Records Faust has handed to the agent past the expected one (its read offset
        is beyond it) are on their way, not dropped: under load such a partition is slow, not stalled, and is left
        alone (it was sought back up to a few times a run). That holds only once the agent took a record since the
        assignment: before that Faust's read offset is where the group committed, which may be past the stored one.
        Nor, once, after a seek back on a jump to the offset it still expects: the rest of the fetch before the seek
        sets the read offset past it again, so it says nothing of the records sought. Nor once Faust emptied the
        agents' queues (`_forget_handed_over_when_queues_clear`): the records it had handed over are gone. Both
        were seen right after rebalances: the check took the partition for slow, and its commands waited until a
        new one came, two minutes, in about one run of four of the kill -9 of one of two workers. Nor, last, for
        longer than HANDED_OVER_TRUST_SECONDS without progress or a seek back, in case records leave Faust's queues
        by some other path."""
        app, consumer = self.app, self.app.consumer
        if app.rebalancing or app.in_recovery:
            self.checked.clear()
            self.waiting.clear()
            return
        now = self.clock()
        checked: dict[tuple[str, int], int] = {}
        waiting: dict[tuple[str, int], tuple[int, float]] = {}
        for tp in consumer.assignment():
            where = (tp.topic, tp.partition)
            if tp.topic not in self.topics or tp in self.resting:
                continue
            expected = self.next_offsets.get(where)
            if expected is not None:
                waiting[where] = waited = self._waiting(where, expected, now)
                if _handed_over(consumer, tp, expected) and self._trusted(where, waited, now):
                    continue
            if expected is None and (expected := self.stored(*where)) is None:
                continue
            checked[where] = expected
            end = consumer.highwater(tp)
            if self.checked.get(where) == expected and end is not None and end > expected:
                log.warning(
                    "records fetched but not delivered: re-reading partition",
                    extra={
                        "topic": tp.topic,
                        "partition": tp.partition,
                        "expected": expected,
                        "end": end,
                        "handed_over": _read_offsets(consumer).get(tp),
                    },
                )
                await consumer.seek(tp, expected)
                self.sought[where] = (expected, now, False)
        self.checked = checked
        self.waiting = waiting

    def _waiting(self, where: tuple[str, int], expected: int, now: float) -> tuple[int, float]:
        """`expected` and since when the partition expects it (now, if it expected another offset at the last check)."""
        last = self.waiting.get(where)
        return last if last is not None and last[0] == expected else (expected, now)

    def _trusted(self, where: tuple[str, int], waiting: tuple[int, float], now: float) -> bool:
        """Whether Faust's read offset past the expected offset still stands for records on their way to the agent:
        not after a seek back on a jump to it (`_unconfirmed`), nor once the partition waited
        HANDED_OVER_TRUST_SECONDS since its last progress or seek back."""
        expected, since = waiting
        if self._unconfirmed(where, expected):
            return False
        if (last := self.sought.get(where)) is not None:
            since = max(since, last[1])
        return now - since < HANDED_OVER_TRUST_SECONDS

    def _unconfirmed(self, where: tuple[str, int], expected: int) -> bool:
        """Whether the partition's last seek back was on a jump, to `expected`: the one case where Faust's read offset
        past `expected` says nothing. Once the check sought it again, that seek is the last: a partition whose
        records wait behind others would otherwise be sought back again at every other check."""
        last = self.sought.get(where)
        return last is not None and last[0] == expected and last[2]

    async def _read_again(self, message: Any, expected: int) -> None:
        """Seek the partition back to `expected`, unless it was sought there a moment ago.

        What Faust fetched before a seek still reaches the agent after it, batch by batch (up to its stream
        buffer), each past the offset sought: seeking again for each of them read the partition again and again
        (436 seeks in 3.5 s once, on `edi.inbound`) before the records sought came. Held unacknowledged meanwhile,
        as any record past a jump. A seek that did not take is made again after RESEEK_SECONDS.
        """
        where = (message.topic, message.partition)
        now = self.clock()
        last = self.sought.get(where)
        if last is not None and last[0] == expected and now - last[1] < RESEEK_SECONDS:
            return
        self.sought[where] = (expected, now, True)
        log.warning(
            "offset gap: re-reading partition",
            extra={"topic": message.topic, "partition": message.partition, "expected": expected, "got": message.offset},
        )
        await self.app.consumer.seek(message.tp, expected)

    async def admit(self, batch: list[faust.EventT[bytes]]) -> list[faust.EventT[bytes]]:
        admitted: list[faust.EventT[bytes]] = []
        rewound: set[tuple[str, int]] = set()
        for event in batch:
            message = event.message
            where, offset = (message.topic, message.partition), message.offset
            expected = self.next_offsets.get(where)
            if expected is None:
                stored = self.stored(*where)
                expected = stored if stored is not None else offset
            if where in rewound or offset > expected:
                message.incref()  # keeps the batch loop from acknowledging what was not handled
                if where not in rewound:
                    rewound.add(where)
                    await self._read_again(message, expected)
                self.next_offsets[where] = expected
                continue
            if offset == expected:
                admitted.append(event)
                self.next_offsets[where] = offset + 1
            elif not self.acknowledge_repeats:
                message.incref()  # a copy: left to its original's acknowledgement
        return admitted


def _read_offsets(consumer: Any) -> dict[TP, int | None]:
    """Faust's read offsets (`_HandedOffsets` in a worker)."""
    offsets: dict[TP, int | None] = consumer._read_offset
    return offsets


def _handed_over(consumer: Any, tp: TP, expected: int) -> bool:
    """Whether Faust has handed the agents a record of the partition past `expected` (its read offset)."""
    read = _read_offsets(consumer).get(tp)
    return read is not None and read > expected


class DomainAgent:
    """Runs one domain's decider over its commands topic."""

    def __init__(self, app: faust.App, domain: Domain, settings: Settings, codec: MessageCodec, cache: AggregateCache):
        self.app = app
        self.domain = domain
        self.codec = codec
        self.store = AggregateStore(domain)
        self.cache = cache
        self.events_topic = settings.name(domain.events_topic)
        self.results_topic = settings.name(domain.results_topic)
        self.dead_letter_topic = dead_letter_for(settings.name(domain.commands_topic))
        self.commands = app.topic(
            settings.name(domain.commands_topic),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
        )
        self.table: AggregateTable = app.tables.add(  # type: ignore[assignment]
            AggregateTable(
                app,
                name=domain.aggregates_table,
                default=None,
                beacon=app.tables.beacon,
                # bytes in, bytes out: the store and the changelog use the "raw" codec (JSON otherwise).
                key_type=bytes,
                value_type=bytes,
                partitions=settings.partitions,
            )
        )
        # Next offset to handle per partition of the commands topic; mirrored into the table (so
        # it survives restarts with the aggregates).
        self.order = ContiguousOffsets(app, [self.commands.get_topic_name()], self._stored_offset)
        self.next_offsets = self.order.next_offsets
        app.on_partitions_revoked.connect(self._revoked)
        app.on_partitions_assigned.connect(self._assigned)
        app.agent(self.commands, name=f"{domain.name}-commands")(self.run)

    async def _revoked(self, *args: Any, **kwargs: Any) -> None:
        # Sent as (app, revoked). Another worker may write these partitions' aggregates from now on.
        revoked: set[Any] = args[1]
        mine = {self.commands.get_topic_name(), self.table.changelog_topic.get_topic_name()}
        self.cache.revoke((self.domain.aggregates_table, tp.partition) for tp in revoked if tp.topic in mine)

    async def _assigned(self, *args: Any, **kwargs: Any) -> None:
        self.cache.rebalanced()

    def _stored_offset(self, topic: str, partition: int) -> int | None:
        stored = self.table.get(offset_key(partition))
        return int(stored) if stored is not None else None

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        async for batch in batches(stream, BATCH_SIZE, BATCH_WINDOW_SECONDS):
            await self.handle_batch(batch)

    async def handle_batch(self, batch: list[faust.EventT[bytes]]) -> None:
        generation = self.cache.generation
        working: dict[bytes, KeptAggregate] = {}
        partitions: dict[bytes, int] = {}
        deliveries: list[Awaitable[Any]] = []
        for event in await self.in_order(batch):
            key = event.key if isinstance(event.key, bytes) else None
            message = event.message
            try:
                if key is None:
                    raise UnreadableRecord("record has no key (the aggregate id)")
                envelope, command = self.codec.decode(message.value)
                if envelope.kind != COMMAND or envelope.aggregate_id.encode() != key:
                    raise UnreadableRecord("not a command for the aggregate named by the record key")
                if envelope.aggregate_type != self.domain.name:
                    raise UnreadableRecord(f"a {envelope.aggregate_type} command on the {self.domain.name} topic")
            except UnreadableRecord as exc:
                deliveries.append(await self.dead_letter(message, str(exc)))
                continue
            kept = working.get(key) or self.kept(key)
            _, sent = await self.handle_command(key, kept.record, envelope, command, message)
            deliveries += sent
            working[key] = kept
            partitions[key] = message.partition
        for delivery in deliveries:
            await delivery
        # Every aggregate the batch touched, repeated commands included: a command comes back only after a crash,
        # and with RocksDB the local record may then be ahead of the changelog (the worker died between the
        # local write and the changelog's acknowledgement); writing it again puts it into the changelog, which
        # another worker taking the partition over would otherwise rebuild without it.
        for key in working:
            await self.table.write(key, self.store.encode(working[key]), partitions[key])
        topic = self.commands.get_topic_name()
        for partition in {event.message.partition for event in batch}:
            if (topic, partition) in self.next_offsets:
                await self.table.write(
                    offset_key(partition), str(self.next_offsets[topic, partition]).encode(), partition
                )
        for key, kept in working.items():
            self.cache.put(self.domain.aggregates_table, key, partitions[key], kept, generation)

    def kept(self, key: bytes) -> KeptAggregate:
        """The aggregate as this worker last wrote it, else decoded from the table."""
        return self.cache.take(self.domain.aggregates_table, key) or self.store.kept(self.table.get(key))

    async def in_order(self, batch: list[faust.EventT[bytes]]) -> list[faust.EventT[bytes]]:
        return await self.order.admit(batch)

    async def handle_command(
        self, key: bytes, record: AggregateRecord, envelope: Envelope, command: Any, message: Any
    ) -> tuple[Step, list[Awaitable[Any]]]:
        done = step(self.domain.decider, record, envelope, command)
        deliveries: list[Awaitable[Any]] = []
        if done.failure is not None:
            log.error(
                "decide failed",
                extra={"command_id": envelope.message_id, "domain": self.domain.name, "reason": done.failure},
            )
            deliveries.append(await self.dead_letter(message, done.failure))
        for emitted in done.events:
            _, value = self.codec.encode(
                event_fields(envelope, emitted.event_id, emitted.aggregate_version), emitted.event
            )
            deliveries.append(await self.app.producer.send(self.events_topic, key, value, None, None, None))
        deliveries.append(await self.reply(key, envelope, done.outcome))
        return done, deliveries

    async def reply(self, key: bytes, command: Envelope, outcome: CommandOutcome) -> Awaitable[Any]:
        _, value = self.codec.encode(outcome_fields(command, outcome), outcome)
        return await self.app.producer.send(self.results_topic, key, value, None, None, None)

    async def dead_letter(self, message: Any, reason: str) -> Awaitable[Any]:
        log.warning(
            "command dead-lettered",
            extra={"topic": message.topic, "partition": message.partition, "offset": message.offset, "reason": reason},
        )
        letter = DeadLetter(
            source_topic=message.topic,
            source_partition=message.partition,
            source_offset=message.offset,
            key=message.key if isinstance(message.key, bytes) else None,
            value=message.value if isinstance(message.value, bytes) else None,
            reason=reason,
            failed_at=now(),
        )
        return await self.app.producer.send(
            self.dead_letter_topic, message.key, self.codec.dead_letter_value(letter), None, None, None
        )


def create_app(settings: Settings, domains: tuple[Domain, ...], codec: MessageCodec) -> faust.App:
    _order_offsets_in_the_engine()
    _fetch_promptly()
    app_id = streams_app_id(settings)
    # Tables on local disk (RocksDB) by default: a restarted worker reads only the changelog's tail.
    store = store_url(os.environ.get("STREAMS_STORE", ROCKSDB))
    datadir = worker_folder(LOCAL_DIR / "streams-data", app_id, os.environ.get("STREAMS_WORKER_NAME", "worker-1"))
    app = faust.App(
        app_id,
        datadir=str(datadir),
        broker=f"kafka://{settings.kafka_bootstrap}",
        store=store,
        topic_partitions=settings.partitions,
        topic_allow_declare=False,  # topics come from wellwon.topics, with explicit configs
        topic_disable_leader=True,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=0.5,
        producer_linger=0.002,
        producer_acks=-1,
        producer_partitioner=RememberingPartitioner(),  # murmur2 once per key, not per event and outcome
        stream_buffer_maxsize=settings.stream_buffer_records,
        table_standby_replicas=0,
        # A killed worker's partitions move to its replacement once the session times out.
        broker_session_timeout=float(os.environ.get("STREAMS_SESSION_TIMEOUT_SECONDS", "10")),
        broker_heartbeat_interval=1.0,
        monitor=QuietMonitor(),  # Faust's default keeps statistics of every record that nothing here reads
    )
    cache = AggregateCache(settings.aggregate_cache_size)
    app.domain_agents = [DomainAgent(app, domain, settings, codec, cache) for domain in domains]  # type: ignore[attr-defined]
    return app
