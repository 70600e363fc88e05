"""The FastAPI application: wiring at start-up, routers, and error shapes. OpenAPI at /docs.

Served by `python -m api.serve`: one process, or API_PROCESSES workers each building its own app.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from api import console
from api.auth import RefreshTokenLedger
from api.command_bus import CommandBus
from api.edge import EdgeMiddleware
from api.idempotency import IdempotencyMiddleware
from api.mailer import Mailer
from api.openapi import install_openapi
from api.platform import Platform
from api.push_hub import PushHub
from api.routers import (
    analytics,
    audit,
    chat,
    commands,
    company,
    customs,
    document,
    document_template,
    edi,
    fx,
    invoice,
    ledger,
    notification,
    payment,
    purchase_order,
    push,
    report,
    shipment,
    telegram,
    user_account,
    warehouse,
)
from api.throttle import Throttle
from sinks.postgres.database import api_dsn
from streams.customs.classification import default_classifier
from streams.registry import DOMAINS, codec
from wellwon import fetch_codec
from wellwon.config import Settings, settings
from wellwon.envelope import CommandOutcome

log = logging.getLogger("wellwon.api")


def warm_in_background(build: Callable[[], object], what: str) -> threading.Thread:
    """Build a cached index in a daemon thread: readiness does not wait for it, and the first request needing it
    mostly finds it built (the HS classifier's ~5 s of indexing would otherwise land on the first suggestion)."""

    def warm() -> None:
        started = time.perf_counter()
        try:
            build()
        except Exception:  # the first request builds it again and reports the error where it is needed
            log.exception("warming %s failed", what)
            return
        log.info("%s ready in %.1f s", what, time.perf_counter() - started)

    thread = threading.Thread(target=warm, name=f"warm {what}", daemon=True)
    thread.start()
    return thread


def create_app(config: Settings | None = None) -> FastAPI:
    config = config or settings()
    config.require_jwt_secret()  # no process signs or checks tokens with a secret anyone could read
    fetch_codec.install()  # the outcomes' consumer

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config.require_object_store()  # documents' files: no store, no start (never a guessed credential)
        # Autocommit: a read is one round trip, not BEGIN, the query and COMMIT (psycopg had a third of py-spy's
        # samples of the API at 100 requests/s). What must be atomic, or sees a tenant through row-level security
        # (`tenant_db`, its settings local to a transaction), opens `conn.transaction()` explicitly.
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            api_dsn(config), min_size=2, max_size=20, open=False, kwargs={"autocommit": True}
        )
        await pool.open(wait=True)

        async def projected_version(aggregate_type: str, aggregate_id: str) -> int:
            async with pool.connection() as conn:
                row = await (
                    await conn.execute(
                        "SELECT version FROM aggregate_positions WHERE aggregate_type = %s AND aggregate_id = %s",
                        (aggregate_type, aggregate_id),
                    )
                ).fetchone()
            return int(row[0]) if row else 0

        async def recorded_outcome(command_id: str) -> CommandOutcome | None:
            async with pool.connection() as conn:
                row = await (
                    await conn.execute(
                        """SELECT status, code, reason, field, event_ids, aggregate_version
                           FROM command_outcomes WHERE command_id = %s""",
                        (command_id,),
                    )
                ).fetchone()
            return CommandOutcome(command_id, row[0], row[1], row[2], row[3], tuple(row[4]), row[5]) if row else None

        bus = CommandBus(config, codec(), DOMAINS, projected_version, recorded_outcome)
        hub = PushHub(config)
        mailer = Mailer(config)
        guards_redis = redis.from_url(config.redis_url)
        app.state.throttle = Throttle(config, guards_redis)
        app.state.refresh_ledger = RefreshTokenLedger(config.name, guards_redis)
        await bus.start()
        await hub.start()
        app.state.platform = Platform(config, codec(), pool, bus, hub, mailer)
        warm_in_background(default_classifier, "the HS classifier")
        log.info("api process ready", extra={"pid": os.getpid(), "api_processes": config.api_processes})
        try:
            yield
        finally:
            await hub.stop()
            await bus.stop()
            await mailer.close()
            await guards_redis.aclose()
            await pool.close()

    app = FastAPI(title="WellWon", version="0.1.0", lifespan=lifespan)
    app.include_router(user_account.router)
    app.include_router(company.router)
    app.include_router(shipment.router)
    app.include_router(warehouse.router)
    app.include_router(edi.router)
    app.include_router(customs.router)
    app.include_router(ledger.router)
    app.include_router(payment.router)
    app.include_router(fx.router)
    app.include_router(purchase_order.router)
    app.include_router(invoice.router)
    app.include_router(document.router)
    app.include_router(document_template.router)
    app.include_router(chat.router)
    app.include_router(report.router)
    app.include_router(audit.router)
    app.include_router(analytics.router)
    app.include_router(commands.router)
    app.include_router(push.router)
    app.include_router(notification.router)
    app.include_router(telegram.router)

    @app.get("/health", tags=["platform"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(console.router)  # last: its catch-all serves the console's client routes

    # Inside the edge: only bodies within the limits, and clean, are fingerprinted and replayed.
    app.add_middleware(IdempotencyMiddleware, settings=config)
    # Outermost, so that no route, and no error answer, escapes the limits, the hygiene and the headers.
    app.add_middleware(EdgeMiddleware, routes=app.router.routes)
    install_openapi(app)

    return app


if __name__ == "__main__":
    raise SystemExit("wellwon api: start it with `python -m api.serve`")
