"""Entry point of the stream worker: `python -m streams.worker` runs every domain's agent, the EDI agent
and the processes (sagas).

The engine is generic; agents beyond the domains' (EDI, processes) are registered here, so the
engine imports no domain and nothing imports the engine back.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import faust
import uvloop

from streams.edi.agent import register_edi_agent
from streams.engine import create_app
from streams.local_store import hold_folder
from streams.process_agent import register_process_agent
from streams.registry import DOMAINS, PROCESSES, codec
from wellwon import fetch_codec
from wellwon.collector import start_up_frozen
from wellwon.config import Settings, settings
from wellwon.logs import configure_logging

# The worker allocates a few objects per record, most gone within the batch: with start-up frozen, collecting the
# young generation every 10,000 allocations instead of 700 took its collector from 1.9 s to 0.9-1.4 s of an
# `edi_bench` run (docs/scaling.md, "Stop 36").
WORKER_YOUNG_COLLECTION = 10_000


def streams_app(config: Settings) -> faust.App:
    """The worker's Faust app: one agent per domain, the EDI agent over the edi_partner table, the processes."""
    app = create_app(config, DOMAINS, codec())
    register_edi_agent(app, config, codec())
    register_process_agent(app, config, codec(), DOMAINS, PROCESSES)
    return app


class StreamWorker(faust.Worker):  # type: ignore[misc]
    """Faust's worker, logging JSON as every WellWon process does: mode replaces the root logger's handlers with
    its own text format, which dropped the fields a log line carries (partition, offsets, command id)."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        configure_logging()


def main() -> None:
    configure_logging()
    fetch_codec.install()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # the API's event loop too; see docs/scaling.md
    app = streams_app(settings())
    held = hold_folder(Path(app.conf.datadir))  # noqa: F841 - the lock lives as long as this process
    worker = StreamWorker(app, quiet=True)  # levels: LOG_LEVEL and LIBRARY_LOG_LEVEL, as everywhere
    start_up_frozen(young_threshold=WORKER_YOUNG_COLLECTION)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
