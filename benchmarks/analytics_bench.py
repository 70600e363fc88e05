"""Analytics benchmark: fact ingestion through the ClickHouse sink, and every dashboard at 1M and 10M events.

Run: `python -m benchmarks.analytics_bench [--events 1000000,10000000] [--quick] [--tenants 8]` against the
local ClickHouse (`wellwon stack up`); ten to fifteen minutes with the defaults on two busy cores, `--quick`
(100k and 1M) about five.
Everything happens in a fresh database, `bench_analytics_<random>`, dropped at the end.

The workload is one trade episode of a company, built from the domains' own event dataclasses and encoded by the
platform's codec: a shipment (created, route, booking, five milestones), a customs declaration (three items,
submitted, registered, released with three payments), a ledger batch of two transfers, a payment requested and
settled, an FX deal, a document upload and an EDI interchange: 18 events, 27 fact rows as inserted.

Printed, each figure beside a baseline measured in the same run:
- ingestion: events through the sink's own path (`ClickHouseSink.apply`: each table's columns built from the batch,
  then one column-oriented insert per table), in batches of `--batch`, beside a raw clickhouse-connect
  `client.insert` of the same rows (`event_row` and every `FACTS` table's `rows`), already built, into the same
  tables; rows per second and the ratio (median of three rounds);
- dashboards: for each size, N events over `--tenants` companies with their fact rows, generated inside
  ClickHouse (the episode's real rows, as the sink wrote them, copied N/18 times by INSERT ... SELECT from
  numbers() with fresh ids, tenants and times spread over 180 days), then every panel of every dashboard run
  for one company through the production query layer (`bind` with default parameters, `run_panel`), median of
  three after a warm-up; a dashboard's time is the sum of its panels', beside a plain `SELECT count()` of the
  same company's events as the baseline, with the slowest panel named;
- the reconciliation asset at 100,000 declarations: `benchmarks.reconciliation_bench`, run as it is
  (`--no-reconciliation` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from benchmarks.timing import timed
from dashboards.definitions import DASHBOARDS, Panel
from dashboards.query import bind, run_panel
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
from sinks.records import SinkRecord
from streams.customs.events import (
    DeclarationCreated,
    DeclarationRegistered,
    DeclarationReleased,
    DeclarationSubmitted,
)
from streams.customs.examples import example_declaration
from streams.customs.reconciliation import AssessedPayment
from streams.document.commands import DocumentType, StoredFile
from streams.document.events import DocumentUploaded
from streams.edi_partner.events import InterchangeRecorded, InterchangeResult, ResultStatus
from streams.fx.events import DealAgreed
from streams.ledger.events import Transfer, TransferKind, TransfersRecorded
from streams.payment.commands import Party as PaymentParty
from streams.payment.events import PaymentRequested, PaymentSettled
from streams.registry import codec
from streams.shipment.details import Carrier, RouteLeg, TransportMode
from streams.shipment.events import MilestoneReached, RoutePlanned, ShipmentBooked, ShipmentCreated
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from wellwon.config import Settings
from wellwon.envelope import EVENT

SPREAD_SECONDS = 180 * 86_400  # generated episodes start anywhere in the last 180 days
GENERATE_CHUNK = 1_000_000  # events per INSERT ... SELECT when generating


def episode(tenant: str, n: int, start: datetime) -> list[SinkRecord]:
    """One company's trade episode as the sink receives it: real events, encoded and enveloped by the codec."""
    hour = timedelta(hours=1)
    mode = (TransportMode.SEA, TransportMode.AIR, TransportMode.ROAD)[n % 3]
    origin, destination = (("CNSHA", "RUVVO"), ("DEHAM", "RULED"), ("TRIST", "RUNVS"))[n % 3]
    shipment = [
        ShipmentCreated(tenant, f"SH-{n}", mode, start, "api"),
        RoutePlanned((RouteLeg(origin, destination, mode, planned_arrival=start + 60 * hour),)),
        ShipmentBooked(Carrier("Carrier"), f"BK-{n}", start + hour, "api"),
        *(
            MilestoneReached(milestone, start + (2 + 24 * step) * hour, status, "api")
            for step, (milestone, status) in enumerate(
                (
                    (Milestone.PICKED_UP, ShipmentStatus.PICKED_UP),
                    (Milestone.DEPARTED, ShipmentStatus.IN_TRANSIT),
                    (Milestone.ARRIVED, ShipmentStatus.IN_TRANSIT),
                    (Milestone.RELEASED, ShipmentStatus.RELEASED),
                    (Milestone.DELIVERED, ShipmentStatus.DELIVERED),
                )
            )
        ),
    ]
    filed = example_declaration()
    header = replace(filed.header, procedure_code=("40", "10")[n % 2], reference=f"GEN-{n}")
    assessed = tuple(
        AssessedPayment(code, Decimal(1000 * (i + 1) + n)) for i, code in enumerate(("1010", "2010", "5010"))
    )
    declaration = [
        DeclarationCreated(tenant, header, start, items=filed.items),
        DeclarationSubmitted(start + 2 * hour, start.date()),
        DeclarationRegistered(
            f"10702070/{n}", start.date(), start + 3 * hour, Decimal(sum(p.amount for p in assessed))
        ),
        DeclarationReleased(start + 20 * hour, assessed),
    ]
    currency = ("USD", "EUR", "CNY")[n % 3]
    transfers = tuple(
        Transfer(f"tr-{n}-{i}", TransferKind.POSTED, debit, credit, 125_000 + n, currency, start, f"invoice:{n}")
        for i, (debit, credit) in enumerate(
            ((f"41:{currency}", f"60:{currency}:s1"), (f"60:{currency}:s1", f"52:{currency}"))
        )
    )
    amount = Decimal("1250.00")
    payer, beneficiary = PaymentParty("Us", "RU", "40702810"), PaymentParty(f"Supplier {n % 20}", "CN", "CN0001")
    # (type, id, first version, events); the company's one ledger: episode n's batch is its version n + 1.
    aggregates: list[tuple[str, str, int, list[Any]]] = [
        ("shipment", f"shipment-{n}", 1, shipment),
        ("customs_declaration", f"declaration-{n}", 1, declaration),
        ("ledger", "ledger", n + 1, [TransfersRecorded(transfers, linked=True)]),
        ("payment", f"payment-{n}", 1, [
            PaymentRequested(tenant, f"k{n}", amount, currency, payer, beneficiary, "goods", f"e2e{n}", start),
            PaymentSettled(f"st{n}", start.date(), amount, currency, None),
        ]),
        ("fx", f"deal-{n}", 1, [
            DealAgreed("RUB", currency, Decimal("100000"), Decimal("1100"), Decimal("0.011"), start),
        ]),
        ("document", f"doc-{n}", 1, [
            DocumentUploaded(tenant, f"doc-{n}", DocumentType.COMMERCIAL_INVOICE, "Invoice",
                             StoredFile(f"{tenant}/documents/doc-{n}/v1", "application/pdf", 1000, "0" * 64, "i.pdf"),
                             start),
        ]),
        ("edi_partner", f"partner-{n}", 1, [
            InterchangeRecorded(InterchangeResult(f"m{n}", f"partner-{n % 5}", ResultStatus.APPLIED, start, 1)),
        ]),
    ]  # fmt: skip
    records: list[SinkRecord] = []
    for aggregate_type, aggregate_id, first_version, events in aggregates:
        for version, event in enumerate(events, start=first_version):
            fields: dict[str, Any] = {
                "message_id": str(uuid.uuid4()), "kind": EVENT, "correlation_id": aggregate_id, "causation_id": None,
                "tenant_id": tenant, "actor_id": "bench", "occurred_at": start, "aggregate_type": aggregate_type,
                "aggregate_id": aggregate_id, "aggregate_version": version, "claims": {},
            }  # fmt: skip
            envelope, _ = codec().encode(fields, event)
            records.append(SinkRecord(f"{aggregate_type}.events", 0, len(records), envelope, event))
    return records


TEMPLATE_EPISODES = 6  # every mode and lane, both procedures, every currency


def template() -> list[SinkRecord]:
    start = datetime.now(UTC) - timedelta(days=3)
    return [record for n in range(TEMPLATE_EPISODES) for record in episode("t", n, start)]


def fresh_database(settings: Settings) -> Settings:
    """Settings naming a fresh, uniquely named analytics database (created by the production migration)."""
    scheme, rest = settings.clickhouse_url.split("://", 1)
    authority = rest.split("/", 1)[0]
    bench = replace(settings, clickhouse_url=f"{scheme}://{authority}/bench_analytics_{uuid.uuid4().hex[:10]}")
    migrate_analytics(bench)
    return bench


# --- ingestion ---------------------------------------------------------------------------------------


def ingestion_records(count: int, tenants: int) -> list[SinkRecord]:
    episodes = template()
    records: list[SinkRecord] = []
    for n in range(count // len(episodes)):
        tenant = f"ingest-tenant-{n % tenants}"
        for r in episodes:
            envelope = replace(r.envelope, message_id=str(uuid.uuid4()), tenant_id=tenant,
                               aggregate_id=f"{r.envelope.aggregate_id}-{n}")  # fmt: skip
            records.append(replace(r, envelope=envelope, offset=len(records)))
    return records


def ingestion(client: Client, settings: Settings, count: int, batch: int, tenants: int) -> dict[str, float]:
    records = ingestion_records(count, tenants)
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    sink = ClickHouseSink(settings)
    sink.client = client

    def through_sink() -> None:
        async def apply_all() -> None:
            for part in batches:
                await sink.apply(part, {})

        asyncio.run(apply_all())

    built = [
        [("events", [event_row(r) for r in part], EVENT_COLUMNS)]
        + [(f.table, [row for r in part for row in f.rows(r)], f.columns) for f in FACTS]
        for part in batches
    ]

    def raw_insert() -> None:
        for tables in built:
            for table, rows, columns in tables:
                if rows:
                    client.insert(table, rows, column_names=columns)

    def emptied() -> None:
        for table in ANALYTICS_TABLES:
            client.command(f"TRUNCATE TABLE {table}")

    fact_rows = sum(len(rows) for tables in built for table, rows, _ in tables if table != "events")
    sink_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(3):
        for run, times in ((through_sink, sink_times), (raw_insert, raw_times)):
            emptied()
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    emptied()
    return {"events": len(records), "fact_rows": fact_rows,
            "sink": statistics.median(sink_times), "raw": statistics.median(raw_times)}  # fmt: skip


# --- generated events for the dashboards -------------------------------------------------------------


def copy_expression(column: str, kind: str, id_column: str, tenants: int) -> str:
    """What a copied row holds in `column`: fresh ids and tenant, times moved back by the episode's offset."""
    offset = f"((u * 7919) % {SPREAD_SECONDS})"
    if column == "tenant_id":
        return f"concat('bench-tenant-', toString(u % {tenants}))"
    if column == id_column:
        return f"concat({column}, '-', toString(u))"
    if column == "event_id":
        return "generateUUIDv4(u)"
    if column == "position":
        return f"{column} + u * 1000000"
    if "Tuple(UInt64, DateTime64" in kind:
        return f"if({column}.1 = 0, {column}, ({column}.1, subtractSeconds({column}.2, {offset})))"
    if "Tuple(UInt64, Date)" in kind:
        return f"if({column}.1 = 0, {column}, ({column}.1, subtractDays({column}.2, intDiv({offset}, 86400))))"
    if "DateTime64" in kind:
        return f"subtractSeconds({column}, {offset})"
    if kind == "Date":
        return f"subtractDays({column}, intDiv({offset}, 86400))"
    return column


def generate(client: Client, events: int, per_copy: int, tenants: int, first_copy: int) -> int:
    """Copies of the template numbered from `first_copy` until the tables hold `events` events; the next number.

    In chunks of GENERATE_CHUNK events: one INSERT ... SELECT of 10M events held the local engine for minutes
    past the client's read timeout, and the run hung on a query the server had long finished.
    """
    last = events // per_copy
    chunk = max(1, GENERATE_CHUNK // per_copy)
    for start in range(first_copy, last, chunk):
        copy_range(client, start, min(chunk, last - start), tenants)
    return max(first_copy, last)


def copy_range(client: Client, first_copy: int, copies: int, tenants: int) -> None:
    for table in ANALYTICS_TABLES:
        columns = client.query(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}"
            " AND default_kind = '' ORDER BY position",
            parameters={"t": table},
        ).result_rows
        id_column = "aggregate_id" if table == "events" else columns[1][0]
        names = ", ".join(name for name, _ in columns)
        values = ", ".join(copy_expression(name, kind, id_column, tenants) for name, kind in columns)
        client.command(
            f"INSERT INTO {table} ({names}) SELECT {values}"
            f" FROM (SELECT number AS u FROM numbers({first_copy}, {copies})) AS n CROSS JOIN template_{table}"
        )


def load_template(client: Client) -> int:
    """The template's rows as the sink writes them, in Memory tables beside the real ones; its event count."""
    for table in ANALYTICS_TABLES:
        client.command(f"CREATE TABLE template_{table} AS {table} ENGINE = Memory")
    records = template()
    client.insert("template_events", [event_row(r) for r in records], column_names=EVENT_COLUMNS)
    for facts in FACTS:
        if rows := [row for r in records for row in facts.rows(r)]:
            client.insert(f"template_{facts.table}", rows, column_names=facts.columns)
    return len(records)


def panel_run(
    client: Client, database: str, tenant: str, panel: Panel, parameters: dict[str, Any]
) -> Callable[[], Any]:
    return lambda: run_panel(client, database, tenant, panel, parameters)


def dashboards(client: Client, database: str, tenant: str, today: date) -> dict[str, Any]:
    baseline = timed(lambda: client.query(
        "SELECT count() FROM events WHERE tenant_id = {tenant:String}", parameters={"tenant": tenant}))  # fmt: skip
    figures: dict[str, Any] = {"baseline": baseline, "dashboards": {}}
    for dashboard in DASHBOARDS.values():
        parameters = bind(dashboard, {}, today)
        panels = {panel.id: timed(panel_run(client, database, tenant, panel, parameters)) for panel in dashboard.panels}
        figures["dashboards"][dashboard.id] = panels
    return figures


def counts(client: Client, tenant: str) -> tuple[int, int, int]:
    events = client.query("SELECT count() FROM events").result_rows[0][0]
    mine = client.query("SELECT count() FROM events WHERE tenant_id = {t:String}", parameters={"t": tenant})
    facts = sum(client.query(f"SELECT count() FROM {f.table}").result_rows[0][0] for f in FACTS)
    return events, mine.result_rows[0][0], facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", default="1000000,10000000", help="sizes to query at, comma-separated, ascending")
    parser.add_argument("--quick", action="store_true", help="sizes 100000,1000000 and a smaller ingestion run")
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--ingest", type=int, default=36_000, help="events through the sink")
    parser.add_argument("--batch", type=int, default=5_000, help="records per sink batch")
    parser.add_argument("--no-reconciliation", action="store_true")
    args = parser.parse_args()
    sizes = [100_000, 1_000_000] if args.quick else [int(s) for s in args.events.split(",")]
    ingest = min(args.ingest, 18_000) if args.quick else args.ingest

    settings = fresh_database(Settings())
    database = analytics_database(settings)
    client = analytics_client(settings)
    try:
        ingested = ingestion(client, settings, ingest, args.batch, args.tenants)
        print(f"\nWellWon analytics benchmark (ClickHouse {client.server_version}, database {database})")
        print(f"\ningestion: {ingested['events']:,} events, {ingested['fact_rows']:,} fact rows, batches of "
              f"{args.batch} (median of 3)")  # fmt: skip
        print(f"{'path':44} {'events/s':>10} {'fact rows/s':>12} {'vs raw':>8}")
        for name, key in (("raw client.insert of the built rows", "raw"), ("the sink (ClickHouseSink.apply)", "sink")):
            seconds = ingested[key]
            print(f"{name:44} {ingested['events'] / seconds:10,.0f} {ingested['fact_rows'] / seconds:12,.0f} "
                  f"{ingested['raw'] / seconds:8.2f}", flush=True)  # fmt: skip

        per_copy = load_template(client)
        tenant, today, copies = "bench-tenant-0", datetime.now(UTC).date(), 0
        for size in sizes:
            started = time.perf_counter()
            copies = generate(client, size, per_copy, args.tenants, copies)
            generated = time.perf_counter() - started
            events, mine, facts = counts(client, tenant)
            figures = dashboards(client, database, tenant, today)
            base = figures["baseline"]
            print(f"\ndashboards at {events:,} events ({facts:,} fact rows, {args.tenants} companies, generated in "
                  f"{generated:.1f} s), for one company ({mine:,} events); seconds, median of 3")  # fmt: skip
            print(f"{'dashboard':16} {'panels':>6} {'time':>8} {'vs count':>9}  slowest panel")
            print(f"{'baseline: SELECT count() of its events':34} {base:7.3f} {1:9.1f}")
            for dashboard_id, panels in figures["dashboards"].items():
                total = sum(panels.values())
                slowest = max(panels, key=panels.__getitem__)
                print(f"{dashboard_id:16} {len(panels):6} {total:8.3f} {total / base:9.1f}  "
                      f"{slowest} {panels[slowest]:.3f} s", flush=True)  # fmt: skip
    finally:
        client.command(f"DROP DATABASE IF EXISTS `{database}`")
        client.close()

    if args.no_reconciliation:
        print("\nreconciliation asset, 100,000 declarations: `python -m benchmarks.reconciliation_bench`")
    else:
        print("\nreconciliation asset, 100,000 declarations (python -m benchmarks.reconciliation_bench):")
        sys.stdout.flush()
        subprocess.run([sys.executable, "-m", "benchmarks.reconciliation_bench"], check=True)


if __name__ == "__main__":
    main()
