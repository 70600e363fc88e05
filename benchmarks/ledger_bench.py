"""Ledger benchmark: transfers per second through the engine beside a baseline, and trial balances at 1M transfers.

Run: `python -m benchmarks.ledger_bench` (starts the local stack if needed; about two minutes).

Throughput, in one fresh namespace on the same broker and the same stream worker, each figure as a
ratio to the baseline measured in the same run:
- baseline: `ReceiveStock` commands spread over warehouses (one small event each);
- ledger, one transfer per command: an invoice's payment settling (60 -> 51), spread over tenants' ledgers;
- ledger, batches: a linked batch per command, each settling BATCH invoices (goods received 41 -> 60 and
  the payment 60 -> 51, two transfers per invoice), so a command carries 2 x BATCH transfers.

Trial balance at 1M transfers: 2M entry rows (two per transfer, 200 accounts, RUB) are bulk-loaded
straight into the read models (Postgres COPY, ClickHouse insert), not sent through the engine, and
the trial balance query (per account, to a date) is timed against each, beside a plain full scan of
the same rows (count and sum) as that store's baseline. The loaded rows are removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import psycopg

from benchmarks.engine_bench import throughput
from sinks.clickhouse import analytics_client
from sinks.postgres import ledger_queries
from sinks.postgres.database import owner_dsn
from stack import services
from stack.processes import PlatformProcesses
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, TransferSpec
from streams.ledger.decider import ledger_id_for
from streams.registry import DOMAINS, codec
from streams.warehouse.commands import AddLocation, LocationKind, ReceiveStock, RegisterWarehouse
from streams.warehouse.decider import warehouse_id_for
from wellwon.cli import prepare
from wellwon.config import Settings
from wellwon.envelope import command_fields

TENANTS = 50
BANK = AccountRef("51", "bank")
TRIAL_ACCOUNTS = 200


def command(domain: str, aggregate_id: str, tenant_id: str, message: Any) -> tuple[bytes, bytes]:
    fields = command_fields(domain, aggregate_id, str(uuid.uuid4()), "bench", tenant_id)
    return aggregate_id.encode(), codec().encode(fields, message)[1]


def warehouse_workload(tenants: list[str], count: int) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
    ids = [warehouse_id_for(t, "BENCH") for t in tenants]
    setup = [
        command("warehouse", w, t, RegisterWarehouse("BENCH", "Bench", "DE")) for w, t in zip(ids, tenants, strict=True)
    ]
    setup += [
        command("warehouse", w, t, AddLocation("IN", LocationKind.RECEIVING)) for w, t in zip(ids, tenants, strict=True)
    ]
    load = [
        command("warehouse", ids[i % len(ids)], tenants[i % len(ids)], ReceiveStock(f"SKU-{i % 97}", Decimal(1), "IN"))
        for i in range(count)
    ]
    return setup, load


def settle(invoice: str, amount: Decimal, with_goods: bool) -> list[TransferSpec]:
    """An invoice's transfers: the goods received against the payable (if asked), and its payment from the bank."""
    supplier = AccountRef("60", f"s{hash(invoice) % 20}")
    payment = TransferSpec(f"{invoice}:paid", supplier, BANK, amount, "RUB", reference=f"invoice:{invoice}")
    if not with_goods:
        return [payment]
    goods = TransferSpec(f"{invoice}:goods", AccountRef("41"), supplier, amount, "RUB", reference=f"invoice:{invoice}")
    return [goods, payment]


def ledger_workload(
    tenants: list[str], commands: int, batch: int
) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
    """Open and fund each tenant's bank account; then `commands` commands of `batch` invoices each."""
    setup = []
    for tenant in tenants:
        ledger = ledger_id_for(tenant)
        setup.append(command("ledger", ledger, tenant, OpenAccount("51", "RUB", "bank")))
        funding = TransferSpec("capital", BANK, AccountRef("80"), Decimal("1000000000"), "RUB")
        setup.append(command("ledger", ledger, tenant, RecordTransfers((funding,))))
    load = []
    for i in range(commands):
        tenant = tenants[i % len(tenants)]
        run = uuid.uuid4().hex[:8]
        specs = [t for j in range(batch) for t in settle(f"{run}-{i}-{j}", Decimal("125.50"), batch > 1)]
        load.append(command("ledger", ledger_id_for(tenant), tenant, RecordTransfers(tuple(specs), linked=batch > 1)))
    return setup, load


async def engine_throughput(processes: PlatformProcesses, commands: int, batch: int) -> dict[str, float]:
    settings = processes.settings
    tenants = [str(uuid.uuid4()) for _ in range(TENANTS)]
    figures: dict[str, float] = {}
    for name, (setup, load) in (
        ("warehouse", warehouse_workload(tenants, commands)),
        ("ledger_single", ledger_workload(tenants, commands, 1)),
        ("ledger_batch", ledger_workload(tenants, max(1, commands // batch), batch)),
    ):
        domain = name.split("_")[0]
        commands_topic, results_topic = settings.name(f"{domain}.commands"), settings.name(f"{domain}.results")
        await throughput(settings, commands_topic, results_topic, setup)  # setup, warm-up
        figures[name] = await throughput(settings, commands_topic, results_topic, load)
    return figures


# --- trial balance over 1M transfers ----------------------------------------------------------------


def entry_rows(transfers: int, tenant: str, day: date) -> list[tuple[Any, ...]]:
    """Two entries per transfer between random accounts, in ledger order, spread over the 30 days to `day`."""
    rng = random.Random(7)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=29)
    rows: list[tuple[Any, ...]] = []
    for n in range(transfers):
        debit, credit = rng.sample(range(TRIAL_ACCOUNTS), 2)
        amount = rng.randint(1, 10_000_000)
        at = start + timedelta(seconds=n * 30 * 86400 // transfers)
        rows.append((tenant, f"60:RUB:a{debit}", n, f"t{n}", "RUB", amount, 0, at))
        rows.append((tenant, f"60:RUB:a{credit}", n, f"t{n}", "RUB", 0, amount, at))
    return rows


def timed(run: Any, repeats: int = 3) -> float:
    """The median of `repeats` timings of `run()`, after one warm-up."""
    run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def postgres_trial_balance(
    settings: Settings, rows: list[tuple[Any, ...]], tenant: str, day: date
) -> dict[str, float]:
    dsn = owner_dsn(settings)
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY ledger_entries (tenant_id, account_id, position, transfer_id, currency, debit, credit, "
                "recorded_at) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.execute("ANALYZE ledger_entries")
        load = time.perf_counter() - started

    async def trial() -> dict[str, Any]:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            return await ledger_queries.trial_balance(conn, "RUB", day)

    async def scan() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            await (await conn.execute("SELECT count(*), sum(debit) FROM ledger_entries")).fetchone()

    result = await trial()
    assert result["balanced"] and len(result["accounts"]) == TRIAL_ACCOUNTS, result["total_debits"]
    trial_seconds = await atimed(trial)
    scan_seconds = await atimed(scan)
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM ledger_entries WHERE tenant_id = %s", (tenant,))
    return {"load": load, "trial_balance": trial_seconds, "scan": scan_seconds}


async def atimed(run: Any, repeats: int = 3) -> float:
    await run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def clickhouse_trial_balance(
    settings: Settings, rows: list[tuple[Any, ...]], tenant: str, day: date
) -> dict[str, float]:
    client = analytics_client(settings)
    try:
        columns = ("tenant_id", "ledger_id", "position", "transfer_id", "account_id", "chart", "currency", "debit",
                   "credit", "kind", "reference", "code", "recorded_at")  # fmt: skip
        ledger = ledger_id_for(tenant)
        started = time.perf_counter()
        for chunk in range(0, len(rows), 500_000):
            data = [[t, ledger, p, tr, a, "60", c, d, cr, "posted", "", "", at]
                    for t, a, p, tr, c, d, cr, at in rows[chunk:chunk + 500_000]]  # fmt: skip
            client.insert("ledger_entries", data, column_names=columns)
        load = time.perf_counter() - started
        trial_query = """SELECT account_id, sum(debit), sum(credit) FROM ledger_entries
            WHERE tenant_id = {t:String} AND currency = 'RUB' AND recorded_at < {end:DateTime64(6)}
            GROUP BY account_id ORDER BY account_id"""
        end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        parameters = {"t": tenant, "end": end}
        result = client.query(trial_query, parameters=parameters).result_rows
        assert len(result) == TRIAL_ACCOUNTS and sum(r[1] for r in result) == sum(r[2] for r in result)
        trial_seconds = timed(lambda: client.query(trial_query, parameters=parameters))
        scan_seconds = timed(lambda: client.query("SELECT count(), sum(debit) FROM ledger_entries"))
        client.command("TRUNCATE TABLE ledger_entries")
        return {"load": load, "trial_balance": trial_seconds, "scan": scan_seconds}
    finally:
        client.close()


async def main(commands: int, batch: int, transfers: int) -> None:
    services.up()
    processes = PlatformProcesses(log_level="WARNING", extra_env={"COMMAND_TIMEOUT_SECONDS": "30"})
    settings = processes.settings
    await prepare(settings, DOMAINS)
    processes.start("streams")
    try:
        engine = await engine_throughput(processes, commands, batch)
    finally:
        processes.stop_all()
    tenant, day = str(uuid.uuid4()), datetime.now(UTC).date()
    rows = entry_rows(transfers, tenant, day)
    postgres = await postgres_trial_balance(settings, rows, tenant, day)
    clickhouse = await asyncio.to_thread(clickhouse_trial_balance, settings, rows, tenant, day)

    base = engine["warehouse"]
    print(f"\nWellWon ledger benchmark ({commands} commands per run over {TENANTS} tenants, {settings.partitions} "
          "partitions, one worker, one local broker)")  # fmt: skip
    print(f"{'throughput':48} {'commands/s':>11} {'transfers/s':>12} {'vs baseline':>12}")
    runs = (
        ("baseline: warehouse ReceiveStock", base, 0),
        ("ledger: 1 transfer per command", engine["ledger_single"], engine["ledger_single"]),
        (f"ledger: linked batch of {2 * batch} transfers", engine["ledger_batch"], engine["ledger_batch"] * 2 * batch),
    )
    for name, per_second, moved in runs:
        moved_text = f"{moved:12.0f}" if moved else f"{'-':>12}"
        print(f"{name:48} {per_second:11.0f} {moved_text} {per_second / base:12.2f}")
    print(f"\ntrial balance over {transfers:,} transfers ({2 * transfers:,} entries, {TRIAL_ACCOUNTS} accounts), "
          "rows bulk-loaded directly (seconds, median of 3)")  # fmt: skip
    print(f"{'store':12} {'load':>8} {'full scan':>10} {'trial balance':>14} {'vs scan':>8}")
    for name, figures in (("postgres", postgres), ("clickhouse", clickhouse)):
        ratio = figures["trial_balance"] / figures["scan"]
        print(f"{name:12} {figures['load']:8.2f} {figures['scan']:10.3f} {figures['trial_balance']:14.3f} {ratio:8.2f}")
    print(orjson.dumps({"engine": engine, "postgres": postgres, "clickhouse": clickhouse}).decode())


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=10, help="invoices settled per batched command")
    parser.add_argument("--transfers", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.commands, args.batch, args.transfers))


if __name__ == "__main__":
    cli()
