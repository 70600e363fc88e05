"""The cyclic garbage collector: what start-up allocated is frozen out of its sight, garbage first; a replay runs it
rarely and gives the default thresholds back however it ends; a sink batch pauses it, and it comes back on once no
batch is in progress (unless it was off)."""

from __future__ import annotations

import asyncio
import gc
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from sinks.clickhouse import ClickHouseSink
from sinks.records import SinkRecord
from streams.shipment.events import ShipmentCancelled
from wellwon.collector import REPLAY_YOUNG_COLLECTION, collections_paused, rare_collections, start_up_frozen
from wellwon.config import Settings
from wellwon.envelope import EVENT, Envelope


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_start_up_is_frozen_out_of_the_collectors_sight_after_its_garbage_is_collected() -> None:
    before = gc.get_threshold()
    gc.disable()  # no automatic collection of the garbage below: only `start_up_frozen`'s own
    try:
        held = [Cycle() for _ in range(1_000)]  # alive: frozen
        Cycle()  # garbage: collected, not frozen with the rest
        start_up_frozen(young_threshold=12_345)
        assert gc.get_freeze_count() >= len(held)
        assert not any(isinstance(o, Cycle) for o in gc.get_objects())  # none left for a collection to traverse
        assert gc.get_threshold() == (12_345, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc.enable()
    assert sum(1 for o in gc.get_objects() if isinstance(o, Cycle)) == len(held)  # the garbage was not frozen


def test_thresholds_are_raised_for_the_replay_and_restored_after() -> None:
    before = gc.get_threshold()
    with rare_collections(12_345):
        assert gc.get_threshold() == (12_345, 10, 10)
    assert gc.get_threshold() == before


def test_thresholds_are_restored_when_the_replay_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), rare_collections():
        assert gc.get_threshold()[0] == REPLAY_YOUNG_COLLECTION
        raise RuntimeError("the store went away")
    assert gc.get_threshold() == before


def test_a_replay_batch_that_leaves_its_read_ahead_alive_ends_without_a_young_collection() -> None:
    """The end of a sink batch turns collection back on; in a replay it must not then traverse what the batch left
    alive (the next batches read ahead, the kept states): py-spy found 18% of the Postgres replay's samples there."""
    young: list[int] = []

    def heard(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 0:
            young.append(1)

    gc.collect()
    gc.callbacks.append(heard)
    try:
        with rare_collections():
            with collections_paused():
                read_ahead = [[index] for index in range(50_000)]  # alive past the batch, as decoded records are
            [object()]  # the first allocation after the batch: a collection would start here
            assert young == []
    finally:
        gc.callbacks.remove(heard)
    assert len(read_ahead) == 50_000


def test_a_batch_pauses_collection_and_the_last_of_overlapping_batches_resumes_it() -> None:
    assert gc.isenabled()
    first, second = collections_paused(), collections_paused()
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other batch is still being built
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failed_batch_resumes_collection() -> None:
    with pytest.raises(ValueError), collections_paused():
        raise ValueError("badly formed hexadecimal UUID string")
    assert gc.isenabled()


def test_collection_stays_off_if_it_was_off_before() -> None:
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


class RecordingClient:
    """Stands in for clickhouse-connect: records each insert and whether collection was on during it."""

    def __init__(self) -> None:
        self.inserts: list[tuple[str, bool, bool]] = []

    def insert(self, table: str, data: Any, column_names: Any = None, column_oriented: bool = False) -> None:
        self.inserts.append((table, column_oriented, gc.isenabled()))


def test_the_sink_inserts_columns_with_collection_paused_and_resumes_it_after() -> None:
    cancelled = ShipmentCancelled("gone", datetime(2026, 1, 2, tzinfo=UTC), "api")
    envelope = Envelope(
        str(uuid.uuid4()), EVENT, "c", None, "t", None, datetime(2026, 1, 2, tzinfo=UTC), "shipment", "s-1", 2,
        "shipment.ShipmentCancelled", 1, b"",
    )  # fmt: skip
    sink = ClickHouseSink(Settings())
    client = RecordingClient()
    sink.client = client  # type: ignore[assignment]
    asyncio.run(sink.apply([SinkRecord("shipment.events", 0, 7, envelope, cancelled)], {}))
    assert client.inserts == [("shipments", True, False), ("events", True, False)]
    assert gc.isenabled()


def test_overlapping_pauses_without_end_still_collect_the_young_generation_when_overdue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import wellwon.collector

    monkeypatch.setattr(wellwon.collector, "OVERDUE_ALLOCATIONS", 1_000)
    holding = collections_paused()
    holding.__enter__()  # another batch, still open
    try:
        with collections_paused():
            garbage = [[] for _ in range(5_000)]
            assert gc.get_count()[0] > 1_000
            del garbage
        assert gc.get_count()[0] < 1_000  # collected on the way out, though still paused
        assert not gc.isenabled()
    finally:
        holding.__exit__(None, None, None)
    assert gc.isenabled()
