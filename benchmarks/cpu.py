"""CPU use during a benchmark, by process and for the whole machine (Linux /proc).

On a 2-core machine the platform's processes, the stack's services and the benchmark's own client share the cores,
so a latency figure means little without knowing whether the cores were saturated meanwhile: `machine_use` reads
every process's CPU time before and after a run and groups it by what the process is.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The first group whose marker is in a process's command line names it (the platform's processes first).
GROUPS = (
    ("streams", "streams.worker"),
    ("sinks", "sinks.worker"),
    ("api", "api.serve"),
    ("notifications", "notifications.worker"),
    ("kafka", "kafka.Kafka"),
    ("postgres", "postgres"),
    ("clickhouse", "clickhouse"),
    ("redis", "redis-server"),
    ("dagster", "dagster"),
    ("s3proxy", "s3proxy"),
)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far: less shaken by a busy machine than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def group_of(pid: int, command_line: str) -> str:
    if pid == os.getpid():
        return "benchmark client"
    return next((name for name, marker in GROUPS if marker in command_line), "other")


def _processes() -> Iterator[tuple[int, str, float]]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            yield int(entry.name), command_line, cpu_seconds(int(entry.name))
        except (OSError, IndexError):
            continue  # ended meanwhile


def _machine_busy_seconds() -> float:
    """CPU seconds spent busy (not idle, not waiting for I/O) on all cores together."""
    fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    busy: float
    by_process: dict[int, tuple[str, float]]


def snapshot() -> CpuSnapshot:
    return CpuSnapshot(
        time.monotonic(),
        _machine_busy_seconds(),
        {pid: (group_of(pid, line), seconds) for pid, line, seconds in _processes()},
    )


@dataclass(frozen=True)
class CpuUse:
    """Cores used on average between two snapshots: the machine's and each group's."""

    cores: int
    machine: float
    groups: dict[str, float]

    @property
    def saturated(self) -> bool:
        return self.machine >= 0.9 * self.cores

    def line(self) -> str:
        shares = ", ".join(f"{name} {used:.2f}" for name, used in sorted(self.groups.items(), key=lambda g: -g[1]))
        verdict = " (saturated: the stages' times include waiting for a core)" if self.saturated else ""
        return f"CPU, cores in use: machine {self.machine:.2f} of {self.cores}{verdict}; {shares}"


def machine_use(before: CpuSnapshot, after: CpuSnapshot) -> CpuUse:
    """Processes that started meanwhile count from zero; those that ended meanwhile are not counted."""
    seconds = max(after.at - before.at, 1e-9)
    groups: dict[str, float] = {}
    for pid, (group, used) in after.by_process.items():
        earlier = before.by_process.get(pid)
        spent = used - (earlier[1] if earlier is not None else 0.0)
        groups[group] = groups.get(group, 0.0) + spent / seconds
    return CpuUse(os.cpu_count() or 1, (after.busy - before.busy) / seconds, {g: u for g, u in groups.items() if u})


async def use_over(seconds: float) -> CpuUse:
    """The cores in use over the next `seconds`."""
    before = snapshot()
    await asyncio.sleep(seconds)
    return machine_use(before, snapshot())
