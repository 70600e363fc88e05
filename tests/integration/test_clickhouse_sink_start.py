"""The ClickHouse sink takes its first records without a stall: what clickhouse-connect imports on a process's
first insert (pandas and numpy, to test whether rows are a DataFrame or an array) is imported at start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from stack import services
from stack.processes import throwaway_namespace
from wellwon.config import PROJECT_ROOT

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from clickhouse_connect.driver import options
    from sinks.clickhouse import ClickHouseSink, analytics_database
    from wellwon.config import settings

    config = settings()
    sink = ClickHouseSink(config)
    print("resolved before start:", sorted({"pd", "np"} & set(vars(options))))
    asyncio.run(sink.start())
    print("resolved after start:", sorted({"pd", "np"} & set(vars(options))))
    database = analytics_database(config)
    try:
        sink.client.command(f"CREATE TABLE `{database}`.probe (x UInt8) ENGINE = Memory")
        loaded = set(sys.modules)
        sink.client.insert(f"`{database}`.probe", [[1]], column_names=["x"])
        print("imported by the first insert:", sorted(set(sys.modules) - loaded))
    finally:
        sink.client.command(f"DROP DATABASE IF EXISTS `{database}`")
        asyncio.run(sink.stop())
    """
)


def test_the_clickhouse_sink_imports_at_start_what_its_first_insert_would() -> None:
    services.up()
    env = {**os.environ, "WELLWON_NAMESPACE": throwaway_namespace(), "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "resolved before start: []" in lines  # a fresh process: nothing resolved yet
    assert "resolved after start: ['np', 'pd']" in lines
    assert "imported by the first insert: []" in lines, run.stdout
