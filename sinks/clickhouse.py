"""The ClickHouse sink: every event of every domain, one row each, keyed by the envelope.

Rows are inserted at least once; the table is a ReplacingMergeTree on (aggregate type, aggregate
id, version), so a re-delivered event collapses into one row (queries use FINAL or group by
event_id). Secret fields never reach analytics.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import clickhouse_connect
from aiokafka import TopicPartition
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import OperationalError

from sinks.clickhouse_facts import FACTS, micros_column, records_by_table
from sinks.records import SinkRecord, public_json
from sinks.runner import DeadLetters, apply_each_aggregate
from wellwon.collector import collections_paused
from wellwon.config import Settings
from wellwon.envelope import EVENT

EVENT_COLUMNS = (
    "event_id",
    "event_type",
    "schema_version",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "tenant_id",
    "actor_id",
    "correlation_id",
    "causation_id",
    "occurred_at",
    "payload",
    "topic",
    "partition",
    "offset",
)

ANALYTICS_TABLES = ("events", *(facts.table for facts in FACTS))


def analytics_database(settings: Settings) -> str:
    base = urlparse(settings.clickhouse_url).path.strip("/") or "wellwon"
    return f"{base}{settings.database_suffix}"


def analytics_client(settings: Settings, database: str | None = "") -> Client:
    """The one way code reaches ClickHouse: clickhouse-connect over HTTP at CLICKHOUSE_URL."""
    url = urlparse(settings.clickhouse_url)
    return clickhouse_connect.get_client(
        host=url.hostname or "127.0.0.1",
        port=url.port or 8123,
        username=url.username or "default",
        password=url.password or "",
        database=analytics_database(settings) if database == "" else database,
        secure=url.scheme == "https",
    )


def load_insert_libraries() -> None:
    """What clickhouse-connect imports on a process's first insert, imported now: it checks whether the rows are a
    pandas DataFrame or a numpy array, importing both if installed (Dagster brings them). That import held the GIL
    for 0.3-1 s, so every sink of the process stalled at its first ClickHouse insert (py-spy of the sinks in
    `benchmarks.engine_bench`'s latency run), in the middle of the traffic that triggered it."""
    from clickhouse_connect.driver import options

    _ = (options.pd, options.np)  # resolved (to the module, or None if absent) and kept by clickhouse-connect


def migrate_analytics(settings: Settings) -> None:
    database = analytics_database(settings)
    client = analytics_client(settings, database=None)
    try:
        client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        client.command(
            f"""CREATE TABLE IF NOT EXISTS `{database}`.events (
                event_id UUID,
                event_type LowCardinality(String),
                schema_version UInt16,
                aggregate_type LowCardinality(String),
                aggregate_id String,
                aggregate_version UInt64,
                tenant_id String,
                actor_id String,
                correlation_id String,
                causation_id String,
                occurred_at DateTime64(6, 'UTC'),
                payload String,
                topic LowCardinality(String),
                partition UInt16,
                offset UInt64,
                ingested_at DateTime64(6, 'UTC') DEFAULT now64(6)
            ) ENGINE = ReplacingMergeTree
            ORDER BY (aggregate_type, aggregate_id, aggregate_version)"""
        )
        for facts in FACTS:
            client.command(facts.ddl.format(database=database))
    finally:
        client.close()


def event_row(record: SinkRecord) -> list[Any]:
    envelope = record.envelope
    return [
        uuid.UUID(envelope.message_id),
        envelope.schema_name,
        envelope.schema_version,
        envelope.aggregate_type,
        envelope.aggregate_id,
        envelope.aggregate_version,
        envelope.tenant_id or "",
        envelope.actor_id or "",
        envelope.correlation_id,
        envelope.causation_id or "",
        envelope.occurred_at,
        public_json(record.message, anything_as_text=True).decode(),
        record.topic,
        record.partition,
        record.offset,
    ]


CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def uuid_int(text: str) -> int:
    """The UUID as the driver sends it (its 128-bit integer); what `uuid.UUID` refuses raises ValueError here too."""
    if CANONICAL_UUID.fullmatch(text):
        return int(text.replace("-", ""), 16)
    return uuid.UUID(text).int


def event_columns(events: list[SinkRecord]) -> list[list[Any]]:
    """`event_row` of each event, as the insert's columns in values the driver sends as they are: the id as its
    integer, the time in microseconds, the payload as the UTF-8 bytes orjson wrote."""
    envelopes = [record.envelope for record in events]
    return [
        [uuid_int(e.message_id) for e in envelopes],
        [e.schema_name for e in envelopes],
        [e.schema_version for e in envelopes],
        [e.aggregate_type for e in envelopes],
        [e.aggregate_id for e in envelopes],
        [e.aggregate_version for e in envelopes],
        [e.tenant_id or "" for e in envelopes],
        [e.actor_id or "" for e in envelopes],
        [e.correlation_id for e in envelopes],
        [e.causation_id or "" for e in envelopes],
        micros_column([e.occurred_at for e in envelopes]),
        [public_json(record.message, anything_as_text=True) for record in events],
        [record.topic for record in events],
        [record.partition for record in events],
        [record.offset for record in events],
    ]


ColumnsOf = Callable[[list[SinkRecord]], list[list[Any]] | None]  # a batch's columns for one table, or None


class ClickHouseSink:
    gather_seconds = 1.0
    name = "clickhouse"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client: Client | None = None

    async def start(self) -> None:
        await asyncio.to_thread(migrate_analytics, self.settings)
        self.client = await asyncio.to_thread(analytics_client, self.settings)
        await asyncio.to_thread(load_insert_libraries)

    async def stop(self) -> None:
        if self.client is not None:
            self.client.close()

    async def positions(self) -> dict[TopicPartition, int] | None:
        return None  # the consumer group's commits; inserts are idempotent

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        """One column-oriented insert per table, each sent while the next table's columns are built (the server
        inserts while Python builds); the events table last, as its columns take longest to build."""
        events = [r for r in records if r.envelope.kind == EVENT]
        if events and self.client is not None:
            with collections_paused():
                await self._insert(events, self.client)

    async def _insert(self, events: list[SinkRecord], client: Client) -> None:
        shares = records_by_table(events)
        tables: list[tuple[str, tuple[str, ...], ColumnsOf, list[SinkRecord]]]
        tables = [(f.table, f.columns, f.columns_of, shares[f.table]) for f in FACTS if f.table in shares]
        tables.append(("events", EVENT_COLUMNS, event_columns, events))
        sending: asyncio.Task[Any] | None = None
        try:
            for table, names, columns_of, share in tables:
                columns = columns_of(share)
                if sending is not None:
                    await sending
                    sending = None
                if columns:
                    sending = asyncio.create_task(
                        asyncio.to_thread(client.insert, table, columns, column_names=names, column_oriented=True)
                    )
            if sending is not None:
                await sending
                sending = None
        finally:
            if sending is not None:  # building a later table failed: the one in flight finishes first
                await asyncio.gather(sending, return_exceptions=True)

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        await apply_each_aggregate(self, records, dead_letter)

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, OperationalError | OSError)
