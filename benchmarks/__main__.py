"""The whole benchmark set in one command: `python -m benchmarks` (`make bench-all`), about 15 minutes on 2 cores.

Each benchmark runs in a process of its own, one after another (they would disturb each other's figures), with the
sizes below: smaller than its own defaults where those take longer, large enough that every figure still stands
beside its baseline from the same run. Its output is shown as it comes and kept in `.local/benchmarks/<time>.log`;
at the end a table gives each one's seconds and how it ended. `--only engine,edi` runs some; `--list` shows the
plan; `--budget` is the whole set's time limit: a benchmark still running when it is spent is stopped and marked.
The local stack must be up (`wellwon stack up`); the benchmarks start the platform's processes they measure.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from wellwon.config import LOCAL_DIR, PROJECT_ROOT

LOG_DIR = LOCAL_DIR / "benchmarks"


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str  # run as `python -m <module> <args>`
    args: tuple[str, ...] = ()


SET = (
    # Latency at 50/s, what this machine nearly holds: at 100/s its queues grew for the whole run (p50 5.9 s), which
    # then took minutes; `engine_bench --rate 200` is the figure, run alone.
    Benchmark("engine", "benchmarks.engine_bench", ("run", "--rounds", "2", "--latency-commands", "1500", "--rate", "50")),  # noqa: E501
    Benchmark("edi", "benchmarks.edi_bench", ("--messages", "3000")),
    Benchmark("monitor", "benchmarks.monitor_bench", ("--rounds", "3")),
    Benchmark("projection", "benchmarks.projection_bench", ("--events", "30000", "--replay", "100000")),
    Benchmark("recovery", "benchmarks.recovery_bench", ("--aggregates", "100000")),
    Benchmark("scale", "benchmarks.scale_bench", ("--workers", "1,2", "--partitions", "6", "--commands", "4000")),
    Benchmark("customs", "benchmarks.customs_bench", ("all", "--repeats", "3")),
    Benchmark("ledger", "benchmarks.ledger_bench", ("--commands", "500", "--transfers", "200000")),
    Benchmark("chat", "benchmarks.chat_bench", ("--messages", "100", "--burst", "100")),
    Benchmark("reconciliation", "benchmarks.reconciliation_bench", ("--declarations", "100000")),
    Benchmark("analytics", "benchmarks.analytics_bench", ("--quick", "--no-reconciliation")),
    Benchmark("recognition", "benchmarks.recognition_bench", ("--quick",)),
    Benchmark("console", "benchmarks.console_bench", ("--runs", "3")),
)  # fmt: skip
BUDGET_SECONDS = 15 * 60
CLEAN_UP_SECONDS = 60.0  # for a benchmark interrupted at the budget's end


@dataclass(frozen=True)
class Ran:
    name: str
    seconds: float
    ended: str  # "ok", "exit N" or "stopped: over the budget"


def command(benchmark: Benchmark) -> list[str]:
    return [sys.executable, "-m", benchmark.module, *benchmark.args]


def run_set(benchmarks: Sequence[Benchmark], budget: float, out: TextIO, log: TextIO | None = None) -> list[Ran]:
    """Each benchmark in turn, its output copied to `out` (and `log`) line by line as it comes."""
    deadline = time.monotonic() + budget
    ran: list[Ran] = []
    for benchmark in benchmarks:
        heading = f"\n=== {benchmark.name}: {' '.join(command(benchmark)[1:])}\n"
        for stream in (out, log):
            if stream is not None:
                stream.write(heading)
                stream.flush()
        started = time.monotonic()
        if started >= deadline:
            ran.append(Ran(benchmark.name, 0.0, "not run: over the budget"))
            continue
        ran.append(Ran(benchmark.name, *_run_one(benchmark, deadline, out, log)))
    return ran


def _run_one(benchmark: Benchmark, deadline: float, out: TextIO, log: TextIO | None) -> tuple[float, str]:
    started = time.monotonic()
    process = subprocess.Popen(
        command(benchmark), cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    # A watchdog, not a read timeout: the output is read line by line until the benchmark ends or is stopped.
    watchdog = _Watchdog(process, deadline)
    for line in process.stdout:
        for stream in (out, log):
            if stream is not None:
                stream.write(line)
                stream.flush()
    code = process.wait()
    watchdog.cancel()
    seconds = time.monotonic() - started
    if watchdog.fired:
        return seconds, "stopped: over the budget"
    return seconds, "ok" if code == 0 else f"exit {code}"


class _Watchdog:
    """Interrupts the process once the deadline passes, as Ctrl-C would, so that its clean-up runs (a benchmark
    stops the platform processes it started, which live in sessions of their own and would outlive a SIGTERM'd
    parent); kills it if it is still there a minute later."""

    def __init__(self, process: subprocess.Popen[str], deadline: float) -> None:
        self.fired = False
        self._process = process
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._stop)
        self._timer.daemon = True
        self._timer.start()

    def _stop(self) -> None:
        if self._process.poll() is None:
            self.fired = True
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(CLEAN_UP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def cancel(self) -> None:
        self._timer.cancel()


def summary(ran: Sequence[Ran], budget: float) -> str:
    total = sum(r.seconds for r in ran)
    lines = [f"\n{'benchmark':16} {'seconds':>8}  ended"]
    lines += [f"{r.name:16} {r.seconds:8.0f}  {r.ended}" for r in ran]
    verdict = "within" if total <= budget and all(r.ended == "ok" for r in ran) else "NOT within"
    lines.append(f"{'all':16} {total:8.0f}  {verdict} the budget of {budget:.0f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated names, e.g. engine,edi")
    parser.add_argument("--list", action="store_true", help="print the plan and run nothing")
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS, help="seconds for the whole set")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - {b.name for b in SET}
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}; there are {', '.join(b.name for b in SET)}")
    chosen = [b for b in SET if not names or b.name in names]
    if args.list:
        for benchmark in chosen:
            print(f"{benchmark.name:16} {' '.join(command(benchmark)[1:])}")
        return 0
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    with log_path.open("w") as log:
        log.write(f"WellWon benchmark set, {datetime.now(UTC).isoformat(timespec='seconds')}, {os.cpu_count()} cores\n")
        ran = run_set(chosen, args.budget, sys.stdout, log)
        text = summary(ran, args.budget)
        log.write(text + "\n")
    print(text)
    print(f"the whole output: {log_path}")
    return 0 if all(r.ended == "ok" for r in ran) else 1


if __name__ == "__main__":
    sys.exit(main())
