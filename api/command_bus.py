"""Sends commands to Kafka and waits for their outcomes (and for the read model to show them).

One aiokafka producer for commands; one group-less consumer reading every domain's results
topic from the moment the API started, resolving the futures of waiting requests; and a Redis
subscription to the Postgres sink's "projected" announcements, so a command endpoint answers
only when a following read sees its effect (`wait_projected`; api/outcomes.py answers 202 when it
does not come in time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import redis.asyncio as redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from api import idempotency
from sinks.postgres.sink import projected_channel
from streams.domain import Domain
from wellwon.config import Settings
from wellwon.envelope import CommandOutcome, MessageCodec, command_fields, new_id
from wellwon.partitioner import RememberingPartitioner
from wellwon.topics import prompt_reader

log = logging.getLogger("wellwon.api.commands")

PENDING_TTL_SECONDS = 7 * 24 * 3600
ANNOUNCEMENT_WAIT_SECONDS = 0.3


@dataclass(frozen=True)
class Issued:
    """Who sends a command: from the verified token, never from the request body."""

    actor_id: str | None
    tenant_id: str | None = None
    claims: tuple[tuple[str, str], ...] = ()


class CommandBus:
    def __init__(
        self,
        settings: Settings,
        codec: MessageCodec,
        domains: tuple[Domain, ...],
        projected_version: Callable[[str, str], Awaitable[int]],
        recorded_outcome: Callable[[str], Awaitable[CommandOutcome | None]] | None = None,
    ):
        self.settings = settings
        self.projected_version = projected_version
        self.recorded_outcome = recorded_outcome
        self.codec = codec
        self.domains = domains
        self.producer: AIOKafkaProducer | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.redis: redis.Redis | None = None
        self._waiting: dict[str, asyncio.Future[CommandOutcome]] = {}
        self._projection_waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}
        self._projected: OrderedDict[str, int] = OrderedDict()  # recent versions, for late waiters
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=1,
            partitioner=RememberingPartitioner(),
        )
        await self.producer.start()
        self.consumer = await prompt_reader(self.settings, [self.settings.name(d.results_topic) for d in self.domains])
        self.redis = redis.from_url(self.settings.redis_url)
        self._tasks = [asyncio.create_task(self._read_outcomes()), asyncio.create_task(self._read_projected())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.consumer is not None:
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()
        if self.redis is not None:
            await self.redis.aclose()

    async def send(
        self,
        domain: Domain,
        aggregate_id: str,
        command: Any,
        issued: Issued,
        command_id: str | None = None,
        timeout: float | None = None,
    ) -> tuple[str, CommandOutcome | None]:
        """Send a command; its id and outcome, or None when the timeout passed first.

        Inside a request with an Idempotency-Key the id derives from the key, and a command whose
        outcome is already recorded is answered from the record, not sent again.
        """
        assert self.producer is not None
        keyed_id = idempotency.command_id_for(command_id)
        if keyed_id is not None and self.recorded_outcome is not None:
            recorded = await self.recorded_outcome(keyed_id)
            if recorded is not None:
                return keyed_id, recorded
        command_id = keyed_id or command_id or new_id()
        future = self._waiting.get(command_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[command_id] = future
        fields = command_fields(
            domain.name, aggregate_id, command_id, issued.actor_id, issued.tenant_id, dict(issued.claims)
        )
        _, value = self.codec.encode(fields, command)
        await self.producer.send_and_wait(self.settings.name(domain.commands_topic), value, key=aggregate_id.encode())
        wait = self.settings.command_timeout_seconds if timeout is None else timeout
        try:
            outcome = await asyncio.wait_for(asyncio.shield(future), wait)
        except TimeoutError:
            await self.remember_pending(command_id, issued.actor_id)
            return command_id, None
        finally:
            if future.done():
                self._waiting.pop(command_id, None)
        return command_id, outcome

    async def remember_pending(self, command_id: str, actor_id: str | None) -> None:
        """Remembered so GET /api/commands/{id} can tell "still pending" from "unknown" (to its actor only)."""
        if self.redis is not None:
            await self.redis.set(self._pending_key(command_id), actor_id or "", ex=PENDING_TTL_SECONDS)

    async def pending_actor(self, command_id: str) -> str | None:
        """The actor of a command sent but not yet answered (or answered recently), if any."""
        if self.redis is None:
            return None
        value = await self.redis.get(self._pending_key(command_id))
        return value.decode() if isinstance(value, bytes) else value

    def _pending_key(self, command_id: str) -> str:
        return self.settings.name(f"command:{command_id}")

    async def wait_projected(self, aggregate_type: str, aggregate_id: str, version: int, timeout: float) -> bool:
        """Whether the read model shows the aggregate at `version` (or later) within `timeout` seconds."""
        if self._projected.get(aggregate_id, 0) >= version:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._projection_waiters.setdefault(aggregate_id, []).append((version, future))
        # The sink's announcement usually comes within milliseconds; only when it does not (say,
        # it came before this process started) is the read model asked directly.
        done, _ = await asyncio.wait({future}, timeout=min(ANNOUNCEMENT_WAIT_SECONDS, timeout))
        if done or await self.projected_version(aggregate_type, aggregate_id) >= version:
            future.cancel()
            return True
        try:
            await asyncio.wait_for(future, max(0.0, timeout - ANNOUNCEMENT_WAIT_SECONDS))
            return True
        except TimeoutError:
            log.warning("read model lagging", extra={"aggregate_id": aggregate_id, "version": version})
            return False

    async def _read_outcomes(self) -> None:
        assert self.consumer is not None
        while True:
            batches = await self.consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        _, outcome = self.codec.decode(record.value)
                    except Exception:
                        log.exception("unreadable outcome record", extra={"offset": record.offset})
                        continue
                    future = self._waiting.get(outcome.command_id)
                    if future is not None and not future.done():
                        future.set_result(outcome)

    async def _read_projected(self) -> None:
        assert self.redis is not None
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(projected_channel(self.settings))
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            for aggregate_id, version in orjson.loads(message["data"]):
                if version > self._projected.get(aggregate_id, 0):
                    self._projected[aggregate_id] = version
                    self._projected.move_to_end(aggregate_id)
                waiters = self._projection_waiters.get(aggregate_id)
                if waiters:
                    still = []
                    for wanted, future in waiters:
                        if version >= wanted and not future.done():
                            future.set_result(None)
                        elif not future.done():
                            still.append((wanted, future))
                    if still:
                        self._projection_waiters[aggregate_id] = still
                    else:
                        del self._projection_waiters[aggregate_id]
            while len(self._projected) > 100_000:
                self._projected.popitem(last=False)
