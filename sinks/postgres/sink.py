"""The Postgres sink: applies every domain's events to its read model, exactly once.

Each batch is one transaction that applies the events, records command outcomes, and stores the
next Kafka offsets in `sink_offsets`, so a crash anywhere repeats nothing. `aggregate_positions`
holds each aggregate's last applied version: an event at or below it is skipped, which keeps a
replay or a duplicate record (same event re-emitted after a stream-worker crash) harmless.
After commit, the sink announces the applied versions on Redis so the API can answer a command
only once its effects are readable.

A batch costs a few statements per table, not several per event: the positions of all its aggregates
are locked and read at once and the events they admit decided in memory (`sinks.postgres.batch`);
each projection gets its events together (a state projection reads each aggregate's state once,
folds its events, upserts one row per aggregate, 250 rows a statement); the rows that only add (histories,
the audit trail, outcomes) go in by one COPY per table at the end; positions are one statement.

An event that cannot be applied (e.g. text Postgres refuses) parks its aggregate: the event and
every later one of that aggregate go to the sink's dead-letter topic (a fold must not skip an
event), all other aggregates flow on. Replaying the letters applies the parked event first, which
unparks the aggregate, then the ones after it.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
import redis.asyncio as redis
from aiokafka import TopicPartition
from psycopg import AsyncConnection, AsyncCursor

from sinks.postgres.batch import AggregateKey, Position, admit, aggregate_key, per_projection
from sinks.postgres.database import ensure_database, owner_dsn
from sinks.postgres.projection import Projection, append_rows, appended_by_copy
from sinks.postgres.tenancy import tenancy_statements
from sinks.records import SinkRecord
from sinks.runner import DeadLetters, isolate
from wellwon.collector import collections_paused
from wellwon.config import Settings
from wellwon.envelope import EVENT, OUTCOME, CommandOutcome

log = logging.getLogger("wellwon.sinks.postgres")

PLATFORM_DDL = (
    """CREATE TABLE IF NOT EXISTS sink_offsets (
        topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL,
        PRIMARY KEY (topic, partition))""",
    """CREATE TABLE IF NOT EXISTS aggregate_positions (
        aggregate_type text NOT NULL, aggregate_id text NOT NULL, version bigint NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id))""",
    # The version of the event that could not be applied; the aggregate waits for it (see above).
    "ALTER TABLE aggregate_positions ADD COLUMN IF NOT EXISTS parked_at bigint",
    """CREATE TABLE IF NOT EXISTS command_outcomes (
        command_id uuid PRIMARY KEY,
        correlation_id uuid NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        tenant_id text,
        actor_id text,
        status text NOT NULL,
        code text,
        reason text,
        field text,
        event_ids text[] NOT NULL,
        aggregate_version bigint NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now())""",
)
PLATFORM_TABLES = ("sink_offsets", "aggregate_positions", "command_outcomes")
OUTCOME_COLUMNS = (
    "command_id", "correlation_id", "aggregate_type", "aggregate_id", "tenant_id", "actor_id", "status", "code",
    "reason", "field", "event_ids", "aggregate_version",
)  # fmt: skip


def projected_channel(settings: Settings) -> str:
    return settings.name("projected")


def schema_statements(settings: Settings, projections: tuple[Projection, ...]) -> list[Any]:
    """Everything that makes the read models: tables, then tenant policies and the API's grants."""
    return [*PLATFORM_DDL, *(s for p in projections for s in p.ddl), *tenancy_statements(settings, projections)]


async def migrate(settings: Settings, projections: tuple[Projection, ...]) -> None:
    await ensure_database(settings)
    async with await AsyncConnection.connect(owner_dsn(settings)) as conn, conn.cursor() as cur:
        await cur.execute("SELECT pg_advisory_lock(4242)")  # one migrator at a time, cluster-wide roles too
        try:
            for statement in schema_statements(settings, projections):
                await cur.execute(statement)
            await conn.commit()
        finally:
            await cur.execute("SELECT pg_advisory_unlock(4242)")
            await conn.commit()


async def drop_read_models(cur: AsyncCursor[Any], projections: tuple[Projection, ...]) -> None:
    for table in (*PLATFORM_TABLES, *(t for p in projections for t in p.tables)):
        await cur.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


async def sink_connection(settings: Settings) -> AsyncConnection[Any]:
    """The sink's connection, its commits not waiting for the WAL to reach disk (`synchronous_commit = off`).

    The read models are rebuilt from Kafka, and the positions the sink goes on from are in the same transactions
    as the rows: a crash of Postgres loses the last commits (at most three WAL writer rounds, 0.6 s by default)
    and their positions together, and the sink applies those records again once Postgres is back (the runner goes
    back to the stored positions of all its partitions). Nothing is lost or doubled; a read in between may miss what
    the API had already answered. A batch's commit no longer waits for a flush of the WAL (5-7 ms here)."""
    conn = await AsyncConnection.connect(owner_dsn(settings), autocommit=True)
    await conn.execute("SET synchronous_commit = off")
    await conn.set_autocommit(False)
    return conn


class PostgresSink:
    gather_seconds = 0.0
    name = "postgres"

    def __init__(self, settings: Settings, projections: tuple[Projection, ...]):
        self.settings = settings
        self.projections = {p.domain: p for p in projections}
        self.for_every_event = [p for p in projections if p.domain == "*"]
        self.conn: AsyncConnection[Any] | None = None
        self.redis: redis.Redis | None = None

    async def start(self) -> None:
        await migrate(self.settings, tuple(self.projections.values()))
        self.conn = await sink_connection(self.settings)
        self.redis = redis.from_url(self.settings.redis_url)

    async def stop(self) -> None:
        if self.conn is not None:
            await self.conn.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def _connection(self) -> AsyncConnection[Any]:
        if self.conn is None or self.conn.closed or self.conn.broken:
            self.conn = await sink_connection(self.settings)
        return self.conn

    async def positions(self) -> dict[TopicPartition, int]:
        conn = await self._connection()
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("SELECT topic, partition, next_offset FROM sink_offsets")
            return {TopicPartition(t, p): o for t, p, o in await cur.fetchall()}

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        conn = await self._connection()
        applied: list[tuple[str, int]] = []
        # In pipeline mode a write is sent without waiting for its result, so Postgres applies one statement's
        # rows while this process builds the next one's; a read waits only for itself. An error still fails the
        # batch at the latest on commit, as before. The appended rows are COPYed after the pipeline (COPY cannot
        # run in one). No cyclic collection meanwhile (see `wellwon.collector`).
        with collections_paused():
            async with conn.transaction(), conn.cursor() as cur, appended_by_copy(cur), conn.pipeline():
                await self._apply_records(cur, records, applied)
                await self._store_positions(cur, next_offsets)
        await self._announce(applied)

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        """One transaction still: each aggregate in a savepoint, then each record of a failing one."""
        conn = await self._connection()
        applied: list[tuple[str, int]] = []
        async with conn.transaction(), conn.cursor() as cur:

            async def attempt(group: list[SinkRecord]) -> None:
                done: list[tuple[str, int]] = []
                try:
                    async with conn.transaction():  # a savepoint
                        await self._apply_records(cur, group, done)
                except Exception as exc:
                    if len(group) == 1 and not self.unavailable(exc):
                        await self._park(cur, group[0])
                    raise
                applied.extend(done)

            failed = await isolate(records, attempt, self.unavailable)
            await dead_letter(failed)  # acknowledged before the positions past them are committed
            await self._store_positions(cur, next_offsets)
        await self._announce(applied)

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError | OSError)

    async def _apply_records(
        self, cur: AsyncCursor[Any], records: list[SinkRecord], applied: list[tuple[str, int]]
    ) -> None:
        """The batch in a few statements per table: positions, each projection's rows, outcomes."""
        events = [r for r in records if r.envelope.kind == EVENT]
        outcomes = [r for r in records if r.envelope.kind == OUTCOME]
        if events:
            admitted, versions = admit(await self._lock_positions(cur, events), events)
            for projection, its_events in per_projection(admitted, self.projections, self.for_every_event):
                await projection.apply_all(cur, its_events)
            await cur.execute(
                """UPDATE aggregate_positions p SET version = n.version, parked_at = NULL
                   FROM unnest(%b::text[], %b::text[], %b::bigint[]) AS n(aggregate_type, aggregate_id, version)
                   WHERE p.aggregate_type = n.aggregate_type AND p.aggregate_id = n.aggregate_id""",
                ([t for t, _ in versions], [i for _, i in versions], list(versions.values())),
            )
            applied += [(r.envelope.aggregate_id, r.envelope.aggregate_version) for r in admitted]
        if outcomes:
            await self._record_outcomes(cur, outcomes)
            applied += [(r.envelope.aggregate_id, 0) for r in outcomes]

    async def _lock_positions(self, cur: AsyncCursor[Any], events: list[SinkRecord]) -> dict[AggregateKey, Position]:
        """The stored positions of the batch's aggregates, each row locked until commit (a new aggregate gets a
        row at version 0 first, so that a concurrent sink, e.g. during a rebalance, waits for this one)."""
        keys = sorted({aggregate_key(r) for r in events})
        types, ids = [t for t, _ in keys], [i for _, i in keys]
        await cur.execute(
            """INSERT INTO aggregate_positions (aggregate_type, aggregate_id, version)
               SELECT aggregate_type, aggregate_id, 0
               FROM unnest(%b::text[], %b::text[]) AS k(aggregate_type, aggregate_id)
               ON CONFLICT DO NOTHING""",
            (types, ids),
        )
        await cur.execute(
            """SELECT p.aggregate_type, p.aggregate_id, p.version, p.parked_at
               FROM aggregate_positions p JOIN unnest(%b::text[], %b::text[]) AS k(aggregate_type, aggregate_id)
               USING (aggregate_type, aggregate_id)
               ORDER BY p.aggregate_type, p.aggregate_id FOR UPDATE OF p""",
            (types, ids),
        )
        found = {(t, i): Position(v, parked) for t, i, v, parked in await cur.fetchall()}
        # A version-0 row is one made just now (no event has version 0): nothing applied yet, as if absent.
        return {key: p for key, p in found.items() if p.version > 0 or p.parked_at is not None}

    async def _store_positions(self, cur: AsyncCursor[Any], next_offsets: dict[TopicPartition, int]) -> None:
        await cur.executemany(
            """INSERT INTO sink_offsets (topic, partition, next_offset) VALUES (%s, %s, %s)
               ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset""",
            [(tp.topic, tp.partition, offset) for tp, offset in next_offsets.items()],
        )

    async def _announce(self, applied: list[tuple[str, int]]) -> None:
        if applied and self.redis is not None:
            await self.redis.publish(projected_channel(self.settings), orjson.dumps(applied))

    async def _park(self, cur: AsyncCursor[Any], record: SinkRecord) -> None:
        """Hold the aggregate at this event: it and the later ones wait for the event's replay."""
        envelope = record.envelope
        if envelope.kind != EVENT:
            return  # an outcome is no step of a fold: nothing waits for it
        await cur.execute(
            """INSERT INTO aggregate_positions (aggregate_type, aggregate_id, version, parked_at) VALUES (%s, %s, 0, %s)
               ON CONFLICT (aggregate_type, aggregate_id)
               DO UPDATE SET parked_at = COALESCE(aggregate_positions.parked_at, EXCLUDED.parked_at)""",
            (envelope.aggregate_type, envelope.aggregate_id, envelope.aggregate_version),
        )

    async def _record_outcomes(self, cur: AsyncCursor[Any], records: list[SinkRecord]) -> None:
        rows = []
        for record in records:
            envelope, outcome = record.envelope, record.message
            assert isinstance(outcome, CommandOutcome)
            rows.append([
                outcome.command_id, envelope.correlation_id, envelope.aggregate_type, envelope.aggregate_id,
                envelope.tenant_id, envelope.actor_id, outcome.status, outcome.code, outcome.reason, outcome.field,
                list(outcome.event_ids), outcome.aggregate_version,
            ])  # fmt: skip
        await append_rows(cur, "command_outcomes", OUTCOME_COLUMNS, rows, "(command_id)")
