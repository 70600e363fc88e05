"""Scale-out of the stream engine: N workers in one consumer group share the partitions.

    python -m benchmarks.scale_bench [--workers 1,2,3] [--partitions 6,12,24] [--commands 10000]
                                     [--rate 200] [--seconds 24]

Throughput: for each partition count, in a fresh namespace per run, N stream workers (each its own
STREAMS_WORKER_NAME and RocksDB folder) are started, registrations go through as a warm-up (every worker has
joined by then), and `--commands` profile updates over 200 accounts are timed until their last outcome. The
baseline is one worker with the same partitions in the same run: each figure is also given per worker and as
the scaling efficiency (throughput / (N x one worker's)).

Rebalance pause: two workers under a steady `--rate` of commands; a third joins, later one of them is killed -9.
The figure is the longest stretch with no outcome after each event (at a steady rate outcomes otherwise arrive
every few milliseconds), and the worst command latency around it. A dead worker's partitions wait for its session
timeout (STREAMS_SESSION_TIMEOUT_SECONDS, given below) before they move; a joining worker triggers an ordinary
rebalance.

On this machine (2 cores, the broker on the same cores) the throughput figures can only show scaling up to the
cores there are; the note in docs/scaling.md turns them into a cluster plan.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.engine_bench import command_value, percentile, throughput, workload
from stack import services
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS, codec
from streams.user_account.commands import RegisterUserAccount, UpdateProfile
from streams.user_account.decider import account_id_for_email
from streams.user_account.domain import USER_ACCOUNT
from wellwon.cli import prepare
from wellwon.config import Settings
from wellwon.topics import delete_namespace_topics, partitions_of

SESSION_TIMEOUT = "6"  # seconds: the broker's smallest allowed session; the default for the platform is 10


@dataclass
class Workers:
    """N stream workers of one namespace, each a child process with a name (and data folder) of its own."""

    partitions: int
    namespace: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:10]}")
    running: dict[str, PlatformProcesses] = field(default_factory=dict)

    def processes(self, name: str) -> PlatformProcesses:
        env = {
            "STREAMS_WORKER_NAME": name,
            "KAFKA_PARTITIONS": str(self.partitions),
            "STREAMS_SESSION_TIMEOUT_SECONDS": SESSION_TIMEOUT,
        }
        return PlatformProcesses(namespace=self.namespace, log_level="WARNING", extra_env=env)

    @property
    def settings(self) -> Settings:
        os.environ["KAFKA_PARTITIONS"] = str(self.partitions)
        return self.processes("bench").settings

    def start(self, name: str) -> None:
        self.running[name] = self.processes(name)
        self.running[name].start("streams")

    def kill(self, name: str) -> None:
        self.running.pop(name).kill("streams")

    async def stop_all(self) -> None:
        for processes in self.running.values():
            processes.stop_all()
        self.running.clear()
        await delete_namespace_topics(self.settings)  # up to 24 partitions x every topic: not left on the broker


async def scaled_throughput(partitions: int, workers: int, commands: int) -> float:
    group = Workers(partitions)
    settings = group.settings
    await prepare(settings, DOMAINS)
    try:
        for i in range(workers):
            group.start(f"w{i + 1}")
        setup, load = workload(commands)
        commands_topic = settings.name(USER_ACCOUNT.commands_topic)
        results_topic = settings.name(USER_ACCOUNT.results_topic)
        await throughput(settings, commands_topic, results_topic, setup)  # every worker joined, tables recovered
        await asyncio.sleep(2)  # the last rebalance settles
        return await throughput(settings, commands_topic, results_topic, load)
    finally:
        await group.stop_all()


@dataclass
class Pause:
    event: str
    gap: float  # the longest stretch without an outcome after the event
    worst_latency: float


async def rebalance_pauses(rate: float, seconds: float) -> tuple[list[Pause], float]:
    """Two workers at a steady rate; a third joins at 1/3 of the time, one is killed -9 at 2/3."""
    group = Workers(6)
    settings = group.settings
    await prepare(settings, DOMAINS)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=5)
    topic = settings.name(USER_ACCOUNT.commands_topic)
    accounts = [account_id_for_email(f"pause-{i}-{uuid.uuid4().hex[:6]}@example.com") for i in range(60)]
    sent: dict[str, float] = {}
    arrivals: list[tuple[float, float]] = []  # (arrived at, latency)
    await producer.start()
    await consumer.start()
    receiver: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    try:
        group.start("w1")
        group.start("w2")
        partitions = await partitions_of(consumer, [settings.name(USER_ACCOUNT.results_topic)])
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)

        async def receive() -> None:
            while True:
                for records in (await consumer.getmany(timeout_ms=50)).values():
                    now = time.monotonic()
                    for record in records:
                        _, outcome = codec().decode(record.value)
                        if (started := sent.pop(outcome.command_id, None)) is not None:
                            arrivals.append((now, now - started))

        receiver.cancel()  # the placeholder
        receiver = asyncio.create_task(receive())
        for i, account in enumerate(accounts):
            registration = RegisterUserAccount(f"p{i}@example.com", "h", "P", "Q", "v")
            command_id = str(uuid.uuid4())
            sent[command_id] = time.monotonic()
            await producer.send(topic, command_value(account, registration, command_id), key=account.encode())
        await wait_for(lambda: len(arrivals) >= len(accounts), 180)  # both workers joined, all partitions served
        await asyncio.sleep(3)
        arrivals.clear()

        events: list[tuple[str, float]] = []
        began = time.monotonic()
        for i in range(int(rate * seconds)):
            if not events and time.monotonic() - began >= seconds / 3:
                group.start("w3")
                events.append(("a third worker joins", time.monotonic()))
            elif len(events) == 1 and time.monotonic() - began >= 2 * seconds / 3:
                group.kill("w1")
                events.append(("a worker is killed -9", time.monotonic()))
            command_id = str(uuid.uuid4())
            account = accounts[i % len(accounts)]
            sent[command_id] = time.monotonic()
            value = command_value(account, UpdateProfile(first_name=f"s{i}"), command_id)
            await producer.send(topic, value, key=account.encode())
            await asyncio.sleep(max(0.0, began + (i + 1) / rate - time.monotonic()))
        await wait_for(lambda: not sent, 120)

        steady = [latency for at, latency in arrivals if at < events[0][1]]
        pauses = []
        for (name, at), until in zip(events, [e[1] for e in events[1:]] + [float("inf")], strict=True):
            window = sorted(a for a, _ in arrivals if at <= a < until)
            gaps = [b - a for a, b in zip([at, *window], window, strict=False)]
            latencies = [lat for a, lat in arrivals if at - 1 <= a < until]
            pauses.append(Pause(name, max(gaps, default=0.0), max(latencies, default=0.0)))
        return pauses, percentile(steady, 0.99) if steady else 0.0
    finally:
        receiver.cancel()
        await producer.stop()
        await consumer.stop()
        await group.stop_all()


async def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.1)


async def run(workers: list[int], partitions: list[int], commands: int, rate: float, seconds: float) -> None:
    services.up()
    print(f"Stream engine scale-out: {commands} profile updates over 200 accounts, one local broker, 2 cores")
    header = ("partitions", "workers", "commands/s", "per worker", "vs 1 worker", "efficiency")
    print(" ".join(f"{title:>11}" for title in header))
    for count in partitions:
        one = 0.0
        for n in workers:
            rate_n = await scaled_throughput(count, n, commands)
            one = one or (rate_n if n == 1 else 0.0)
            ratio = f"{rate_n / one:11.2f}" if one else f"{'-':>11}"
            efficiency = f"{rate_n / (n * one):11.2f}" if one else f"{'-':>11}"
            print(f"{count:11} {n:11} {rate_n:11.0f} {rate_n / n:11.0f} {ratio} {efficiency}", flush=True)

    pauses, steady_p99 = await rebalance_pauses(rate, seconds)
    print(
        f"\nRebalance pause: two workers, 6 partitions, {rate:.0f} commands/s steady for {seconds:.0f} s,"
        f" session timeout {SESSION_TIMEOUT} s; steady p99 latency before any change {steady_p99 * 1000:.0f} ms"
    )
    print(f"{'event':28} {'longest gap in outcomes (s)':>28} {'worst latency (s)':>18} {'vs steady p99':>14}")
    for pause in pauses:
        times = pause.worst_latency / steady_p99 if steady_p99 else 0.0
        print(f"{pause.event:28} {pause.gap:28.2f} {pause.worst_latency:18.2f} {times:14.0f}")


def numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=numbers, default=[1, 2, 3])
    parser.add_argument("--partitions", type=numbers, default=[6, 12, 24])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=24.0)
    args = parser.parse_args()
    asyncio.run(run(args.workers, args.partitions, args.commands, args.rate, args.seconds))


if __name__ == "__main__":
    main()
