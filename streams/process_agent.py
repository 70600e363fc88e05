"""The Faust adapter of the processes (sagas): one agent over the events and outcomes they follow.

For each record of a followed domain's events topic, every process following that domain reacts;
for each rejected outcome of a command a process sent, that process compensates. The commands go
to their domains' command topics with ids derived from the record's id and the step, and are
acknowledged by the broker before the records that caused them are (offsets are committed after
the batch), so a crash re-sends the same command ids and the engine applies each once.
A record that cannot be read, or whose reaction fails, goes to `processes.deadletter` with the
reason, and the rest keeps flowing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import faust

from streams.batching import batches
from streams.domain import Domain
from streams.engine import ContiguousOffsets
from streams.process import Process, Send, reactions
from wellwon.config import Settings
from wellwon.envelope import (
    DeadLetter,
    Envelope,
    MessageCodec,
    UnreadableRecord,
    command_fields,
    now,
)
from wellwon.topics import PROCESSES_DEAD_LETTER_TOPIC

log = logging.getLogger("wellwon.processes")

BATCH_SIZE = 200
BATCH_WINDOW_SECONDS = 0.005


class ProcessAgent:
    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        codec: MessageCodec,
        domains: Sequence[Domain],
        processes: Sequence[Process],
    ):
        self.app = app
        self.codec = codec
        self.processes = tuple(processes)
        by_name = {d.name: d for d in domains}
        self.command_topics = {name: settings.name(d.commands_topic) for name, d in by_name.items()}
        followed = {name for p in processes for name in p.follows}
        answered = {name for p in processes for name in p.commands}
        topics = sorted(
            {settings.name(by_name[n].events_topic) for n in followed}
            | {settings.name(by_name[n].results_topic) for n in answered}
        )
        self.dead_letter_topic = settings.name(PROCESSES_DEAD_LETTER_TOPIC)
        # Held to contiguous offsets like the domains' agents; with no table of its own, a partition
        # resumes at its first fetched record (at worst, steps are re-sent: their ids make them no-ops).
        self.order = ContiguousOffsets(app, topics, lambda topic, partition: None)
        source = app.topic(*topics, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        app.agent(source, name="processes")(self.run)

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        async for batch in batches(stream, BATCH_SIZE, BATCH_WINDOW_SECONDS):
            deliveries: list[Awaitable[Any]] = []
            for event in await self.order.admit(batch):
                deliveries += await self.handle(event.message)
            for delivery in deliveries:
                await delivery

    async def handle(self, message: Any) -> list[Awaitable[Any]]:
        try:
            envelope, payload = self.codec.decode(message.value)
            sends = reactions(self.processes, envelope, payload)
        except UnreadableRecord as exc:
            return [await self.dead_letter(message, str(exc))]
        except Exception as exc:  # a process's bug must not stop the others: keep the record and go on
            log.exception("process failed", extra={"topic": message.topic, "offset": message.offset})
            return [await self.dead_letter(message, f"process failed: {exc!r}")]
        return [await self.send(process, envelope, s) for process, s in sends]

    async def send(self, process: Process, cause: Envelope, send: Send) -> Awaitable[Any]:
        command_id = send.command_id(cause.message_id)
        fields = command_fields(
            send.domain,
            send.aggregate_id,
            command_id,
            actor_id=f"process:{process.name}",
            tenant_id=cause.tenant_id,
            claims=send.claims(process.name),
            occurred_at=cause.occurred_at,
            correlation_id=cause.correlation_id,
            causation_id=cause.message_id,
        )
        _, value = self.codec.encode(fields, send.command)
        log.info(
            "process step",
            extra={"saga": process.name, "instance": send.instance, "step": send.step, "command_id": command_id},
        )
        topic = self.command_topics[send.domain]
        return await self.app.producer.send(topic, send.aggregate_id.encode(), value, None, None, None)

    async def dead_letter(self, message: Any, reason: str) -> Awaitable[Any]:
        log.warning("process record dead-lettered", extra={"topic": message.topic, "reason": reason})
        letter = DeadLetter(
            source_topic=message.topic,
            source_partition=message.partition,
            source_offset=message.offset,
            key=message.key if isinstance(message.key, bytes) else None,
            value=message.value if isinstance(message.value, bytes) else None,
            reason=reason,
            failed_at=now(),
        )
        value = self.codec.dead_letter_value(letter)
        return await self.app.producer.send(self.dead_letter_topic, message.key, value, None, None, None)


def register_process_agent(
    app: faust.App, settings: Settings, codec: MessageCodec, domains: Sequence[Domain], processes: Sequence[Process]
) -> None:
    """Adds the processes' agent to the stream worker's app (none when no process is registered)."""
    if processes:
        app.process_agent = ProcessAgent(app, settings, codec, domains, processes)  # type: ignore[attr-defined]
