"""The Postgres sink: applies every domain's events to its read model, exactly once.

Each batch is one transaction that applies the events, records command outcomes, and stores the
next Kafka offsets in `sink_offsets`, so a crash anywhere repeats nothing. `aggregate_positions`
holds each aggregate's last applied version: an event at or below it is skipped, which keeps a
replay or a duplicate record (same event re-emitted after a stream-worker crash) harmless.
After commit, the sink announces the applied versions on Redis so the API can answer a command
only once its effects are readable.

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

from sinks.postgres.database import ensure_database, owner_dsn
from sinks.postgres.projection import Projection
from sinks.postgres.tenancy import tenancy_statements
from sinks.records import SinkRecord
from sinks.runner import DeadLetters, RecordFault, isolate
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


class ParkedAggregate(RecordFault):
    """An event of an aggregate waiting for an earlier event of its own that could not be applied."""


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
        self.conn = await AsyncConnection.connect(owner_dsn(self.settings))
        self.redis = redis.from_url(self.settings.redis_url)

    async def stop(self) -> None:
        if self.conn is not None:
            await self.conn.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def _connection(self) -> AsyncConnection[Any]:
        if self.conn is None or self.conn.closed or self.conn.broken:
            self.conn = await AsyncConnection.connect(owner_dsn(self.settings))
        return self.conn

    async def positions(self) -> dict[TopicPartition, int]:
        conn = await self._connection()
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute("SELECT topic, partition, next_offset FROM sink_offsets")
            return {TopicPartition(t, p): o for t, p, o in await cur.fetchall()}

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        conn = await self._connection()
        applied: list[tuple[str, int]] = []
        async with conn.transaction(), conn.cursor() as cur:
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
        for record in records:
            if record.envelope.kind == EVENT and await self._apply_event(cur, record):
                applied.append((record.envelope.aggregate_id, record.envelope.aggregate_version))
            elif record.envelope.kind == OUTCOME:
                await self._record_outcome(cur, record)
                applied.append((record.envelope.aggregate_id, 0))

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

    async def _apply_event(self, cur: AsyncCursor[Any], record: SinkRecord) -> bool:
        envelope = record.envelope
        key = (envelope.aggregate_type, envelope.aggregate_id)
        await cur.execute(
            """INSERT INTO aggregate_positions (aggregate_type, aggregate_id, version) VALUES (%s, %s, %s)
               ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = EXCLUDED.version
               WHERE aggregate_positions.version < EXCLUDED.version AND aggregate_positions.parked_at IS NULL
               RETURNING version""",
            (*key, envelope.aggregate_version),
        )
        if await cur.fetchone() is None:
            await cur.execute(
                "SELECT version, parked_at FROM aggregate_positions WHERE aggregate_type = %s AND aggregate_id = %s",
                key,
            )
            row = await cur.fetchone()
            assert row is not None
            version, parked_at = row
            if parked_at is None or envelope.aggregate_version <= version:
                return False  # already applied
            if envelope.aggregate_version != parked_at:
                raise ParkedAggregate(
                    f"{envelope.aggregate_type} {envelope.aggregate_id} waits for its event v{parked_at}, "
                    "which could not be applied (see the earlier dead letter)"
                )
            # The parked event again (a replayed dead letter): apply it and let the aggregate go on.
            await cur.execute(
                """UPDATE aggregate_positions SET version = %s, parked_at = NULL
                   WHERE aggregate_type = %s AND aggregate_id = %s""",
                (envelope.aggregate_version, *key),
            )
        projection = self.projections.get(envelope.aggregate_type)
        if projection is not None:
            await projection.apply(cur, envelope, record.message)
        for every in self.for_every_event:
            await every.apply(cur, envelope, record.message)
        return True

    async def _record_outcome(self, cur: AsyncCursor[Any], record: SinkRecord) -> None:
        envelope, outcome = record.envelope, record.message
        assert isinstance(outcome, CommandOutcome)
        await cur.execute(
            """INSERT INTO command_outcomes (command_id, correlation_id, aggregate_type, aggregate_id, tenant_id,
                   actor_id, status, code, reason, field, event_ids, aggregate_version)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (command_id) DO NOTHING""",
            (
                outcome.command_id,
                envelope.correlation_id,
                envelope.aggregate_type,
                envelope.aggregate_id,
                envelope.tenant_id,
                envelope.actor_id,
                outcome.status,
                outcome.code,
                outcome.reason,
                outcome.field,
                list(outcome.event_ids),
                outcome.aggregate_version,
            ),
        )
