"""Projection and replay benchmark: the Postgres projection beside a raw COPY of the same rows, the ClickHouse sink
beside a raw clickhouse-connect insert of the same rows, and `wellwon replay` from Kafka beside a raw read.

Run: `python -m benchmarks.projection_bench [--events 30000] [--replay 1000000] [--tenants 40]` against the local
stack (`wellwon stack up`). Everything happens in a fresh namespace `bench_proj_<random>` (its Postgres database,
ClickHouse database and Kafka topics), removed at the end.

The workload: shipments of `--tenants` companies, each ten events built from the domain's own dataclasses and
encoded by the platform's codec (created with parties and incoterm, route, two cargo items, booking, five
milestones), interleaved as a live topic holds them: shipments start in waves of `--wave`, each wave's events
ordered by step, so a batch holds a few events of each of many aggregates.

Printed, each figure beside a baseline measured in the same run (seconds are the median of `--rounds` after a
warm-up; the Postgres projection's and COPY's rounds in turns):
- Postgres: the events through the production sink (`PostgresSink.apply`, every projection, the audit trail,
  positions and offsets, one call per batch of `--batch` as the live runner fetches them) into emptied tables,
  beside a raw COPY of the very rows that run left in those tables (read back, JSON as text, then copied in one
  transaction into tables of the same definitions in a schema of their own, by the sink's own `copy_rows`: binary
  where the columns' types allow, as the sink's appends); events/s, rows/s, COPY time / sink time, and
  the CPU seconds of the benchmark's process and of Postgres for each;
- ClickHouse: the same events through `ClickHouseSink.apply` in batches of `--ch-batch`, beside a raw
  `client.insert` of the same rows, already built, into the same tables; ratio raw time / sink time;
- replay: `--replay` events produced to the namespace's shipment topic (not timed), then the replay functions
  `wellwon replay` calls (postgres, clickhouse, and all), each timed end to end (drop, recreate, read, decode,
  apply), beside reading the same records raw with aiokafka; events/s and raw time / replay time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from psycopg import AsyncConnection

from benchmarks.cpu import machine_use, snapshot
from sinks.clickhouse import (
    ANALYTICS_TABLES,
    EVENT_COLUMNS,
    ClickHouseSink,
    analytics_client,
    analytics_database,
    event_row,
    migrate_analytics,
)
from sinks.clickhouse_facts import FACTS
from sinks.postgres.database import drop_database, ensure_database, owner_dsn
from sinks.postgres.projection import copy_rows
from sinks.postgres.projections import PROJECTIONS
from sinks.postgres.sink import PLATFORM_DDL, PLATFORM_TABLES, PostgresSink
from sinks.records import SinkRecord
from sinks.runner import FETCH_RECORDS, GATHER_LIMIT
from streams.registry import DOMAINS, codec
from streams.shipment.cargo import CargoItem
from streams.shipment.details import Carrier, Party, RouteLeg, TransportMode
from streams.shipment.events import (
    CargoItemDeclared,
    MilestoneReached,
    RoutePlanned,
    ShipmentBooked,
    ShipmentCreated,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from wellwon.config import Settings
from wellwon.envelope import EVENT, Envelope
from wellwon.topics import create_topics, partitions_of, platform_topics

EVENTS_PER_SHIPMENT = 10
JSONB_OID = 3802
PARTITIONS = 6
T = TypeVar("T")


def shipment_events(tenant: str, n: int, start: datetime) -> list[Any]:
    """One shipment's life as its events: what an operator and a carrier's feed record for it."""
    hour = timedelta(hours=1)
    mode = (TransportMode.SEA, TransportMode.AIR, TransportMode.ROAD, TransportMode.RAIL)[n % 4]
    origin, destination = (("CNSHA", "RUVVO"), ("DEHAM", "RULED"), ("TRIST", "RUNVS"), ("CNXIY", "RUMOW"))[n % 4]
    shipper = Party(f"Shipper {n % 97} Co., Ltd.", f"{n % 300} Harbour Road", "CN", "Shanghai", "200000")
    consignee = Party(f"ООО Получатель {n % 89}", f"ул. Складская, {n % 50}", "RU", "Москва", "101000")
    cargo = [
        CargoItem(f"item-{n}-{i}", f"Goods line {i} of shipment {n}", 10 + i, "CT", Decimal(f"{120 + i}.5"),
                  Decimal(f"{110 + i}.0"), Decimal("1.250"), hs_code="8471300000")
        for i in range(2)
    ]  # fmt: skip
    milestones = (
        (Milestone.PICKED_UP, ShipmentStatus.PICKED_UP),
        (Milestone.DEPARTED, ShipmentStatus.IN_TRANSIT),
        (Milestone.ARRIVED, ShipmentStatus.IN_TRANSIT),
        (Milestone.RELEASED, ShipmentStatus.RELEASED),
        (Milestone.DELIVERED, ShipmentStatus.DELIVERED),
    )
    return [
        ShipmentCreated(tenant, f"SH-{n:08d}", mode, start, "api", Incoterm.FCA, "Shanghai", shipper, consignee),
        RoutePlanned((RouteLeg(origin, destination, mode, f"VOY-{n % 400}", planned_arrival=start + 60 * hour),)),
        *(CargoItemDeclared(item) for item in cargo),
        ShipmentBooked(Carrier(f"Carrier {n % 12}"), f"BK-{n}", start + hour, "api"),
        *(
            MilestoneReached(milestone, start + (2 + 24 * step) * hour, status, "edi", place=destination)
            for step, (milestone, status) in enumerate(milestones)
        ),
    ]


def generate(
    events: int, tenants: int, wave: int, distinct: int | None = None, topic: str = "shipment.events"
) -> list[tuple[SinkRecord, bytes]]:
    """`events` shipment events (rounded down to whole shipments) in topic order, each decoded and as bytes.

    With `distinct`, shipment n carries the payloads of shipment n % distinct (encoding every payload is what
    makes a million slow to generate); each event still has its own envelope, aggregate, tenant and ids."""
    the_codec = codec()
    shipments = events // EVENTS_PER_SHIPMENT
    pool = distinct - distinct % tenants if distinct else shipments  # a payload's tenant is the envelope's
    start = datetime(2026, 11, 1, tzinfo=UTC)
    out: list[tuple[SinkRecord, bytes]] = []
    offsets = [0] * PARTITIONS
    run = uuid.uuid4().hex[:6]
    encoded: dict[int, list[tuple[Any, Envelope]]] = {}
    for first in range(0, shipments, wave):
        wave_shipments = range(first, min(first + wave, shipments))
        for n in wave_shipments:
            if n % pool not in encoded:
                m = n % pool
                life = shipment_events(f"bench-tenant-{m % tenants}", m, start + timedelta(minutes=m))
                encoded[m] = [(event, the_codec.encode(PLACEHOLDER, event)[0]) for event in life]
        for step in range(EVENTS_PER_SHIPMENT):
            for n in wave_shipments:
                event, template = encoded[n % pool][step]
                aggregate_id = f"shipment-{run}-{n}"
                envelope = replace(
                    template, message_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()),
                    tenant_id=f"bench-tenant-{n % tenants}", actor_id=f"user-{n % 7}",
                    occurred_at=start + timedelta(minutes=n, hours=step), aggregate_id=aggregate_id,
                    aggregate_version=step + 1,
                )  # fmt: skip
                partition = zlib.crc32(aggregate_id.encode()) % PARTITIONS
                record = SinkRecord(topic, partition, offsets[partition], envelope, event, aggregate_id.encode())
                offsets[partition] += 1
                out.append((record, the_codec.encode_envelope(envelope)))
        if distinct is None:
            encoded.clear()
    return out


PLACEHOLDER: dict[str, Any] = {
    "message_id": "", "kind": EVENT, "correlation_id": "", "causation_id": None, "tenant_id": None,
    "actor_id": None, "occurred_at": datetime(2026, 11, 1, tzinfo=UTC), "aggregate_type": "shipment",
    "aggregate_id": "", "aggregate_version": 0, "claims": {},
}  # fmt: skip


def batches_of(records: list[SinkRecord], size: int) -> list[tuple[list[SinkRecord], dict[TopicPartition, int]]]:
    """Consecutive batches with the next offsets a runner would store after each."""
    out = []
    for i in range(0, len(records), size):
        part = records[i : i + size]
        next_offsets: dict[TopicPartition, int] = {}
        for r in part:
            next_offsets[TopicPartition(r.topic, r.partition)] = r.offset + 1
        out.append((part, next_offsets))
    return out


def median_after_warm_up(run: Callable[[], float], rounds: int) -> float:
    """`run` returns the seconds of its measured part (its set-up is not counted)."""
    run()
    return statistics.median(run() for _ in range(rounds))


# --- Postgres ---------------------------------------------------------------------------------------


async def postgres_figures(settings: Settings, records: list[SinkRecord], batch: int, rounds: int) -> dict[str, Any]:
    sink = PostgresSink(settings, PROJECTIONS)
    await sink.start()  # the production migration: every table, policy and grant
    tables = [*PLATFORM_TABLES, *(t for p in PROJECTIONS for t in p.tables)]
    batches = batches_of(records, batch)
    async with await AsyncConnection.connect(owner_dsn(settings), autocommit=True) as conn:

        async def emptied() -> None:
            await conn.execute(f"TRUNCATE {', '.join(f'public.{t}' for t in tables)}")

        async def through_sink() -> Spent:
            await emptied()
            with spent() as took:
                for part, next_offsets in batches:
                    await sink.apply(part, next_offsets)
            return took

        await through_sink()  # a warm-up
        # The rows the projection left: the COPY baseline writes exactly these.
        written: dict[str, tuple[list[str], list[list[Any]]]] = {}
        for table in tables:
            cur = await conn.execute(f"SELECT * FROM {table}")
            rows = [list(row) for row in await cur.fetchall()]
            if rows:
                assert cur.description is not None
                json_columns = [i for i, c in enumerate(cur.description) if c.type_code == JSONB_OID]
                for row in rows if json_columns else []:  # JSON as text, as the sink has it (written once)
                    row[:] = [orjson.dumps(v).decode() if i in json_columns else v for i, v in enumerate(row)]
                written[table] = ([c.name for c in cur.description], rows)
        await conn.execute("CREATE SCHEMA raw")
        await conn.execute("SET search_path TO raw")
        for project in PROJECTIONS:
            for statement in (*PLATFORM_DDL, *project.ddl):
                await conn.execute(statement)

        async def raw_copy() -> Spent:
            await conn.execute(f"TRUNCATE {', '.join(written)}")
            with spent() as took:
                async with conn.transaction(), conn.cursor() as cur:
                    for table, (columns, rows) in written.items():
                        await copy_rows(cur, table, columns, [rows])  # binary where the sink's would be
            return took

        await raw_copy()  # a warm-up
        # Taken in turns: the machine's speed drifts within minutes, and each drift then moves both alike.
        sink_times, copy_times = [], []
        for _ in range(rounds):
            sink_times.append(await through_sink())
            copy_times.append(await raw_copy())
    await sink.stop()
    return {
        "sink": Spent.median(sink_times),
        "copy": Spent.median(copy_times),
        "rows": {table: len(rows) for table, (_, rows) in written.items()},
    }


@dataclass
class Spent:
    """Wall seconds, and CPU seconds of this process and of Postgres: on a shared 2-core machine the wall time
    drifts by a third from run to run, the CPU less."""

    wall: float = 0.0
    client: float = 0.0
    postgres: float = 0.0

    @staticmethod
    def median(runs: list[Spent]) -> Spent:
        return Spent(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall", "client", "postgres")))


@contextlib.contextmanager
def spent() -> Iterator[Spent]:
    took = Spent()
    before, started, cpu = snapshot(), time.perf_counter(), time.process_time()
    yield took
    took.wall, took.client = time.perf_counter() - started, time.process_time() - cpu
    use = machine_use(before, snapshot())
    took.postgres = use.groups.get("postgres", 0.0) * took.wall


# --- ClickHouse -------------------------------------------------------------------------------------


def clickhouse_figures(settings: Settings, records: list[SinkRecord], batch: int, rounds: int) -> dict[str, Any]:
    migrate_analytics(settings)
    client = analytics_client(settings)
    sink = ClickHouseSink(settings)
    sink.client = client
    batches = batches_of(records, batch)
    built = [
        [("events", [event_row(r) for r in part], EVENT_COLUMNS)]
        + [(f.table, [row for r in part for row in f.rows(r)], f.columns) for f in FACTS]
        for part, _ in batches
    ]

    def emptied() -> None:
        for table in ANALYTICS_TABLES:
            client.command(f"TRUNCATE TABLE {table}")

    def through_sink() -> float:
        emptied()

        async def apply_all() -> None:
            for part, next_offsets in batches:
                await sink.apply(part, next_offsets)

        started = time.perf_counter()
        asyncio.run(apply_all())
        return time.perf_counter() - started

    def raw_insert() -> float:
        emptied()
        started = time.perf_counter()
        for tables in built:
            for table, rows, columns in tables:
                if rows:
                    client.insert(table, rows, column_names=columns)
        return time.perf_counter() - started

    figures = {
        "sink": median_after_warm_up(through_sink, rounds),
        "raw": median_after_warm_up(raw_insert, rounds),
        "rows": sum(len(rows) for tables in built for _, rows, _ in tables),
    }
    client.close()
    return figures


# --- replay -----------------------------------------------------------------------------------------


async def produce(settings: Settings, generated: list[tuple[SinkRecord, bytes]]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks=1, linger_ms=20, max_batch_size=1 << 20, compression_type=None
    )
    await producer.start()
    try:
        pending = []
        for record, value in generated:
            pending.append(await producer.send(settings.name(record.topic), value, key=record.key))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def raw_read(settings: Settings, topics: list[str]) -> int:
    """Every record of the topics up to their ends, read and counted: what any replay must at least do."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        read = 0
        while remaining:
            for tp, part in (await consumer.getmany(timeout_ms=500, max_records=5000)).items():
                read += len(part)
                if part and part[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return read
    finally:
        await consumer.stop()


def timed(run: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def replay_figures(settings: Settings, events: int, tenants: int, wave: int) -> dict[str, Any]:
    """Synchronous: `replay_all` forks, which it may do only outside an event loop."""
    from sinks.replay import replay_all, replay_clickhouse, replay_postgres

    asyncio.run(create_topics(settings, platform_topics(settings, DOMAINS)))
    started = time.perf_counter()
    generated = generate(events, tenants, wave, distinct=4_000)
    asyncio.run(produce(settings, generated))
    produced = time.perf_counter() - started
    del generated
    the_codec = codec()
    events_topics = [settings.name(d.events_topic) for d in DOMAINS]
    results_topics = [settings.name(d.results_topic) for d in DOMAINS]
    raw, read = timed(lambda: asyncio.run(raw_read(settings, events_topics + results_topics)))
    figures: dict[str, Any] = {"events": read, "produced": produced, "raw": raw}
    figures["postgres"], _ = timed(
        lambda: asyncio.run(replay_postgres(settings, the_codec, PROJECTIONS, events_topics + results_topics))
    )
    figures["clickhouse"], _ = timed(lambda: asyncio.run(replay_clickhouse(settings, the_codec, events_topics)))
    figures["all"], _ = timed(lambda: replay_all(settings, the_codec, PROJECTIONS, events_topics, results_topics))
    return figures


async def delete_topics(settings: Settings) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(settings.name(""))]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=30_000, help="events through each sink")
    parser.add_argument(
        "--batch", type=int, default=FETCH_RECORDS, help="records per Postgres apply (the runner's fetch)"
    )
    parser.add_argument("--ch-batch", type=int, default=GATHER_LIMIT, help="records per ClickHouse apply (its gather)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=40)
    parser.add_argument("--wave", type=int, default=1_000, help="shipments started together")
    parser.add_argument("--replay", type=int, default=1_000_000, help="events to replay; 0 skips the replay")
    parser.add_argument("--parts", default="postgres,clickhouse,replay", help="which of the three to run")
    args = parser.parse_args()

    settings = Settings(namespace=f"bench_proj_{uuid.uuid4().hex[:8]}")
    print(f"WellWon projection benchmark: namespace {settings.namespace}, load {os.getloadavg()[0]:.2f}", flush=True)
    parts = set(args.parts.split(","))
    records = [record for record, _ in generate(args.events, args.tenants, args.wave)] if parts - {"replay"} else []
    try:
        asyncio.run(ensure_database(settings))  # the namespace is new: so is its database
        if "postgres" in parts:
            pg = asyncio.run(postgres_figures(settings, records, args.batch, args.rounds))
            copied = sum(pg["rows"].values())
            print(f"\nPostgres: {len(records):,} shipment events in batches of {args.batch:,}, {args.tenants} "
                  f"companies; {copied:,} rows written ({', '.join(f'{t} {n:,}' for t, n in pg['rows'].items())}); "
                  f"median of {args.rounds}")  # fmt: skip
            print(f"{'path':46} {'seconds':>8} {'events/s':>10} {'rows/s':>10} {'vs COPY':>8} "
                  f"{'CPU: client':>12} {'Postgres':>9}")  # fmt: skip
            for name, key in (("raw COPY of the same rows", "copy"), ("the projection (PostgresSink.apply)", "sink")):
                took = pg[key]
                print(f"{name:46} {took.wall:8.2f} {len(records) / took.wall:10,.0f} {copied / took.wall:10,.0f} "
                      f"{pg['copy'].wall / took.wall:8.2f} {took.client:12.2f} {took.postgres:9.2f}",
                      flush=True)  # fmt: skip

        if "clickhouse" in parts:
            ch = clickhouse_figures(settings, records, args.ch_batch, args.rounds)
            print(f"\nClickHouse: the same events in batches of {args.ch_batch:,}, {ch['rows']:,} rows (events and "
                  f"facts); median of {args.rounds}")  # fmt: skip
            print(f"{'path':46} {'seconds':>8} {'events/s':>10} {'rows/s':>10} {'vs raw':>8}")
            paths = (("raw client.insert of the built rows", "raw"), ("the sink (ClickHouseSink.apply)", "sink"))
            for name, key in paths:
                seconds = ch[key]
                print(f"{name:46} {seconds:8.2f} {len(records) / seconds:10,.0f} {ch['rows'] / seconds:10,.0f} "
                      f"{ch['raw'] / seconds:8.2f}", flush=True)  # fmt: skip

        if "replay" in parts and args.replay:
            del records
            rp = replay_figures(settings, args.replay, args.tenants, args.wave)
            print(f"\nreplay: {rp['events']:,} events on the namespace's topics (generated and produced in "
                  f"{rp['produced']:.0f} s, not counted); one run each, load {os.getloadavg()[0]:.2f}")  # fmt: skip
            print(f"{'path':46} {'seconds':>8} {'events/s':>10} {'vs raw':>8}")
            for name, key in (
                ("raw aiokafka read of the same records", "raw"),
                ("wellwon replay postgres", "postgres"),
                ("wellwon replay clickhouse", "clickhouse"),
                ("wellwon replay all (the two at once)", "all"),
            ):
                seconds = rp[key]
                print(f"{name:46} {seconds:8.1f} {rp['events'] / seconds:10,.0f} {rp['raw'] / seconds:8.2f}")
    finally:
        asyncio.run(drop_database(settings))
        client = analytics_client(settings, database=None)
        client.command(f"DROP DATABASE IF EXISTS `{analytics_database(settings)}`")
        client.close()
        asyncio.run(delete_topics(settings))


if __name__ == "__main__":
    main()
