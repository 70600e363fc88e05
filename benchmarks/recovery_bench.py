"""Recovery of a stream worker after kill -9: the memory store against RocksDB, with N aggregates in a table.

    python -m benchmarks.recovery_bench [--aggregates 1000000]

In a fresh namespace, N user-account aggregate records (real records: a registration decided by the domain's
decider and kept as the engine keeps it, one per account id) are written straight to the table's changelog, as
a worker would have left them. For each store, the stream worker is started, killed -9 once it answers a
command, and started again; the restart is timed until it answers a command (Faust starts the agents only once
the tables are recovered):
- memory store: the restart rebuilds the tables from the whole changelog;
- RocksDB: the restart opens its local databases and reads only the changelog's tail.
Baselines, in the same run: the same restart with an empty changelog (the fixed cost: start-up, the dead
member's session timeout, the rebalance), and a raw aiokafka read of the whole changelog (the floor of a rebuild).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from api.command_bus import CommandBus, Issued
from stack import services
from stack.processes import PlatformProcesses
from streams.engine import AggregateStore
from streams.local_store import MEMORY, ROCKSDB
from streams.registry import DOMAINS, codec
from streams.step import AggregateRecord, step
from streams.user_account.commands import RegisterUserAccount, UpdateProfile
from streams.user_account.domain import USER_ACCOUNT
from wellwon.cli import prepare
from wellwon.config import Settings
from wellwon.envelope import Envelope, command_fields
from wellwon.topics import changelog_topic, delete_namespace_topics, partitions_of

DOMAIN = USER_ACCOUNT
SESSION_TIMEOUT = "6"  # the broker's smallest allowed: a killed worker's partitions move on after it


def account_record(account_id: str) -> bytes:
    """A registered account's record as the engine writes it to the table: state, version, the last outcome."""
    command = RegisterUserAccount(f"{account_id[:8]}@example.com", "$argon2id$" + "x" * 87, "Иван", "Петров", "h" * 64)
    fields = command_fields(DOMAIN.name, account_id, str(uuid.uuid4()), account_id)
    envelope = Envelope(**fields, schema_name=f"{DOMAIN.name}.RegisterUserAccount", schema_version=1, payload=b"")
    initial = AggregateRecord(state=DOMAIN.decider.initial_state)
    done = step(DOMAIN.decider, initial, envelope, command)
    assert done.outcome.status == "accepted", done.outcome
    state = initial.state
    for emitted in done.events:
        state = DOMAIN.decider.evolve(state, emitted.event)
    outcomes = {fields["message_id"]: [done.outcome.status, done.outcome.code, done.outcome.reason]}
    return AggregateStore(DOMAIN).dump(AggregateRecord(state=state, version=len(done.events), outcomes=outcomes))


async def fill_changelog(settings: Settings, count: int) -> int:
    """Write `count` account records to the table's changelog, keyed and partitioned as the engine does."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1
    )
    await producer.start()
    topic = changelog_topic(settings, DOMAIN.aggregates_table)
    template_id = str(uuid.UUID(int=0))
    template = account_record(template_id)
    size = 0
    try:
        pending = []
        for i in range(count):
            account_id = str(uuid.UUID(int=i + 1))
            value = template.replace(template_id[:8].encode(), account_id[:8].encode())
            size += len(value)
            pending.append(await producer.send(topic, value, key=account_id.encode()))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return size // max(count, 1)


async def raw_read(settings: Settings, count: int) -> float:
    """Seconds to read the whole changelog with a plain consumer: the floor of any rebuild."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [changelog_topic(settings, DOMAIN.aggregates_table)])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        started, seen = time.monotonic(), 0
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=500, max_records=10_000)).values():
                seen += len(records)
        return time.monotonic() - started
    finally:
        await consumer.stop()


@dataclass
class Worker:
    """The stream worker as a child process, with the store and folder chosen by environment."""

    processes: PlatformProcesses

    async def start_until_ready(self, timeout: float = 900) -> float:
        """Seconds from the worker's start until it answered a command."""
        started = time.monotonic()
        self.processes.start("streams")
        await answered(self.processes.settings, timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        self.processes.kill("streams")


async def answered(settings: Settings, timeout: float) -> None:
    """A profile update of an account that does not exist: any outcome means the agent runs."""

    async def no_projection(_type: str, _id: str) -> int:
        return 1 << 62  # no read model runs here

    bus = CommandBus(settings, codec(), DOMAINS, no_projection)
    await bus.start()
    try:
        issued = Issued(actor_id="bench", tenant_id=None, claims=())
        probe = str(uuid.uuid4())
        _, outcome = await bus.send(DOMAIN, probe, UpdateProfile(first_name="Проба"), issued, timeout=timeout)
        assert outcome is not None, "the worker did not answer"
    finally:
        await bus.stop()


def worker(store: str, name: str, namespace: str | None = None) -> Worker:
    env = {"STREAMS_STORE": store, "STREAMS_WORKER_NAME": name, "STREAMS_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT}
    processes = PlatformProcesses(log_level="WARNING", extra_env=env)
    if namespace:
        processes.namespace = namespace
    return Worker(processes)


async def killed_and_restarted(store: str, name: str, namespace: str) -> float:
    """Start the worker, kill it -9 once it answers, start it again: seconds until it answers again."""
    process = worker(store, name, namespace)
    try:
        await process.start_until_ready()
        process.kill()  # kill -9: no shutdown, no flush, no commit
        return await process.start_until_ready()
    finally:
        process.processes.stop_all()  # also when it never answered: no worker is left behind


async def run(aggregates: int) -> None:
    services.up()
    empty = worker(MEMORY, "bench-empty").processes.settings
    await prepare(empty, DOMAINS)
    fixed = await killed_and_restarted(MEMORY, "bench-empty", empty.namespace)

    settings = worker(MEMORY, "bench").processes.settings
    await prepare(settings, DOMAINS)
    print(f"writing {aggregates:,} aggregate records to {changelog_topic(settings, DOMAIN.aggregates_table)} ...")
    record_bytes = await fill_changelog(settings, aggregates)
    raw = await raw_read(settings, aggregates)
    from_memory = await killed_and_restarted(MEMORY, "bench-memory", settings.namespace)
    from_rocksdb = await killed_and_restarted(ROCKSDB, "bench-rocksdb", settings.namespace)
    for finished in (empty, settings):
        await delete_namespace_topics(finished)

    rows = [
        ("baseline: empty changelog", fixed),
        ("baseline: raw read of the changelog (aiokafka)", raw),
        ("memory store (rebuild from the whole changelog)", from_memory),
        ("RocksDB (local databases + the changelog's tail)", from_rocksdb),
    ]
    print(
        f"\nStream worker restart after kill -9: {aggregates:,} user-account aggregates ({record_bytes} bytes each)"
        f" in one table, {settings.partitions} partitions, one worker, one local broker; seconds from the restart"
        f" until it answered a command (the dead worker's session timeout, {SESSION_TIMEOUT} s, included in each)"
    )
    print(f"{'':50} {'seconds':>8} {'vs memory':>10} {'vs raw read':>12}")
    for label, seconds in rows:
        print(f"{label:50} {seconds:8.1f} {seconds / from_memory:10.2f} {seconds / raw:12.2f}")
    print(f"RocksDB restart: {from_memory / from_rocksdb:.1f}x faster than the memory store's rebuild")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aggregates", type=int, default=int(os.environ.get("RECOVERY_BENCH_AGGREGATES", 1_000_000)))
    args = parser.parse_args()
    asyncio.run(run(args.aggregates))


if __name__ == "__main__":
    main()
