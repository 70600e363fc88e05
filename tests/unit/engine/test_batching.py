"""`streams.batching.batches`: an idle stream waits with no timer; events come in batches of at most `max_`, in order,
each acknowledged after its batch was handled.

The stream here is a stand-in with the few members of Faust's `Stream` that `batches` uses (the real one is driven
by the worker's integration tests): its processor is called as Faust calls it, once per arriving event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from streams.batching import batches


class Event:
    def __init__(self, value: int):
        self.value = value


class Stream:
    def __init__(self) -> None:
        self.current_event: Event | None = None
        self.enable_acks = True
        self.should_stop = False
        self.channel: list[Any] = []
        self._processors: list[Callable[[Any], Awaitable[Any]]] = []
        self.timeouts: list[float | None] = []  # of every wait_for_stopped
        self.acked: list[int] = []

    def add_processor(self, processor: Callable[[Any], Awaitable[Any]]) -> None:
        self._processors.append(processor)

    def _enable_passive(self, channel: Any) -> None:
        pass

    async def wait_for_stopped(self, event: asyncio.Event, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    async def wait(self, event: asyncio.Event) -> None:
        await event.wait()

    async def ack(self, event: Event) -> None:
        self.acked.append(event.value)

    async def arrive(self, value: int) -> None:
        """What Faust does for an event read: make it current, run the processors."""
        self.current_event = Event(value)
        for processor in list(self._processors):
            await processor(value)


def test_an_idle_stream_waits_without_a_timer_and_events_come_in_bounded_ordered_batches() -> None:
    async def scenario() -> tuple[list[list[int]], Stream, list[list[int]]]:
        stream = Stream()
        handled: list[list[int]] = []
        acked_when_handled: list[list[int]] = []

        async def consume() -> None:
            async for batch in batches(stream, 3, 0.02):  # type: ignore[arg-type]
                acked_when_handled.append(list(stream.acked))
                handled.append([int(event.value) for event in batch])  # type: ignore[arg-type]

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.1)  # idle: five windows' time
        idle_waits = list(stream.timeouts)
        assert idle_waits == [None], idle_waits  # one wait, with no timeout: no wake-ups while idle
        for value in range(7):
            await stream.arrive(value)  # the third returns once its batch was handled: a batch holds three at most
        await asyncio.sleep(0.1)
        stream.should_stop = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return handled, stream, acked_when_handled

    handled, stream, acked_when_handled = asyncio.run(scenario())
    assert handled == [[0, 1, 2], [3, 4, 5], [6]]  # in order, never more than three
    assert stream.acked == [0, 1, 2, 3, 4, 5, 6]
    assert acked_when_handled == [[], [0, 1, 2], [0, 1, 2, 3, 4, 5]]  # acked only after its batch was handled
    assert stream.enable_acks is True and not stream._processors  # restored when the loop ends


def test_a_lone_event_goes_at_once_and_events_come_together_go_together() -> None:
    async def scenario() -> tuple[list[list[int]], list[float]]:
        stream = Stream()
        handled: list[list[int]] = []
        waited: list[float] = []
        loop = asyncio.get_running_loop()

        async def consume() -> None:
            async for batch in batches(stream, 10, 5.0):  # type: ignore[arg-type]
                handled.append([int(event.value) for event in batch])  # type: ignore[arg-type]
                waited.append(loop.time() - arrived_at)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        arrived_at = loop.time()
        await stream.arrive(0)  # alone
        await asyncio.sleep(0.2)
        arrived_at = loop.time()
        for value in (1, 2, 3):  # come together, as a fetch's records do
            await stream.arrive(value)
        await asyncio.sleep(0.2)
        stream.should_stop = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return handled, waited

    handled, waited = asyncio.run(scenario())
    assert handled == [[0], [1, 2, 3]]
    assert max(waited) < 1.0, waited  # not the 5 s window
