"""The cyclic garbage collector: out of sight of what start-up allocated, and around the sinks' batches and replays.

A process's start-up allocates most of what it will ever hold (modules, Avro schemas, pydantic models, Faust's app);
each full collection traversed it all again: the stream worker made 27 in one `edi_bench` run, 0.24 s each on
average, its event loop blocked meanwhile. `start_up_frozen` moves it to the permanent generation once, before
serving; reference counting still frees it.

Around the sinks' batches and replays: a batch allocates a few containers per event (decoded records, rows, column
lists, the drivers' own copies), all alive until its statements are sent. The collector, run every 700 allocations,
traverses them and every long-lived object again and again and frees nothing: measured, a quarter of the Postgres sink's
CPU and most of what the ClickHouse driver spends on an aggregate-state table. Reference counting frees everything as
usual meanwhile; whatever cyclic garbage a batch leaves is collected once collection is back on.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

# Collections left undone while paused blocks overlap without end (three sinks in one process can): past this many
# allocations the young generation is collected anyway, so the collector is never off for good.
OVERDUE_ALLOCATIONS = 200_000

_pause_lock = threading.Lock()
_pauses = 0  # collections_paused blocks open, in any thread or task
_paused_by_us = False


def start_up_frozen(young_threshold: int | None = None) -> None:
    """Called once, at the end of a process's start-up: nothing allocated so far is traversed by the collector again
    (CPython's `gc.freeze`, after a collection so no garbage is frozen). `young_threshold` collects the young
    generation every that many allocations instead of 700: fewer, longer passes for a process that allocates per
    record (the stream worker)."""
    gc.collect()
    gc.freeze()
    if young_threshold is not None:
        _, middle, old = gc.get_threshold()
        gc.set_threshold(young_threshold, middle, old)


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic cyclic collection while a batch is built and written. Blocks may overlap (tasks or threads):
    the last one to end turns collection back on, and only if it was on before the first began."""
    global _pauses, _paused_by_us
    with _pause_lock:
        if _pauses == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_by_us:
                gc.enable()
            elif _paused_by_us and gc.get_count()[0] > OVERDUE_ALLOCATIONS:
                gc.collect(1)


# A replay's young generation is collected every this many allocations (net of those freed), not 700. Each young
# collection traverses every object still alive since the one before: in a replay, the batches read ahead and the
# states the Postgres sink keeps. At 10,000 one ran at the end of every batch, 27 ms each; with the middle and full
# collections that followed from it, 4.4 s of the Postgres replay's 32.2 s of CPU in two runs of 200,000 events.
# A replay makes little cyclic garbage (2,225 objects in 300,000 events, by gc.callbacks), so waiting for a million
# costs no memory to speak of.
REPLAY_YOUNG_COLLECTION = 1_000_000


@contextlib.contextmanager
def rare_collections(threshold: int = REPLAY_YOUNG_COLLECTION) -> Iterator[None]:
    """The collector run every `threshold` allocations instead of 700, for the length of a replay (Postgres or
    ClickHouse): a replay keeps a batch or two of decoded records (hundreds of thousands of objects) alive at a time,
    which the default young-generation threshold promotes through the older generations, which then get traversed
    again (a third of a replay's CPU), and which a young collection at the end of each batch traverses once more
    (`REPLAY_YOUNG_COLLECTION`). The default thresholds come back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(threshold, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)
