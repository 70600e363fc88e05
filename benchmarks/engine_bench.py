"""Benchmark of the stream engine: commands per second through the Faust agent, and latency from
API request to WebSocket push, each beside baselines measured in the same run on the same broker.

Run: `python -m benchmarks.engine_bench` (starts the local stack if needed; ~4 minutes). Throughput is taken in
`--rounds` rounds (3), each running the two relays and the engine one after another, alone on the machine; the
medians of the per-round ratios are the figures, since a loaded machine moves every absolute figure.
`--latency-commands 0` skips the latency part; `--profile` runs the worker under cProfile (so its
throughput is not comparable), skips latency, and prints where the worker's main thread spends its time.

Baselines, each a separate process consuming the same kind of command records and producing the
same three records per command (event, state changelog, outcome):
- relay/raw:    aiokafka consume -> produce, no decoding (the I/O floor);
- relay/domain: the same plus the engine's decoding, decide/evolve and encoding, without Faust.
Latency baseline: produce a command straight to Kafka -> relay/domain -> consume its outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import websockets
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks import cpu
from benchmarks.path_timing import percentile, stage_lines
from stack import services
from stack.processes import PROCESS_MODULES, PROJECT_ROOT, PlatformProcesses
from streams.aggregates import AggregateStore
from streams.registry import DOMAINS, codec
from streams.step import step
from streams.user_account.commands import RegisterUserAccount, UpdateProfile
from streams.user_account.decider import account_id_for_email
from streams.user_account.domain import USER_ACCOUNT
from wellwon import fetch_codec
from wellwon.cli import prepare
from wellwon.config import Settings
from wellwon.envelope import command_fields, event_fields, outcome_fields
from wellwon.topics import TopicSpec, create_topics, delete_namespace_topics, partitions_of

ACCOUNTS = 200
CLIENT_CONNECTIONS = 1000
REST_SECONDS = 10.0
POINTS = ("sent", "issued", "command", "event", "outcome", "pushed", "projected", "delivered", "answered")


def command_value(account_id: str, message: Any, command_id: str | None = None) -> bytes:
    fields = command_fields("user_account", account_id, command_id or str(uuid.uuid4()), account_id)
    return codec().encode(fields, message)[1]


def workload(count: int) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
    """Registrations of the accounts, then `count` profile updates spread over them."""
    accounts = [account_id_for_email(f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com") for i in range(ACCOUNTS)]
    setup = [
        (a.encode(), command_value(a, RegisterUserAccount(f"b{i}@example.com", "h", "Bench", "User", "v")))
        for i, a in enumerate(accounts)
    ]
    load = [
        (accounts[i % ACCOUNTS].encode(), command_value(accounts[i % ACCOUNTS], UpdateProfile(first_name=f"n{i}")))
        for i in range(count)
    ]
    return setup, load


async def produce(settings: Settings, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def count_until(settings: Settings, topic: str, wanted: int, timeout: float = 600) -> tuple[float, float]:
    """Reads a topic from its end; the times the first and the `wanted`-th record arrived."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        seen, first, deadline = 0, 0.0, time.monotonic() + timeout
        ready.set()
        while seen < wanted and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                if records and not first:
                    first = time.monotonic()
                seen += len(records)
        if seen < wanted:
            raise RuntimeError(f"only {seen} of {wanted} records on {topic}")
        return first, time.monotonic()
    finally:
        await consumer.stop()


ready = asyncio.Event()


async def throughput(
    settings: Settings, commands_topic: str, results_topic: str, records: list[tuple[bytes, bytes]]
) -> float:
    ready.clear()
    counter = asyncio.create_task(count_until(settings, results_topic, len(records)))
    await ready.wait()
    started = time.monotonic()
    await produce(settings, commands_topic, records)
    _, finished = await counter
    return len(records) / (finished - started)


# ---- the baseline relay, run in its own process: `python -m benchmarks.engine_bench relay ...`


async def relay(settings: Settings, source: str, prefix: str, with_domain: bool) -> None:
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{prefix}-relay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=5,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=2)
    await consumer.start()
    await producer.start()
    store = AggregateStore(USER_ACCOUNT)
    states: dict[bytes, Any] = {}

    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=500)
            deliveries = []
            for tp, records in batches.items():
                for record in records:
                    key = record.key or b""
                    if not with_domain:
                        for topic in (f"{prefix}.events", f"{prefix}.changelog", f"{prefix}.results"):
                            deliveries.append(await producer.send(topic, record.value, key=key, partition=tp.partition))
                        continue
                    envelope, command = codec().decode(record.value)
                    aggregate = states.get(key) or store.load(None)
                    done = step(USER_ACCOUNT.decider, aggregate, envelope, command)
                    for emitted in done.events:
                        fields = event_fields(envelope, emitted.event_id, emitted.aggregate_version)
                        _, value = codec().encode(fields, emitted.event)
                        deliveries.append(
                            await producer.send(f"{prefix}.events", value, key=key, partition=tp.partition)
                        )
                    states[key] = aggregate
                    _, value = codec().encode(outcome_fields(envelope, done.outcome), done.outcome)
                    deliveries.append(await producer.send(f"{prefix}.results", value, key=key, partition=tp.partition))
                    deliveries.append(
                        await producer.send(
                            f"{prefix}.changelog", store.dump(aggregate), key=key, partition=tp.partition
                        )
                    )
            for delivery in deliveries:
                await delivery
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


async def relay_topics(settings: Settings, prefix: str) -> None:
    n = settings.partitions
    await create_topics(
        settings,
        [
            TopicSpec(f"{prefix}.commands", n),
            TopicSpec(f"{prefix}.events", n),
            TopicSpec(f"{prefix}.results", n),
            TopicSpec(f"{prefix}.changelog", n, {"cleanup.policy": "compact"}),
        ],
    )


def start_relay(processes: PlatformProcesses, prefix: str, with_domain: bool) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "benchmarks.engine_bench", "relay", prefix] + (["--domain"] if with_domain else [])
    return subprocess.Popen(argv, env=processes.env, cwd=PROJECT_ROOT)


@contextlib.asynccontextmanager
async def running_relay(processes: PlatformProcesses, with_domain: bool) -> AsyncIterator[tuple[str, str]]:
    """A baseline relay in its own process, on topics of its own: (commands topic, results topic)."""
    prefix = processes.settings.name(f"relay-{'domain' if with_domain else 'raw'}-{uuid.uuid4().hex[:6]}")
    await relay_topics(processes.settings, prefix)
    child = start_relay(processes, prefix, with_domain)
    try:
        yield f"{prefix}.commands", f"{prefix}.results"
    finally:
        child.terminate()
        child.wait(10)


@contextlib.asynccontextmanager
async def running_engine(processes: PlatformProcesses, profile: Path | None = None) -> AsyncIterator[tuple[str, str]]:
    """The platform's stream worker (under cProfile, writing `profile` when it stops, if given): (commands topic,
    results topic) of the user-account domain."""
    if profile is None:
        processes.start("streams")
    else:
        start_profiled_worker(processes, profile)
    try:
        yield processes.settings.name(USER_ACCOUNT.commands_topic), processes.settings.name(USER_ACCOUNT.results_topic)
    finally:
        processes.stop("streams")


async def round_throughputs(processes: PlatformProcesses, commands: int) -> dict[str, float]:
    """One round: the raw relay, the domain relay and the engine, one after another and each alone on the
    machine (started for its turn, stopped after it), register fresh accounts (warm-up: group join, first
    fetches), then take `commands` updates of them; the updates' commands per second, by name."""
    contenders = {
        "raw": lambda: running_relay(processes, False),
        "domain": lambda: running_relay(processes, True),
        "engine": lambda: running_engine(processes),
    }
    figures = {}
    for name, running in contenders.items():
        setup, load = workload(commands)
        async with running() as (commands_topic, results_topic):
            await throughput(processes.settings, commands_topic, results_topic, setup)
            figures[name] = await throughput(processes.settings, commands_topic, results_topic, load)
    return figures


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def throughput_lines(rounds: list[dict[str, float]]) -> list[str]:
    """Each round's commands/s and its ratios to the relays of the same round, then the medians of those."""
    lines = [f"{'round':6} {'relay/raw':>10} {'relay/domain':>13} {'engine':>8} {'vs raw':>7} {'vs domain':>10}"]
    for number, figures in enumerate(rounds, 1):
        raw, domain, engine = figures["raw"], figures["domain"], figures["engine"]
        lines.append(
            f"{number:<6} {raw:10.0f} {domain:13.0f} {engine:8.0f} {engine / raw:7.2f} {engine / domain:10.2f}"
        )
    middle = {name: median([figures[name] for figures in rounds]) for name in ("raw", "domain", "engine")}
    vs_raw = median([figures["engine"] / figures["raw"] for figures in rounds])
    vs_domain = median([figures["engine"] / figures["domain"] for figures in rounds])
    lines.append(
        f"{'median':6} {middle['raw']:10.0f} {middle['domain']:13.0f} {middle['engine']:8.0f} {vs_raw:7.2f}"
        f" {vs_domain:10.2f}"
    )
    return lines


async def sinks_caught_up(settings: Settings, timeout: float = 600) -> None:
    """Waits until the Postgres sink has stored positions at the ends of the events and results topics."""
    import psycopg

    from sinks.postgres.database import owner_dsn

    topics = [settings.name(USER_ACCOUNT.events_topic), settings.name(USER_ACCOUNT.results_topic)]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(await partitions_of(consumer, topics))
    finally:
        await consumer.stop()
    wanted = sum(ends.values())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(owner_dsn(settings)) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE topic = ANY(%s)", (topics,)
            )
            if int(row.fetchone()[0]) >= wanted:  # type: ignore[index]
                return
        await asyncio.sleep(1)
    raise RuntimeError("the sinks did not catch up")


# ---- latency


async def redis_points(
    settings: Settings,
    account_id: str,
    subscribed: asyncio.Event,
    pushed: dict[str, float],
    projected: dict[int, float],
) -> None:
    """When the push sink's message for each profile name, and the Postgres sink's announcement of each version of
    the account, arrive on Redis (runs until cancelled)."""
    import redis.asyncio as redis

    from sinks.postgres.sink import projected_channel

    push_channel = settings.name(f"push:user:{account_id}")
    client = redis.from_url(settings.redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(push_channel, projected_channel(settings))
    subscribed.set()
    try:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is None:
                continue
            at, data = time.time(), orjson.loads(message["data"])
            if message["channel"].decode() == push_channel:
                pushed.setdefault(data["payload"].get("first_name"), at)
            else:
                for aggregate_id, version in data:
                    if aggregate_id == account_id:
                        projected.setdefault(version, at)
    finally:
        await pubsub.aclose()
        await client.aclose()


async def kafka_points(settings: Settings, account_id: str, seen: dict[str, dict[str, float]]) -> dict[int, str]:
    """The account's command, event and outcome records' timestamps, by profile name; returns version -> name."""
    topics = {
        "command": settings.name(USER_ACCOUNT.commands_topic),
        "event": settings.name(USER_ACCOUNT.events_topic),
        "outcome": settings.name(USER_ACCOUNT.results_topic),
    }
    key = account_id.encode()
    names_by_command: dict[str, str] = {}
    names_by_version: dict[int, str] = {}
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        for point, topic in topics.items():  # commands first: outcomes name their command, not the profile name
            partitions = await partitions_of(consumer, [topic])
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                    for record in records:
                        if record.key != key:
                            continue
                        envelope, message = codec().decode(record.value)
                        at = record.timestamp / 1000
                        if point == "outcome":
                            name = names_by_command.get(message.command_id)
                        else:
                            name = getattr(message, "first_name", None)
                        if name not in seen["sent"]:  # e.g. the registration's name
                            continue
                        seen[point].setdefault(name, at)
                        if point == "command":
                            names_by_command[envelope.message_id] = name
                            seen["issued"].setdefault(name, envelope.occurred_at.timestamp())
                        elif point == "event":
                            names_by_version[envelope.aggregate_version] = name
    finally:
        await consumer.stop()
    return names_by_version


async def until(moment: float) -> None:
    """Sleeps until a monotonic moment: commands leave on a fixed schedule (open loop), however long each send took."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def api_to_push_latency(
    processes: PlatformProcesses, rate: float, count: int
) -> tuple[list[float], dict[str, dict[str, float]], cpu.CpuUse]:
    """PATCH /api/auth/profile at a steady rate; time until the matching event arrives on /ws, the times each
    command passed the path's points (`benchmarks.path_timing`), and the machine's CPU use meanwhile."""
    settings = processes.settings
    email = f"latency-{uuid.uuid4().hex[:8]}@example.com"
    account_id = account_id_for_email(email)
    seen: dict[str, dict[str, float]] = {point: {} for point in POINTS}
    projected_versions: dict[int, float] = {}
    subscribed = asyncio.Event()
    listener = asyncio.create_task(redis_points(settings, account_id, subscribed, seen["pushed"], projected_versions))
    await subscribed.wait()
    # aiohttp, not httpx: at 200 requests/s httpx took 0.57 of a core of the 2 the platform runs on. The pool is
    # large enough that requests leave on schedule however long the API holds them (open loop).
    async with aiohttp.ClientSession(
        base_url=processes.base_url,
        timeout=aiohttp.ClientTimeout(total=30),
        connector=aiohttp.TCPConnector(limit=CLIENT_CONNECTIONS),
    ) as api:
        async with api.post(
            "/api/auth/register",
            json={"email": email, "password": "benchmark-pass", "first_name": "L", "last_name": "T"},
        ) as registered:
            registered.raise_for_status()
        async with api.post("/api/auth/login", json={"email": email, "password": "benchmark-pass"}) as login:
            tokens = await login.json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        sent: dict[str, float] = {}
        samples: list[float] = []
        refused: list[str] = []  # an HTTP status >= 400, or the error a request ended with (e.g. a timeout)
        async with websockets.connect(
            f"ws://127.0.0.1:{processes.api_port}/ws?token={tokens['access_token']}"
        ) as socket:

            async def receive() -> None:
                async for message in socket:
                    event = json.loads(message)
                    name = event["payload"].get("first_name")
                    if name in sent:
                        seen["delivered"][name] = time.time()
                        samples.append(time.monotonic() - sent.pop(name))

            async def update(name: str) -> None:
                # An overloaded API may time out: counted and printed, as a refusal is, and the run goes on.
                try:
                    async with api.patch("/api/auth/profile", headers=headers, json={"first_name": name}) as answer:
                        if answer.status >= 400:
                            refused.append(str(answer.status))
                except (aiohttp.ClientError, TimeoutError) as exc:
                    refused.append(type(exc).__name__)
                    return
                seen["answered"][name] = time.time()

            receiver = asyncio.create_task(receive())
            requests = []
            cpu_before = cpu.snapshot()
            began = time.monotonic()
            for i in range(count):
                name = f"p{i}"
                sent[name] = time.monotonic()
                seen["sent"][name] = time.time()
                requests.append(asyncio.create_task(update(name)))
                await until(began + (i + 1) / rate)
            await asyncio.gather(*requests)
            use = cpu.machine_use(cpu_before, cpu.snapshot())
            if refused:
                print(f"{len(refused)} of {count} updates refused or failed: {sorted(set(refused))}")
            if receiver.done() and not receiver.cancelled() and receiver.exception() is not None:
                print(f"the WebSocket closed during the run: {receiver.exception()!r}; later pushes are missing")
            deadline = time.monotonic() + 10
            while sent and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            receiver.cancel()
    listener.cancel()
    names_by_version = await kafka_points(settings, account_id, seen)
    for version, at in projected_versions.items():
        if version in names_by_version:
            seen["projected"][names_by_version[version]] = at
    return samples, seen, use


async def relay_latency(processes: PlatformProcesses, rate: float, count: int) -> list[float]:
    settings = processes.settings
    prefix = settings.name(f"relay-latency-{uuid.uuid4().hex[:6]}")
    await relay_topics(settings, prefix)
    child = start_relay(processes, prefix, with_domain=True)
    account = account_id_for_email(f"lat-{uuid.uuid4().hex[:6]}@example.com")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=5)
    await producer.start()
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [f"{prefix}.results"])
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        await producer.send_and_wait(
            f"{prefix}.commands",
            command_value(account, RegisterUserAccount("l@example.com", "h", "L", "T", "v")),
            key=account.encode(),
        )
        # The relay has joined its group once the registration's outcome comes back (seconds on a loaded machine).
        deadline = time.monotonic() + 120
        while not await consumer.getmany(timeout_ms=200):
            if time.monotonic() > deadline:
                raise RuntimeError("the latency relay did not answer within 120 s")
        sent: dict[str, float] = {}
        samples: list[float] = []

        async def receive() -> None:
            while True:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    for record in records:
                        _, outcome = codec().decode(record.value)
                        if outcome.command_id in sent:
                            samples.append(time.monotonic() - sent.pop(outcome.command_id))

        receiver = asyncio.create_task(receive())
        began = time.monotonic()
        for i in range(count):
            command_id = str(uuid.uuid4())
            sent[command_id] = time.monotonic()
            await producer.send(
                f"{prefix}.commands",
                command_value(account, UpdateProfile(first_name=f"r{i}"), command_id),
                key=account.encode(),
            )
            await until(began + (i + 1) / rate)
        deadline = time.monotonic() + 10
        while sent and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        receiver.cancel()
        return samples
    finally:
        await producer.stop()
        await consumer.stop()
        child.terminate()
        child.wait(10)


def start_profiled_worker(processes: PlatformProcesses, output: Path) -> None:
    """The stream worker under cProfile; it writes `output` when it stops (SIGTERM: a clean Faust shutdown)."""
    argv = [sys.executable, "-m", "cProfile", "-o", str(output), "-m", PROCESS_MODULES["streams"]]
    log = open(processes.log_path("streams"), "ab")  # noqa: SIM115 - the child writes to it
    processes.processes["streams"] = subprocess.Popen(
        argv, env=processes.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def print_profile(output: Path, entries: int = 30) -> None:
    import pstats

    if not output.exists():
        print(f"no profile at {output}: the worker did not stop cleanly")
        return
    stats = pstats.Stats(str(output))
    stats.strip_dirs()
    print("\nworker profile (main thread; the consumer's fetching runs in its own thread), by cumulative time")
    stats.sort_stats("cumulative").print_stats(entries)
    print("by own time")
    stats.sort_stats("tottime").print_stats(entries // 2)


async def main(commands: int, rate: float, latency_count: int, rounds: int = 3, profile: bool = False) -> None:
    services.up()
    processes = PlatformProcesses(log_level="WARNING", extra_env={"COMMAND_TIMEOUT_SECONDS": "30"})
    settings = processes.settings
    await prepare(settings, DOMAINS)
    profile_output = processes.log_path("streams").with_suffix(".prof")
    throughputs: list[dict[str, float]] = []
    engine_latency: list[float] = []
    baseline_latency: list[float] = []
    path_points: dict[str, dict[str, float]] = {}
    use: cpu.CpuUse | None = None
    at_rest: cpu.CpuUse | None = None
    try:
        if profile:
            setup, load = workload(commands)
            async with running_engine(processes, profile_output) as (commands_topic, results_topic):
                await throughput(settings, commands_topic, results_topic, setup)
                profiled = await throughput(settings, commands_topic, results_topic, load)
            print(f"\nthe engine under cProfile: {profiled:.0f} commands/s (not comparable)")
            print_profile(profile_output)
            return
        for _ in range(rounds):
            throughputs.append(await round_throughputs(processes, commands))
        if latency_count:
            processes.start("streams")
            processes.start("sinks")
            processes.start("api")
            processes.wait_for_api()
            await sinks_caught_up(settings)  # the throughput run left events for the read models to project
            at_rest = await cpu.use_over(REST_SECONDS)  # what the running platform costs with nothing to do
            engine_latency, path_points, use = await api_to_push_latency(processes, rate, latency_count)
            baseline_latency = await relay_latency(processes, rate, latency_count)
    finally:
        processes.stop_all()
        await delete_namespace_topics(processes.settings)

    print(f"\nWellWon engine benchmark ({commands} UpdateProfile commands over {ACCOUNTS} accounts, "
          f"{settings.partitions} partitions, one worker, one local broker)")  # fmt: skip
    if throughputs:
        print(f"throughput, commands/s, {rounds} rounds (each: raw relay, domain relay, engine, one after another)")
        print("\n".join(throughput_lines(throughputs)))
    figures: dict[str, Any] = {"throughput": throughputs}
    if not latency_count:
        print(orjson.dumps(figures).decode())
        return
    print(f"\nlatency at {rate:.0f} commands/s over {latency_count} commands (seconds)")
    print(f"{'path':52} {'p50':>8} {'p99':>8} {'p50 ratio':>10} {'p99 ratio':>10}")
    b50, b99 = percentile(baseline_latency, 0.5), percentile(baseline_latency, 0.99)
    e50, e99 = percentile(engine_latency, 0.5), percentile(engine_latency, 0.99)
    print(f"{'baseline: Kafka -> relay/domain -> outcome consumed':52} {b50:8.4f} {b99:8.4f} {1.0:10.2f} {1.0:10.2f}")
    engine_path = "engine: HTTP -> Kafka -> Faust -> sinks -> Redis -> WS"
    print(f"{engine_path:52} {e50:8.4f} {e99:8.4f} {e50 / b50:10.2f} {e99 / b99:10.2f}")
    print(f"(samples: baseline {len(baseline_latency)}, engine {len(engine_latency)} of {latency_count})")
    print("\nthe engine path's stages (Kafka's times are its records' timestamps, whole milliseconds)")
    print("\n".join(stage_lines(path_points)))
    if use is not None:
        print(use.line())
    if at_rest is not None:
        print(f"at rest before the run ({REST_SECONDS:.0f} s, no requests): {at_rest.line()}")
    figures["latency"] = {"baseline_p50": b50, "baseline_p99": b99, "engine_p50": e50, "engine_p99": e99}
    print(orjson.dumps(figures).decode())


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode")
    run = sub.add_parser("run")
    run.add_argument("--commands", type=int, default=20000)
    run.add_argument("--rate", type=float, default=200.0, help="commands per second for the latency run")
    run.add_argument("--latency-commands", type=int, default=2000, help="0: no latency run")
    run.add_argument("--rounds", type=int, default=3, help="throughput rounds; the medians of their ratios count")
    run.add_argument("--profile", action="store_true", help="cProfile the stream worker; no latency run")
    child = sub.add_parser("relay")
    child.add_argument("prefix")
    child.add_argument("--domain", action="store_true")
    argv = sys.argv[1:]
    args = parser.parse_args(argv if argv[:1] in (["run"], ["relay"]) else ["run", *argv])
    fetch_codec.install()  # the relays and this client fetch as the platform's processes do: baselines stay fair
    if args.mode == "relay":
        asyncio.run(relay(Settings(), f"{args.prefix}.commands", args.prefix, args.domain))
    else:
        asyncio.run(main(args.commands, args.rate, args.latency_commands, args.rounds, args.profile))


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    cli()
