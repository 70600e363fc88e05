"""`python -m api.serve`: the API on API_HOST:API_PORT, in one process or API_PROCESSES of them.

With API_PROCESSES > 1, uvicorn's parent binds the address and runs that many worker processes sharing its
listening socket (the kernel hands each new connection to one of them); it restarts a worker that dies and on
SIGTERM stops them all. Each worker builds its own app (`worker_app`): its own command bus, which reads every
outcome (it assigns itself all partitions of the results topics, no consumer group), its own Redis subscriptions
(pushes, the read model's projections) and Postgres pool. Whatever one request may need from another (idempotency
keys, the login throttle, spent refresh tokens, pending commands) lives in Redis or Postgres, so any worker answers
any request and any socket.

This module imports little: a spawned worker imports its parent's main module before it can answer the parent's
health checks, and the app itself (`api.app`) takes tens of seconds to import on a loaded machine.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

import uvicorn

from wellwon.config import MissingSecret, Settings, settings
from wellwon.logs import configure_logging

if TYPE_CHECKING:
    from fastapi import FastAPI

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# How long a worker may leave its parent's health check unanswered before the parent kills and replaces it. A
# thread answers (so this catches a wedged interpreter, not a busy event loop), from when the worker has imported
# the parent's main module: uvicorn's 5 s would kill, over and over, workers started by `python -m api.app`, which
# take 30-80 s to import the app on a loaded 2-core machine.
WORKER_HEALTHCHECK_SECONDS = 120


def die_with_parent() -> None:
    """In a worker process: be sent SIGTERM when the parent dies, even by kill -9, so that no worker is left
    orphaned holding the port (Linux; elsewhere the parent's own shutdown is all there is)."""
    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent.pid:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def worker_app() -> FastAPI:
    """The app of one of API_PROCESSES workers (uvicorn's import-string factory, called in the worker)."""
    configure_logging()  # a spawned worker starts with nothing of its parent's configuration
    die_with_parent()
    return made_app()


def made_app(config: Settings | None = None) -> FastAPI:
    """The app, then start-up's objects frozen out of the cyclic collector's sight (wellwon.collector). Imported
    here, not at the top: the parent of API_PROCESSES workers never makes an app."""
    from api.app import create_app
    from wellwon.collector import start_up_frozen

    app = create_app(config)
    start_up_frozen()
    return app


def main() -> None:
    configure_logging()
    config = settings()
    try:  # refused here, before any worker starts
        config.require_jwt_secret()
        config.require_object_store()
    except MissingSecret as missing:
        raise SystemExit(f"wellwon api: {missing}") from None
    if config.api_processes < 1:
        raise SystemExit(f"wellwon api: API_PROCESSES must be 1 or more, not {config.api_processes}")
    served: dict[str, Any] = {"host": config.api_host, "port": config.api_port, "log_config": None,
                              "access_log": False, "loop": "uvloop", "http": "httptools"}  # fmt: skip
    if config.api_processes == 1:
        uvicorn.run(made_app(config), **served)
        return
    uvicorn.run(
        "api.serve:worker_app",
        factory=True,
        workers=config.api_processes,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **served,
    )


if __name__ == "__main__":
    main()
