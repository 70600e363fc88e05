"""The Postgres sink's rows that only add (histories, the audit trail, outcomes) go in by COPY at the end of a
batch; a row already there is skipped as an INSERT's ON CONFLICT DO NOTHING would. A batch's states go in as
several upserts, and the state column is compressed with lz4. Real Postgres: the sink's tests write into a database
of their own (rows the topics do not hold would be lost by a replay of the platform's database, which a recovery
test compares), the others into temporary tables."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection

from sinks.postgres.database import drop_database, owner_dsn
from sinks.postgres.projection import LaterRows, append_rows, appended_by_copy
from sinks.postgres.projections import PROJECTIONS
from sinks.postgres.shipment import SHIPMENTS
from sinks.postgres.sink import PostgresSink
from sinks.postgres.state import UPSERT_ROWS
from sinks.records import SinkRecord
from stack.processes import PlatformProcesses
from streams.registry import codec
from streams.shipment.details import TransportMode
from streams.shipment.events import MilestoneReached, ShipmentCreated
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from wellwon.config import Settings
from wellwon.envelope import EVENT

START = datetime(2026, 11, 2, tzinfo=UTC)
PLACEHOLDER: dict[str, Any] = {
    "message_id": "", "kind": EVENT, "correlation_id": "c", "causation_id": None, "tenant_id": None,
    "actor_id": "user-1", "occurred_at": START, "aggregate_type": "shipment", "aggregate_id": "",
    "aggregate_version": 0, "claims": {},
}  # fmt: skip


@pytest.fixture
async def own_database(own_namespace: Settings) -> AsyncIterator[Settings]:
    yield own_namespace
    await drop_database(own_namespace)


async def count(conn: AsyncConnection[Any], query: str, *params: Any) -> int:
    row = await (await conn.execute(query, params)).fetchone()
    assert row is not None
    return int(row[0])


async def test_rows_appended_in_the_block_are_written_by_copy_as_it_ends(platform: PlatformProcesses) -> None:
    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMP TABLE appended (id text PRIMARY KEY, n int)")
        async with appended_by_copy(cur):
            await append_rows(cur, "appended", ("id", "n"), [("a", 1), ("b", 2)])
            await append_rows(cur, "appended", ("id", "n"), [("c", 3)])
            assert await count(conn, "SELECT count(*) FROM appended") == 0  # gathered, not yet written
        assert await count(conn, "SELECT count(*) FROM appended") == 3


async def test_a_row_already_there_is_skipped_and_the_others_are_written(platform: PlatformProcesses) -> None:
    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMP TABLE appended (id text PRIMARY KEY, n int)")
        await cur.execute("CREATE TEMP TABLE other (id text PRIMARY KEY)")
        await cur.execute("INSERT INTO appended VALUES ('b', 0)")
        async with conn.transaction(), appended_by_copy(cur):
            await append_rows(cur, "appended", ("id", "n"), [("a", 1), ("b", 2), ("c", 3)], "(id)")
            await append_rows(cur, "other", ("id",), [("x",)])
        rows = await (await conn.execute("SELECT id, n FROM appended ORDER BY id")).fetchall()
        assert rows == [("a", 1), ("b", 0), ("c", 3)]
        assert await count(conn, "SELECT count(*) FROM other") == 1  # undone with the COPYs, then inserted


async def test_outside_the_block_rows_are_inserted_at_once(platform: PlatformProcesses) -> None:
    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMP TABLE appended (id text PRIMARY KEY, n int)")
        await cur.execute("INSERT INTO appended VALUES ('a', 0)")
        await append_rows(cur, "appended", ("id", "n"), [("a", 1), ("b", 2)])
        rows = await (await conn.execute("SELECT id, n FROM appended ORDER BY id")).fetchall()
        assert rows == [("a", 0), ("b", 2)]


async def test_appended_values_arrive_unchanged_in_every_column_type(platform: PlatformProcesses) -> None:
    """Binary COPY where every column's type allows it (text, integers, timestamptz, bool, JSON written as text),
    text COPY otherwise (a uuid, an array): the same values either way, from the first COPY of a new connection."""
    text = 'tab\there, line\nbreak, back\\slash, "quotes", ООО «Ромашка»'
    document = '{"a": [1, "б\\t"], "n": null}'
    at = datetime(2026, 11, 2, 10, 30, 1, 5, tzinfo=UTC)
    outcome_id = uuid.uuid4()
    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute(
            "CREATE TEMP TABLE typed (id text PRIMARY KEY, big bigint, small int, at timestamptz, doc jsonb, flag bool)"
        )
        await cur.execute("CREATE TEMP TABLE untyped (id uuid PRIMARY KEY, tags text[], note text)")
        async with conn.transaction(), appended_by_copy(cur):
            await append_rows(
                cur, "typed", ("id", "big", "small", "at", "doc", "flag"),
                [(text, 2**40, -7, at, document, True), ("nulls", None, None, None, None, None)],
            )  # fmt: skip
            await append_rows(cur, "untyped", ("id", "tags", "note"), [(str(outcome_id), ["x", "y"], text)])
        typed = await (await conn.execute("SELECT * FROM typed ORDER BY id")).fetchall()
        assert typed == [
            ("nulls", None, None, None, None, None),
            (text, 2**40, -7, at, {"a": [1, "б\t"], "n": None}, True),
        ]
        untyped = await (await conn.execute("SELECT * FROM untyped")).fetchall()
        assert untyped == [(outcome_id, ["x", "y"], text)]


async def test_later_rows_are_made_as_they_are_written_and_again_when_rewritten(platform: PlatformProcesses) -> None:
    made: list[str] = []

    def row(source: str) -> tuple[str, int] | None:
        made.append(source)
        return None if source == "skip" else (source, len(made))

    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMP TABLE appended (id text PRIMARY KEY, n int)")
        await cur.execute("INSERT INTO appended VALUES ('b', 0)")
        async with conn.transaction(), appended_by_copy(cur):
            await append_rows(cur, "appended", ("id", "n"), LaterRows(["a", "skip", "b"], row), "(id)")
            assert made == []  # nothing made before the COPY
        # The COPY met 'b' (made once), was undone, and the rows were made again for the inserts.
        assert made == ["a", "skip", "b", "a", "skip", "b"]
        rows = await (await conn.execute("SELECT id FROM appended ORDER BY id")).fetchall()
        assert rows == [("a",), ("b",)]
        await append_rows(cur, "appended", ("id", "n"), LaterRows(["c"], row))  # outside the block: at once
        assert made[-1] == "c" and await count(conn, "SELECT count(*) FROM appended WHERE id = 'c'") == 1


async def test_a_row_that_cannot_be_made_fails_the_block_and_writes_nothing_of_it(platform: PlatformProcesses) -> None:
    """The sink then retries and isolates the batch (outside the block, where rows are made and inserted at once)."""

    def row(source: str) -> tuple[str, int]:
        if source == "bad":
            raise ValueError("no row for this one")
        return source, 1

    async with await AsyncConnection.connect(owner_dsn(platform.settings)) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMP TABLE appended (id text PRIMARY KEY, n int)")
        await conn.commit()
        with pytest.raises(ValueError, match="no row for this one"):
            async with conn.transaction(), appended_by_copy(cur):
                await append_rows(cur, "appended", ("id", "n"), LaterRows(["a", "bad", "c"], row), "(id)")
        assert await count(conn, "SELECT count(*) FROM appended") == 0
        await append_rows(cur, "appended", ("id", "n"), LaterRows(["a"], row))  # the connection still works
        assert await count(conn, "SELECT count(*) FROM appended") == 1


def shipment_records(tenant: str, shipments: int, steps: int) -> list[SinkRecord]:
    """Each shipment created, then `steps - 1` milestones, interleaved step by step as on a live topic."""
    the_codec = codec()
    milestones = ((Milestone.PICKED_UP, ShipmentStatus.PICKED_UP), (Milestone.DEPARTED, ShipmentStatus.IN_TRANSIT))
    records: list[SinkRecord] = []
    for step in range(steps):
        for n in range(shipments):
            event: Any
            if step == 0:
                event = ShipmentCreated(tenant, f"APPEND-{n}", TransportMode.SEA, START + timedelta(minutes=n), "api")
            else:
                milestone, status = milestones[step - 1]
                event = MilestoneReached(milestone, START + timedelta(hours=step), status, "edi", place="RUVVO")
            template = the_codec.encode(PLACEHOLDER, event)[0]
            envelope = replace(
                template, message_id=str(uuid.uuid4()), tenant_id=tenant, aggregate_id=f"{tenant}-{n}",
                aggregate_version=step + 1, occurred_at=START + timedelta(minutes=n, hours=step),
            )  # fmt: skip
            records.append(SinkRecord("shipment.events", 0, len(records), envelope, event))
    return records


async def test_a_batch_of_more_aggregates_than_one_upsert_holds_folds_every_one(own_database: Settings) -> None:
    tenant = f"appends-{uuid.uuid4().hex[:8]}"
    shipments = UPSERT_ROWS * 2 + 7
    records = shipment_records(tenant, shipments, 3)
    sink = PostgresSink(own_database, PROJECTIONS)  # every table: the tenant policies join across them
    await sink.start()
    try:
        await sink.apply(records[: shipments + shipments // 2], {})  # some shipments get their milestone later
        await sink.apply(records[shipments + shipments // 2 :], {})
    finally:
        await sink.stop()
    async with await AsyncConnection.connect(owner_dsn(own_database)) as conn:
        rows = await (
            await conn.execute("SELECT id, version, status, state::text FROM shipments WHERE tenant_id = %s", (tenant,))
        ).fetchall()
        assert len(rows) == shipments
        adapter = SHIPMENTS.adapter
        decider = SHIPMENTS.domain.decider
        for aggregate_id, version, status, state in rows:
            folded = decider.initial_state
            for record in records:
                if record.envelope.aggregate_id == aggregate_id:
                    folded = decider.evolve(folded, record.message)
            assert (version, status) == (3, "in_transit")
            assert adapter.validate_json(state) == folded
        assert await count(conn, "SELECT count(*) FROM shipment_history WHERE tenant_id = %s", tenant) == 3 * shipments
        assert await count(conn, "SELECT count(*) FROM audit_log WHERE tenant_id = %s", tenant) == 3 * shipments


async def test_an_event_whose_history_row_is_there_already_is_still_applied(own_database: Settings) -> None:
    """The positions make this impossible in the sink's own flow; a row left by hand must not stop the batch."""
    tenant = f"appends-{uuid.uuid4().hex[:8]}"
    records = shipment_records(tenant, 2, 1)
    sink = PostgresSink(own_database, PROJECTIONS)  # every table: the tenant policies join across them
    await sink.start()
    async with await AsyncConnection.connect(owner_dsn(own_database), autocommit=True) as conn:
        await conn.execute(
            """INSERT INTO shipment_history (tenant_id, shipment_id, version, event_type, occurred_at, payload)
               VALUES (%s, %s, 1, 'left.by.hand', now(), '{}')""",
            (tenant, records[0].envelope.aggregate_id),
        )
        try:
            await sink.apply(records, {})
        finally:
            await sink.stop()
        assert await count(conn, "SELECT count(*) FROM shipments WHERE tenant_id = %s", tenant) == 2
        history = await (
            await conn.execute(
                "SELECT shipment_id, event_type FROM shipment_history WHERE tenant_id = %s ORDER BY shipment_id",
                (tenant,),
            )
        ).fetchall()
        assert history == [
            (records[0].envelope.aggregate_id, "left.by.hand"),
            (records[1].envelope.aggregate_id, records[1].envelope.schema_name),
        ]
        assert await count(conn, "SELECT count(*) FROM audit_log WHERE tenant_id = %s", tenant) == 2


async def test_the_state_tables_compress_states_with_lz4(platform: PlatformProcesses) -> None:
    async with await psycopg.AsyncConnection.connect(owner_dsn(platform.settings)) as conn:
        rows = await (
            await conn.execute(
                """SELECT attrelid::regclass::text, attcompression FROM pg_attribute
                   WHERE attname = 'state' AND attrelid::regclass::text IN ('shipments', 'customs_declarations')"""
            )
        ).fetchall()
    assert sorted(rows) == [("customs_declarations", "l"), ("shipments", "l")]


async def test_the_sink_commits_without_waiting_for_the_wal_and_stays_in_transactions(own_database: Settings) -> None:
    sink = PostgresSink(own_database, PROJECTIONS)
    await sink.start()
    try:
        conn = await sink._connection()
        assert not conn.autocommit  # a batch is one transaction
        async with conn.transaction():
            setting = await (await conn.execute("SHOW synchronous_commit")).fetchone()
        assert setting == ("off",)
        await conn.close()  # a closed or broken connection is made again the same way
        again = await sink._connection()
        assert again is not conn
        async with again.transaction():
            assert await (await again.execute("SHOW synchronous_commit")).fetchone() == ("off",)
    finally:
        await sink.stop()
