"""Delivers pushed events from Redis to this API process's open WebSockets.

One pattern subscription per process (`<ns>push:*`); each socket registers for the channels it
may see (its own account, its active tenant) and gets a bounded queue, so a slow browser cannot
hold up the others (its oldest pushes are dropped and it is told so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

import orjson
import redis.asyncio as redis

from wellwon.config import Settings

log = logging.getLogger("wellwon.api.push")

QUEUE_LIMIT = 1000


class Subscription:
    def __init__(self, channels: set[str]):
        self.channels = channels
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)

    def offer(self, event: dict[str, Any]) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(event)


class PushHub:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.redis = redis.from_url(settings.redis_url)
        self._by_channel: dict[str, set[Subscription]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def user_channel(self, account_id: str) -> str:
        return self.settings.name(f"push:user:{account_id}")

    def tenant_channel(self, tenant_id: str) -> str:
        return self.settings.name(f"push:tenant:{tenant_id}")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._ready.wait(), 10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.redis.aclose()

    def subscribe(self, channels: set[str]) -> Subscription:
        subscription = Subscription(channels)
        for channel in channels:
            self._by_channel[channel].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for channel in subscription.channels:
            members = self._by_channel.get(channel)
            if members is not None:
                members.discard(subscription)
                if not members:
                    del self._by_channel[channel]

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.psubscribe(self.settings.name("push:*"))
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    members = self._by_channel.get(channel)
                    if members:
                        event = orjson.loads(message["data"])
                        for subscription in list(members):
                            subscription.offer(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("push subscription lost; reconnecting")
                await asyncio.sleep(1.0)
