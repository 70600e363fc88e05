"""Entry point of the sink worker: `python -m sinks.worker` runs the Postgres, ClickHouse and push sinks."""

from __future__ import annotations

import asyncio
import signal

from sinks.clickhouse import ClickHouseSink
from sinks.postgres.projections import PROJECTIONS
from sinks.postgres.sink import PostgresSink
from sinks.push import PushSink
from sinks.runner import SinkRunner
from streams.registry import DOMAINS, codec
from wellwon import fetch_codec
from wellwon.collector import start_up_frozen
from wellwon.config import Settings, settings
from wellwon.logs import configure_logging


def runners(config: Settings) -> list[SinkRunner]:
    events = [config.name(d.events_topic) for d in DOMAINS]
    results = [config.name(d.results_topic) for d in DOMAINS]
    return [
        SinkRunner(PostgresSink(config, PROJECTIONS), events + results, config, codec()),
        SinkRunner(ClickHouseSink(config), events, config, codec()),
        SinkRunner(PushSink(config), events, config, codec()),
    ]


def stop_all(all_runners: list[SinkRunner]) -> None:
    for runner in all_runners:
        runner.stop()


async def run() -> None:
    all_runners = runners(settings())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_all, all_runners)
    await asyncio.gather(*(r.run() for r in all_runners))


def main() -> None:
    configure_logging()
    fetch_codec.install()
    start_up_frozen()
    asyncio.run(run())


if __name__ == "__main__":
    main()
