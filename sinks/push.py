"""The push sink: publishes every event on Redis for the API's WebSocket hub to deliver.

Channels: `push:user:<account id>` for a user's own account events, `push:tenant:<tenant id>`
for events of a tenant's aggregates, and for an event shared with further companies (a conversation
between two companies: its `shared_with`) each of their tenant channels too. Secret fields are removed
before publishing.
"""

from __future__ import annotations

import orjson
import redis.asyncio as redis
from aiokafka import TopicPartition
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sinks.records import SinkRecord, public_event
from sinks.runner import DeadLetters, apply_each_aggregate
from wellwon.config import Settings
from wellwon.envelope import EVENT

USER_AGGREGATE = "user_account"


def push_channels(settings: Settings, record: SinkRecord) -> list[str]:
    envelope = record.envelope
    channels = []
    if envelope.aggregate_type == USER_AGGREGATE:
        channels.append(settings.name(f"push:user:{envelope.aggregate_id}"))
    tenants = [envelope.tenant_id] if envelope.tenant_id else []
    tenants += [t for t in getattr(record.message, "shared_with", ()) if t not in tenants]
    channels += [settings.name(f"push:tenant:{tenant}") for tenant in tenants]
    return channels


class PushSink:
    gather_seconds = 0.0
    name = "push"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.redis: redis.Redis | None = None

    async def start(self) -> None:
        self.redis = redis.from_url(self.settings.redis_url)

    async def stop(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    async def positions(self) -> dict[TopicPartition, int] | None:
        return None  # pushes are best-effort live updates; clients re-read state on reconnect

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        if self.redis is None:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for record in records:
                if record.envelope.kind != EVENT:
                    continue
                message = orjson.dumps(public_event(record))
                for channel in push_channels(self.settings, record):
                    pipe.publish(channel, message)
            await pipe.execute()

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        await apply_each_aggregate(self, records, dead_letter)

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, RedisConnectionError | RedisTimeoutError | OSError)
