"""A live sink's consumer fetches at once; a gathering sink's lets the broker gather for its gathering time."""

from __future__ import annotations

from sinks.clickhouse import ClickHouseSink
from sinks.postgres.sink import PostgresSink
from sinks.push import PushSink
from sinks.runner import GATHER_FETCH_MIN_BYTES, fetch_pace
from wellwon.topics import PROMPT_FETCH_WAIT_MS


def test_the_live_sinks_fetch_at_once_and_clickhouse_lets_the_broker_gather() -> None:
    for live in (PostgresSink, PushSink):
        assert fetch_pace(live) == {"fetch_max_wait_ms": PROMPT_FETCH_WAIT_MS, "fetch_min_bytes": 1}  # type: ignore[arg-type]
    assert fetch_pace(ClickHouseSink) == {  # type: ignore[arg-type]
        "fetch_max_wait_ms": int(ClickHouseSink.gather_seconds * 1000),
        "fetch_min_bytes": GATHER_FETCH_MIN_BYTES,
    }
    assert ClickHouseSink.gather_seconds >= 0.5  # else its broker-side wait would be no gathering at all
