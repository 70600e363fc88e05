"""Entry point of the stream worker: `python -m streams.worker` runs every domain's agent."""

from __future__ import annotations

import os

import faust

from streams.engine import create_app
from streams.registry import DOMAINS
from wellwon.config import settings
from wellwon.envelope import codec
from wellwon.logs import configure_logging


def main() -> None:
    configure_logging()
    app = create_app(settings(), DOMAINS, codec())
    worker = faust.Worker(app, loglevel=os.environ.get("STREAMS_LOG_LEVEL", "WARNING"), quiet=True)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
