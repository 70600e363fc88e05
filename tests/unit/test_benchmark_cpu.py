"""`benchmarks.cpu`: CPU time grouped by what each process is, as cores in use between two snapshots."""

from __future__ import annotations

import os

from benchmarks.cpu import (
    CLOCK_TICKS,
    CpuSnapshot,
    CpuUse,
    cpu_seconds,
    group_of,
    machine_use,
    snapshot,
    use_over,
)


def test_processes_are_grouped_by_their_command_lines() -> None:
    assert group_of(11, "/venv/bin/python -m streams.worker") == "streams"
    assert group_of(12, "/usr/bin/java -Xmx1g -cp /x/libs/* kafka.Kafka /x/server.properties") == "kafka"
    assert group_of(13, "postgres: wellwon wellwon 127.0.0.1(5432) idle") == "postgres"
    assert group_of(14, "/venv/bin/python3.11 -m dagster._daemon run") == "dagster"
    assert group_of(15, "/bin/bash") == "other"
    assert group_of(os.getpid(), "python -m benchmarks.engine_bench") == "benchmark client"


def test_use_is_cores_per_group_over_the_interval_and_new_processes_count_from_zero() -> None:
    before = CpuSnapshot(100.0, 50.0, {1: ("api", 10.0), 2: ("api", 4.0), 3: ("kafka", 7.0), 9: ("sinks", 3.0)})
    after = CpuSnapshot(110.0, 66.0, {1: ("api", 13.0), 2: ("api", 6.0), 3: ("kafka", 8.0), 4: ("streams", 2.0)})
    use = machine_use(before, after)
    assert use.machine == 1.6  # 16 busy seconds over 10
    assert use.groups == {"api": 0.5, "kafka": 0.1, "streams": 0.2}  # pid 9 ended meanwhile: not counted
    assert use.saturated is (use.cores * 0.9 <= 1.6)
    assert "machine 1.60" in use.line() and use.line().index("api 0.50") < use.line().index("streams 0.20")


def test_a_snapshot_sees_this_process_and_its_cpu_time_grows_with_work() -> None:
    first = snapshot()
    assert first.by_process[os.getpid()][0] == "benchmark client"
    started = cpu_seconds(os.getpid())
    while cpu_seconds(os.getpid()) - started < 0.05:
        sum(i * i for i in range(10_000))
    second = snapshot()
    assert second.by_process[os.getpid()][1] > first.by_process[os.getpid()][1]
    assert second.busy > first.busy


def test_use_over_an_interval_counts_what_runs_meanwhile() -> None:
    import asyncio

    async def busy_while_measured() -> CpuUse:
        measuring = asyncio.ensure_future(use_over(0.5))
        started = cpu_seconds(os.getpid())
        while cpu_seconds(os.getpid()) - started < 0.05 and not measuring.done():  # CPU time ticks at 10 ms
            sum(i * i for i in range(1000))
            await asyncio.sleep(0)
        return await measuring

    use = asyncio.run(busy_while_measured())
    # A process's CPU time and the machine's are counted apart, each in clock ticks: over 0.5 s the first can come
    # out a tick or two above the second (seen: 0.118 against 0.098 cores).
    ticks = 2 / CLOCK_TICKS / 0.5
    assert 0 < use.groups["benchmark client"] <= use.machine + ticks
    assert use.machine <= use.cores
