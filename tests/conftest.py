"""Fixtures: the real local stack (Kafka, Postgres, Redis, ClickHouse engine) and the platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.platform_harness import PlatformProcesses


@pytest.fixture(scope="session")
def platform() -> Iterator[PlatformProcesses]:
    from stack import services
    from wellwon.cli import prepare

    services.up()
    processes = PlatformProcesses()
    asyncio.run(prepare(processes.settings))
    for name in ("streams", "sinks", "api"):
        processes.start(name)
    try:
        processes.wait_for_api()
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
async def api(platform: PlatformProcesses) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        yield client
