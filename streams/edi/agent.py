"""The EDI agent: partners' raw EDIFACT interchanges on `edi.inbound` become shipment commands.

`edi.inbound` is keyed by partner id, like `edi_partner.commands`, and has as many partitions, so
Faust gives one worker the same partitions of both: the agent reads the partner's settings from
the `edi_partner` aggregates table, and keeps its own bookkeeping (`streams.edi.handling`) in the
same table under keys no aggregate id can take, so it shares that compacted changelog.

Per batch of records: read each submission, find its partner, parse and map (pure, with the
shipment index brought up to date first: `shipment_index`), skip an interchange applied before
(dead-letter it as a conflict when its control reference comes back with other content), and send
the shipment commands (key = shipment id, actor
"edi:<partner>", the partner's tenant, claim `edi_partner`). Then wait for their outcomes on the
shipment results topic (a NOT_FOUND there is the "unknown shipment" case), and per interchange
record the result: on `edi.results`, as an `InterchangeRecorded` event of the partner (read model,
analytics, pushes), and, unless everything applied, the record itself on `edi.inbound.deadletter`
with the reason, for `wellwon deadletters replay` after a fix. The bookkeeping is written only
after all of that was acknowledged, so a crash re-runs the batch under the same command ids.

A round's results reach the partner as one `RecordInterchanges` command per partner (not one command each),
naming each result's `edi.inbound` offset; the partner skips the offsets it has recorded (`streams.edi_partner.
offsets`), so a round run again after a crash, grouped otherwise, records only what it had not.

Nothing waits one round trip per message: a batch's commands are all handed to the producer before
any outcome is awaited, up to ROUNDS_IN_FLIGHT batches wait for their outcomes while the next ones
are read and sent, a round's results and dead letters are all handed over before any delivery is
awaited, and its bookkeeping is one table write per key, after all of those deliveries.

The agent never stops taking records from Faust while it waits: the outcomes it waits for come from this worker's
engine, whose commands Faust delivers through the same loop, and that loop blocks on a full stream buffer. Records
go at once to the agent's own queue, which is what is bounded (RECEIVED_LIMIT, by not fetching `edi.inbound`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import faust
import orjson
from aiokafka import AIOKafkaConsumer
from faust.types import TP

from streams.batching import batches
from streams.edi.errors import EdiError
from streams.edi.handling import (
    ACCEPTED,
    REJECTED,
    UNANSWERED,
    Answer,
    InterchangeLog,
    Submission,
    content_hash,
    interchange_reason,
    message_result,
    read_submission,
)
from streams.edi.interchange import InterchangeId
from streams.edi.mapping import translate_interchange
from streams.edi.partners import TradingPartner
from streams.edi.requests import ShipmentCommandRequest
from streams.edi.shipment_index import ShipmentIndexReader
from streams.edi_partner.commands import InboundResult, RecordInterchange, RecordInterchanges
from streams.edi_partner.decider import EdiPartner
from streams.edi_partner.domain import EDI_PARTNER
from streams.edi_partner.events import InterchangeResult, MessageResult, ResultStatus, UnknownStatus
from streams.engine import BOOKKEEPING_KEY_PREFIX, ContiguousOffsets
from streams.shipment.decider import EDI_PARTNER_CLAIM
from streams.shipment.domain import SHIPMENT
from wellwon.config import Settings
from wellwon.envelope import CommandOutcome, DeadLetter, MessageCodec, command_fields, now
from wellwon.topics import dead_letter_for, prompt_reader

if TYPE_CHECKING:
    from streams.engine import DomainAgent

log = logging.getLogger("wellwon.streams.edi")

BATCH_SIZE = 500
BATCH_WINDOW_SECONDS = 0.05
ROUNDS_IN_FLIGHT = 4  # rounds awaiting outcomes while the next batch is read and sent
# Records received and not yet handled past which `edi.inbound` is not fetched (until half of them are handled).
RECEIVED_LIMIT = 4 * BATCH_SIZE
RESULTS_PER_COMMAND = 100  # results in one RecordInterchanges: a record of some 100 kB at most
RESULTS_NAMESPACE = uuid.UUID("3f6c0b52-8d1e-4a7b-9c2f-5e4d3a2b1c09")  # ids of RecordInterchanges commands
INBOUND, RESULTS = "edi.inbound", "edi.results"
EDI_RESULT = "edi_result"  # the envelope kind of records on edi.results


def interchange_key(partner_id: str, interchange: InterchangeId) -> bytes:
    # The prefix (a NUL byte) keeps these keys apart from partner ids (UUIDs) in the shared table, and makes its
    # recovery take them as bookkeeping (`AggregateTable.replaces`).
    key = f"edi-interchange:{partner_id}/{interchange.sender_id}/{interchange.control_reference}"
    return BOOKKEEPING_KEY_PREFIX + key.encode()


def submission_key(message_id: str) -> bytes:
    return BOOKKEEPING_KEY_PREFIX + f"edi-submission:{message_id}".encode()


class OutcomeWatcher:
    """Resolves the outcomes of commands this worker sent, read from the results topics from now on."""

    def __init__(self, settings: Settings, codec: MessageCodec, topics: list[str]):
        self.settings = settings
        self.codec = codec
        self.topics = topics
        self.waiting: dict[str, asyncio.Future[CommandOutcome]] = {}
        self._started: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        consumer = await prompt_reader(self.settings, self.topics)
        self._reading = asyncio.ensure_future(self._read(consumer))

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                    for record in records:
                        if not self.waiting:
                            continue
                        try:
                            _, outcome = self.codec.decode(record.value)
                        except Exception:
                            log.exception("unreadable outcome", extra={"offset": record.offset})
                            continue
                        future = self.waiting.pop(getattr(outcome, "command_id", ""), None)
                        if future is not None and not future.done():
                            future.set_result(outcome)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    def expect(self, command_id: str) -> asyncio.Future[CommandOutcome]:
        future = self.waiting.get(command_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self.waiting[command_id] = future
        return future


@dataclass
class _Handling:
    """One record of the batch on its way through."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    submission: Submission
    attempt: int
    partner: EdiPartner | None = None
    interchange: InterchangeId | None = None
    log_key: bytes | None = None
    log: InterchangeLog | None = None
    result: InterchangeResult | None = None  # decided before sending (unknown partner, syntax, duplicate)
    messages: list[tuple[str, str, list[ShipmentCommandRequest]]] = field(default_factory=list)
    unknown_statuses: dict[str, tuple[UnknownStatus, ...]] = field(default_factory=dict)  # by message reference
    content_hash: str | None = None
    failures: list[MessageResult] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    waiting: dict[str, tuple[ShipmentCommandRequest, asyncio.Future[CommandOutcome]]] = field(default_factory=dict)
    event: faust.EventT[bytes] | None = None  # acknowledged once the record's round is complete


def _unprepared(handling: _Handling) -> _Handling:
    """The record as received, to prepare again."""
    return _Handling(
        handling.partition,
        handling.offset,
        handling.key,
        handling.value,
        handling.submission,
        handling.attempt,
        event=handling.event,
    )


class EdiAgent:
    def __init__(self, app: faust.App, settings: Settings, codec: MessageCodec, partners: DomainAgent):
        self.app = app
        self.codec = codec
        self.partners = partners
        self.inbound_topic = settings.name(INBOUND)
        self.results_topic = settings.name(RESULTS)
        self.outcome_timeout = settings.edi_outcome_timeout
        self.dead_letter_topic = dead_letter_for(self.inbound_topic)
        self.partner_commands = settings.name(EDI_PARTNER.commands_topic)
        self.shipment_commands = settings.name(SHIPMENT.commands_topic)
        self.outcomes = OutcomeWatcher(settings, codec, [settings.name(SHIPMENT.results_topic)])
        self.shipments = ShipmentIndexReader(settings, codec, settings.name(SHIPMENT.events_topic))
        # Bookkeeping of the interchanges and submissions whose rounds are still running.
        self.logs: dict[bytes, InterchangeLog] = {}
        self.in_flight: dict[bytes, int] = {}
        self.attempts: dict[str, int] = {}
        self.rounds: list[asyncio.Future[None]] = []
        self.last_acknowledged: asyncio.Future[None] | None = None  # resolved once the newest round acknowledged
        self.received: deque[faust.EventT[bytes]] = deque()  # taken from Faust, not yet handled
        self.arrived = asyncio.Event()
        self.held_back: set[Any] = set()  # edi.inbound partitions not fetched while `received` is full
        self.inbound_assigned: list[Any] | None = None  # this worker's edi.inbound partitions, None: to be read
        # The partner read from each stored aggregate (by partner id): loaded again only when the bytes change.
        self.partner_cache: dict[str, tuple[bytes, EdiPartner | None, TradingPartner | None]] = {}
        inbound = app.topic(
            self.inbound_topic,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
        )
        # In order per partition, as the engine's agents: Faust can drop fetched records (a seek racing a fetch at
        # start-up) and then commits past them, since it takes a jump in offsets for a gap of the topic's own. A
        # partition resumes where the group committed: this agent's bookkeeping needs no offsets of its own.
        self.order = ContiguousOffsets(
            app, [self.inbound_topic], self._committed, acknowledge_repeats=False, resting=self.held_back
        )
        app.agent(inbound, name="edi-inbound")(self.run)
        app.on_partitions_revoked.connect(self._revoked)
        app.on_partitions_assigned.connect(self._assigned)

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        """Takes records as Faust delivers them; `_handle_received`, a task of its own, handles them.

        A burst larger than Faust's buffer (20,000 interchanges against 8,192) otherwise stalled the worker:
        the agent, waiting for its rounds' outcomes, stopped taking records; its buffer filled; Faust's
        delivery loop blocked on it, so the engine got no more shipment commands, and every waiting round
        ran into the outcome timeout (`EDI_OUTCOME_TIMEOUT_SECONDS`) and was dead-lettered unanswered.
        """
        handling = asyncio.ensure_future(self._handle_received())
        try:
            async for batch in batches(stream, BATCH_SIZE, BATCH_WINDOW_SECONDS):
                if handling.done():
                    handling.result()  # what stopped the handling stops the agent
                await self.take(batch)
        finally:
            handling.cancel()

    async def take(self, batch: list[faust.EventT[bytes]]) -> None:
        """Queue what continues each partition in order; the rest stays unacknowledged (`ContiguousOffsets`)."""
        admitted = await self.order.admit(batch)
        unacknowledged = self._tracked()
        for event in admitted:
            # Held until its round completes (possibly after this loop took the next batch): an
            # offset is committed only once its interchange's results and bookkeeping are written.
            event.message.incref()
            # Not waited for by a rebalance. Faust suspends every agent, the engine too, and then waits until
            # what its agents took is acknowledged; a round waiting for shipment outcomes could not finish then,
            # ran out the outcome timeout and was dead-lettered as unanswered. The rounds go on after the
            # rebalance; a record stays uncommitted until its round acknowledges it, and a partition that moved
            # is read again from its commit by its new owner (the commands' ids and the partner's recorded
            # offsets make a second handling apply nothing twice).
            unacknowledged.discard(event.message)
        self.received.extend(admitted)
        self.arrived.set()
        if len(self.received) >= RECEIVED_LIMIT:
            self._hold_back()

    async def _handle_received(self) -> None:
        try:
            while True:
                await self.arrived.wait()
                while self.received:
                    batch = [self.received.popleft() for _ in range(min(BATCH_SIZE, len(self.received)))]
                    if len(self.received) <= RECEIVED_LIMIT // 2:
                        self._fetch_again()
                    await self.handle_batch(batch)
                self.arrived.clear()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("EDI handling stopped")
            raise

    def _hold_back(self) -> None:
        """No more fetches of `edi.inbound` for now. Faust's own buffer-pressure hooks: what the current fetch
        holds is still delivered (a partition merely paused would lose it), and a rebalance fetches all again."""
        consumer = self.app.consumer
        if self.inbound_assigned is None:  # asked of the consumer's thread once per assignment, not per batch
            self.inbound_assigned = [tp for tp in consumer.assignment() if tp.topic == self.inbound_topic]
        for tp in self.inbound_assigned:
            consumer.on_buffer_full(tp)  # again each time: Faust's own pressure hooks may have resumed it
            self.held_back.add(tp)

    def _fetch_again(self) -> None:
        consumer = self.app.consumer
        for tp in self.held_back:
            consumer.on_buffer_drop(tp)
        self.held_back.clear()

    async def _revoked(self, *args: Any, **kwargs: Any) -> None:
        # Sent as (app, revoked). Their records are another worker's to handle now; it reads them from the commit.
        revoked: set[Any] = args[1]
        self.received = deque(e for e in self.received if e.message.tp not in revoked)
        self.held_back.clear()  # the assignment that follows makes every assigned partition fetched again
        self.inbound_assigned = None

    async def _assigned(self, *args: Any, **kwargs: Any) -> None:
        self.inbound_assigned = None

    def _tracked(self) -> Any:
        """Faust's set of the records its agents took and have not acknowledged (what a rebalance waits for)."""
        consumer: Any = self.app.consumer
        return consumer._unacked_messages

    def _committed(self, topic: str, partition: int) -> int | None:
        consumer: Any = self.app.consumer  # Faust's own consumer reads the group's offsets on every assignment
        committed: int | None = consumer._committed_offset.get(TP(topic, partition))
        return committed

    def _load(self, key: bytes) -> dict[str, Any] | None:
        raw = self.partners.table.get(key)
        return orjson.loads(raw) if raw is not None else None

    async def _write(self, key: bytes, data: dict[str, Any], partition: int) -> None:
        await self.partners.table.write(key, orjson.dumps(data), partition)

    def _received(self, event: faust.EventT[bytes]) -> _Handling:
        message = event.message
        key = message.key if isinstance(message.key, bytes) else None
        value = message.value if isinstance(message.value, bytes) else b""
        submission = read_submission(key.decode(errors="replace") if key else "", value)
        stored = self._load(submission_key(submission.message_id))
        attempt = self.attempts.get(submission.message_id, stored["attempts"] if stored else 0) + 1
        self.attempts[submission.message_id] = attempt
        return _Handling(message.partition, message.offset, key, value, submission, attempt, event=event)

    async def handle_batch(self, batch: list[faust.EventT[bytes]]) -> None:
        """Prepare and send in record order; the waiting for outcomes runs on while the next batch is read.

        An interchange met again while a round with it is still running waits for that round, so
        the second copy sees the first one's result (and is acknowledged as a duplicate).
        """
        await self.outcomes.start()
        await self.shipments.caught_up()
        round_: list[_Handling] = []
        round_keys: set[bytes] = set()  # the interchanges of `round_`
        for event in batch:
            handling = self._prepare(self._received(event))
            if handling.log_key is not None and (handling.log_key in self.in_flight or handling.log_key in round_keys):
                await self._launch(round_)
                round_, round_keys = [], set()
                await self._settle(0)
                handling = self._prepare(_unprepared(handling))
            round_.append(handling)
            if handling.log_key is not None:
                round_keys.add(handling.log_key)
        await self._launch(round_)
        await self._settle(ROUNDS_IN_FLIGHT)

    async def _launch(self, handlings: list[_Handling]) -> None:
        """Send the round's commands now (their order is the records' order), complete it in the background."""
        deliveries: list[Awaitable[Any]] = []
        for handling in handlings:
            if handling.result is None:
                deliveries += await self._send_commands(handling)
            if handling.log_key is not None:
                self.in_flight[handling.log_key] = self.in_flight.get(handling.log_key, 0) + 1
        if handlings:
            previous, self.last_acknowledged = self.last_acknowledged, asyncio.get_running_loop().create_future()
            self.rounds.append(
                asyncio.ensure_future(self._complete(handlings, deliveries, previous, self.last_acknowledged))
            )

    async def _settle(self, allowed: int) -> None:
        """Wait for the oldest rounds until at most `allowed` are running."""
        while len(self.rounds) > allowed:
            await self.rounds.pop(0)

    async def _complete(
        self,
        handlings: list[_Handling],
        deliveries: list[Awaitable[Any]],
        previous: asyncio.Future[None] | None,
        acknowledged: asyncio.Future[None],
    ) -> None:
        """The round's results, then its acknowledgement once the round launched before it has been acknowledged.

        In launch order because Faust commits a partition up to the first gap in what was acknowledged, and checks
        that against its last commit only (not at all before the partition's first commit): a round that finished
        early and acknowledged its records would let the commit pass records of earlier rounds still running.
        """
        try:
            completed = await self._completed(handlings, deliveries)
            if previous is not None:
                await previous
            if completed:
                for handling in handlings:
                    if handling.event is not None:
                        handling.event.ack()
        finally:
            acknowledged.set_result(None)

    async def _completed(self, handlings: list[_Handling], deliveries: list[Awaitable[Any]]) -> bool:
        """Whether the round's results, dead letters and bookkeeping were all written (its records may then be
        acknowledged)."""
        try:
            for delivery in deliveries:
                await delivery
            await self._await_answers(handlings)
            deliveries = []
            for handling in handlings:
                deliveries += await self._record(handling)
            deliveries += await self._record_with_partners(handlings)
            for delivery in deliveries:
                await delivery
        except Exception:
            # Its records stay unacknowledged, so they are handled again after a restart.
            log.exception("an EDI round failed", extra={"records": len(handlings)})
            return False
        # Everything of the round is acknowledged: its bookkeeping, one write per key (the last state).
        writes: dict[bytes, tuple[dict[str, Any], int]] = {}
        for handling in handlings:
            if handling.log_key is not None and handling.log is not None:
                writes[handling.log_key] = (handling.log.dump(), handling.partition)
            writes[submission_key(handling.submission.message_id)] = (
                {"attempts": handling.attempt},
                handling.partition,
            )
        for key, (data, partition) in writes.items():
            await self._write(key, data, partition)
        for handling in handlings:
            if handling.log_key is not None and handling.log is not None:
                self.in_flight[handling.log_key] -= 1
                if not self.in_flight[handling.log_key]:
                    del self.in_flight[handling.log_key]
                    self.logs.pop(handling.log_key, None)
            message_id = handling.submission.message_id
            if self.attempts.get(message_id) == handling.attempt:
                del self.attempts[message_id]
        return True

    def _result(self, handling: _Handling, status: ResultStatus, reason: str | None) -> InterchangeResult:
        interchange = handling.interchange
        return InterchangeResult(
            message_id=handling.submission.message_id,
            partner_id=handling.key.decode(errors="replace") if handling.key else "",
            status=status,
            received_at=now(),
            attempt=handling.attempt,
            sender_id=interchange.sender_id if interchange else None,
            control_reference=interchange.control_reference if interchange else None,
            reason=reason,
            messages=tuple(handling.failures),
        )

    def _partner(self, partner_id: str) -> tuple[EdiPartner | None, TradingPartner | None]:
        """The registered partner and its mapping settings, read from the table as it is now."""
        stored = self.partners.table.get(partner_id.encode()) if partner_id else None
        if stored is None:
            return None, None
        cached = self.partner_cache.get(partner_id)
        if cached is not None and cached[0] == stored:
            return cached[1], cached[2]
        partner = self.partners.store.load(stored).state
        if not isinstance(partner, EdiPartner) or partner.partner_id is None:
            found: tuple[EdiPartner | None, TradingPartner | None] = (None, None)
        else:
            found = (partner, partner.trading_partner())
        self.partner_cache[partner_id] = (stored, *found)
        return found

    def _prepare(self, handling: _Handling) -> _Handling:
        """Partner, parse, map, dedupe: either a result now, or the messages' requests to send."""
        partner_id = handling.key.decode(errors="replace") if handling.key else ""
        partner, trading_partner = self._partner(partner_id)
        if partner is None or trading_partner is None:
            reason = f"unknown partner {partner_id or '(no record key)'}: no EDI partner is registered with this id"
            handling.result = self._result(handling, ResultStatus.DEAD_LETTERED, reason)
            return handling
        handling.partner = partner
        try:
            translation = translate_interchange(handling.submission.raw, trading_partner, self.shipments.index)
        except EdiError as error:
            handling.result = self._result(handling, ResultStatus.DEAD_LETTERED, error.reason)
            return handling
        handling.interchange = translation.interchange.id
        key = handling.log_key = interchange_key(partner_id, translation.interchange.id)
        if key not in self.logs:
            data = self._load(key)
            self.logs[key] = InterchangeLog.load(data) if data else InterchangeLog(handling.submission.message_id)
        handling.log = self.logs[key]
        handling.content_hash = content_hash(handling.submission.raw)
        if handling.log.conflicts_with(handling.content_hash):
            reason = (
                f"conflict: interchange {translation.interchange.id.key} was applied before"
                f" (message {handling.log.message_id}) with other content; this one is not applied"
            )
            handling.result = self._result(handling, ResultStatus.DEAD_LETTERED, reason)
            return handling
        if handling.log.applied:
            reason = (
                f"interchange {translation.interchange.id.key} was applied before"
                f" (message {handling.log.message_id}); acknowledged, not applied again"
            )
            handling.result = self._result(handling, ResultStatus.DUPLICATE, reason)
            return handling
        handling.log.message_id = handling.submission.message_id
        handling.unknown_statuses = translation.unknown_statuses
        handling.failures = [
            MessageResult(f.message_reference, f.message_type, ResultStatus.DEAD_LETTERED, f.error.reason)
            for f in translation.failures
        ]
        failed = {f.message_reference for f in translation.failures}
        for message in translation.interchange.messages:
            if message.reference not in failed:
                requests = [r for r in translation.requests if r.message_reference == message.reference]
                handling.messages.append((message.reference, str(message.message_type), requests))
        return handling

    async def _send_commands(self, handling: _Handling) -> list[Awaitable[Any]]:
        assert handling.partner is not None and handling.log is not None
        deliveries: list[Awaitable[Any]] = []
        for _, _, requests in handling.messages:
            for request in requests:
                command_id = handling.log.command_id_for(request)
                if command_id is None:
                    handling.answers[request.command_id] = Answer(ACCEPTED)
                    continue
                handling.waiting[request.command_id] = (request, self.outcomes.expect(command_id))
                deliveries.append(await self._send_command(handling, request, command_id))
        return deliveries

    async def _send_command(
        self, handling: _Handling, request: ShipmentCommandRequest, command_id: str
    ) -> Awaitable[Any]:
        envelope = command_fields(
            SHIPMENT.name,
            request.shipment_id,
            command_id,
            actor_id=f"edi:{request.partner_id}",
            tenant_id=request.tenant_id,
            claims=dict(request.claims),
            correlation_id=handling.submission.message_id,
        )
        _, value = self.codec.encode(envelope, request.command)
        key = request.shipment_id.encode()
        return await self.app.producer.send(self.shipment_commands, key, value, None, None, None)

    async def _await_answers(self, handlings: list[_Handling]) -> None:
        futures = [future for h in handlings for _, future in h.waiting.values()]
        if futures:
            await asyncio.wait(futures, timeout=self.outcome_timeout)
        for handling in handlings:
            interchange_log = handling.log
            for request_id, (request, future) in handling.waiting.items():
                assert interchange_log is not None  # only prepared interchanges send commands
                command_id = interchange_log.command_id_for(request)
                assert command_id is not None
                if not future.done():
                    self.outcomes.waiting.pop(command_id, None)
                    answer = Answer(UNANSWERED)
                else:
                    outcome = future.result()
                    accepted = outcome.status == "accepted"
                    answer = Answer(ACCEPTED if accepted else REJECTED, outcome.code, outcome.reason)
                handling.answers[request_id] = answer
                interchange_log.sent(request, command_id, answer.status)

    async def _record(self, handling: _Handling) -> list[Awaitable[Any]]:
        result = handling.result
        if result is None:
            assert handling.log is not None
            results = [
                message_result(
                    reference, message_type, requests, handling.answers, handling.unknown_statuses.get(reference, ())
                )
                for reference, message_type, requests in handling.messages
            ]
            handling.failures += results
            messages = tuple(handling.failures)
            applied = all(m.status is ResultStatus.APPLIED for m in messages)
            handling.log.applied = applied
            if applied:
                handling.log.content_hash = handling.content_hash
            status = ResultStatus.APPLIED if applied else ResultStatus.DEAD_LETTERED
            result = handling.result = self._result(handling, status, interchange_reason(messages))
        deliveries = [await self._publish_result(handling, result)]
        if result.status is ResultStatus.DEAD_LETTERED:
            deliveries.append(await self._dead_letter(handling, result.reason or "not applied"))
        log.info(
            "interchange handled",
            extra={"message_id": result.message_id, "status": str(result.status), "reason": result.reason},
        )
        return deliveries

    async def _publish_result(self, handling: _Handling, result: InterchangeResult) -> Awaitable[Any]:
        """For partners reading Kafka: the result on `edi.results`, as a record of its own kind."""
        partner = handling.partner
        envelope = command_fields(
            EDI_PARTNER.name,
            result.partner_id,
            # Derived from message, status and attempt: the same result handled again after a crash has the same id.
            str(uuid.uuid5(uuid.UUID(result.message_id), f"{result.status} {result.attempt}")),
            actor_id=f"edi:{result.partner_id}" if result.partner_id else "edi",
            tenant_id=partner.tenant_id if partner else None,
            claims={EDI_PARTNER_CLAIM: result.partner_id} if result.partner_id else {},
            occurred_at=result.received_at,
            correlation_id=result.message_id,
        )
        _, record = self.codec.encode({**envelope, "kind": EDI_RESULT}, RecordInterchange(result))
        return await self.app.producer.send(self.results_topic, handling.key, record, None, None, None)

    async def _record_with_partners(self, handlings: list[_Handling]) -> list[Awaitable[Any]]:
        """The round's results to their partners: one command per partner and inbound partition (a hundred at most)."""
        recorded: dict[tuple[str, int], list[_Handling]] = {}
        for handling in handlings:
            if handling.partner is not None and handling.result is not None and handling.result.partner_id:
                recorded.setdefault((handling.result.partner_id, handling.partition), []).append(handling)
        deliveries: list[Awaitable[Any]] = []
        for (partner_id, partition), its in recorded.items():
            for start in range(0, len(its), RESULTS_PER_COMMAND):
                deliveries.append(
                    await self._send_results(partner_id, partition, its[start : start + RESULTS_PER_COMMAND])
                )
        return deliveries

    async def _send_results(self, partner_id: str, partition: int, handlings: list[_Handling]) -> Awaitable[Any]:
        partner = handlings[0].partner
        assert partner is not None
        command = RecordInterchanges(
            partition, tuple(InboundResult(h.offset, h.result) for h in handlings if h.result is not None)
        )
        first, last = handlings[0].offset, handlings[-1].offset
        envelope = command_fields(
            EDI_PARTNER.name,
            partner_id,
            str(uuid.uuid5(RESULTS_NAMESPACE, f"{partner_id}/{partition}/{first}-{last}")),
            actor_id=f"edi:{partner_id}",
            tenant_id=partner.tenant_id,
            claims={EDI_PARTNER_CLAIM: partner_id},
        )
        _, value = self.codec.encode(envelope, command)
        return await self.app.producer.send(self.partner_commands, partner_id.encode(), value, None, None, None)

    async def _dead_letter(self, handling: _Handling, reason: str) -> Awaitable[Any]:
        letter = DeadLetter(
            source_topic=self.inbound_topic,
            source_partition=handling.partition,
            source_offset=handling.offset,
            key=handling.key,
            value=handling.value,
            reason=reason,
            failed_at=now(),
        )
        return await self.app.producer.send(
            self.dead_letter_topic, handling.key, self.codec.dead_letter_value(letter), None, None, None
        )


def register_edi_agent(app: faust.App, settings: Settings, codec: MessageCodec) -> None:
    """Adds the EDI agent to the stream worker's Faust app (after the domain agents; called by the worker)."""
    partners = next((a for a in getattr(app, "domain_agents", []) if a.domain.name == EDI_PARTNER.name), None)
    if partners is None:
        return  # a worker without the edi_partner domain (e.g. a test app) runs no EDI agent
    app.edi_agent = EdiAgent(app, settings, codec, partners)  # type: ignore[attr-defined]
