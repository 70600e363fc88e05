"""The Postgres sink writes a batch with the cyclic garbage collector paused (a quarter of its CPU was collections
that freed nothing; see `wellwon.collector`), and turns it back on after the batch, committed or failed."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import AsyncCursor

from sinks.postgres.database import owner_dsn
from sinks.postgres.projection import Projection
from sinks.postgres.sink import PostgresSink
from sinks.records import SinkRecord
from stack.processes import PlatformProcesses
from streams.shipment.events import ShipmentCancelled
from wellwon.envelope import EVENT, Envelope

PROBE = "gc_probe"  # an aggregate type no domain has: its positions touch no read model


def probe_record(aggregate_id: str) -> SinkRecord:
    envelope = Envelope(
        str(uuid.uuid4()), EVENT, "c", None, "t", None, datetime(2026, 1, 2, tzinfo=UTC), PROBE, aggregate_id, 1,
        "shipment.ShipmentCancelled", 1, b"",
    )  # fmt: skip
    return SinkRecord(
        "probe.events", 0, 0, envelope, ShipmentCancelled("gone", datetime(2026, 1, 2, tzinfo=UTC), "api")
    )


async def test_a_batch_is_applied_with_collection_paused_and_collection_resumes_after(
    platform: PlatformProcesses,
) -> None:
    seen: list[bool] = []
    fail = False

    async def record_collector(cur: AsyncCursor[Any], events: Sequence[tuple[Envelope, Any]]) -> None:
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("the projection failed")

    async def one(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
        await record_collector(cur, [(envelope, event)])

    probe = Projection(domain=PROBE, ddl=(), tables=(), apply=one, apply_batch=record_collector)
    sink = PostgresSink(platform.settings, (probe,))
    await sink.start()
    ids = [f"gc-probe-{uuid.uuid4()}" for _ in range(2)]
    try:
        assert gc.isenabled()
        await sink.apply([probe_record(ids[0])], {})
        assert seen == [False] and gc.isenabled()
        fail = True
        with pytest.raises(RuntimeError):
            await sink.apply([probe_record(ids[1])], {})
        assert seen == [False, False] and gc.isenabled()
    finally:
        await sink.stop()
        async with await psycopg.AsyncConnection.connect(owner_dsn(platform.settings), autocommit=True) as conn:
            await conn.execute("DELETE FROM aggregate_positions WHERE aggregate_type = %s", (PROBE,))
