"""Batches of a Faust stream's events, without a timer while the stream is idle.

Faust's `Stream.take_events(max_, within)` wakes every `within` seconds whether or not an event came: with a window
of 5 ms and some twenty agents a worker woke ~4,400 times a second doing nothing, 0.18 of a core when idle
(`benchmarks.engine_bench` prints each process's CPU). `batches` waits for a first event with no timeout, then takes
what has come behind it (`gathered`: at most `within`, at most `max_`), so an idle agent sleeps and a lone event
goes at once. Acknowledgement is Faust's: each event is acked after the batch's loop body ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any, TypeAlias

import faust
from mode.utils.aiter import aiter
from mode.utils.futures import notify

Batch: TypeAlias = list[faust.EventT[Any]]


async def gathered(events: list[Any], full: asyncio.Event, within: float) -> None:
    """Until `events` stops growing (what had come when the first one did has been added), is full, or `within`
    has passed. Under load the events waiting behind the first make the batch; a lone event goes at once: a fixed
    window added its whole length (5 ms) to every command at low rates."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen = -1
    while len(events) != seen and not full.is_set() and loop.time() < deadline:
        seen = len(events)
        await asyncio.sleep(0)


async def batches(stream: faust.StreamT[Any], max_: int, within: float) -> AsyncGenerator[Batch, None]:
    events: list[faust.EventT[Any]] = []
    arrived, full, consumed = asyncio.Event(), asyncio.Event(), asyncio.Event()
    consuming: asyncio.Future[None] | None = None  # set while the caller handles a batch: no adding meanwhile

    async def add(value: Any) -> Any:
        nonlocal consuming
        if consuming is not None:
            try:
                await consuming
            finally:
                consuming = None
        event = stream.current_event
        if event is None:
            raise RuntimeError("a batched stream has no current event")
        events.append(event)
        arrived.set()
        if len(events) >= max_:
            full.set()
            consumed.clear()
            await stream.wait(consumed)  # type: ignore[attr-defined]  # never more than max_ in a batch
        return value

    acks = stream.enable_acks
    stream.enable_acks = False  # acked below, once the batch was handled
    stream.add_processor(add)
    stream._enable_passive(aiter(stream.channel))  # type: ignore[attr-defined]  # Faust's own take_events does this
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(arrived)  # type: ignore[attr-defined]
            if not events:
                continue
            await gathered(events, full, within)
            consuming = asyncio.get_running_loop().create_future()
            try:
                yield list(events)
            finally:
                handled = list(events)
                events.clear()
                for event in handled:
                    await stream.ack(event)
                notify(consuming)
                arrived.clear()
                full.clear()
                consumed.set()
    finally:
        stream.enable_acks = acks
        stream._processors.remove(add)  # type: ignore[attr-defined]
