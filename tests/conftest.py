"""Fixtures: the real local stack (Kafka, Postgres, Redis, ClickHouse engine) and the platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from stack.processes import PlatformProcesses


@pytest.fixture(scope="session")
def platform() -> Iterator[PlatformProcesses]:
    from stack import services
    from streams.registry import DOMAINS
    from wellwon.cli import prepare

    services.up()
    processes = PlatformProcesses(extra_env={"COMMAND_TIMEOUT_SECONDS": "10"})
    asyncio.run(prepare(processes.settings, DOMAINS))
    processes.start_all()
    try:
        processes.wait_for_api()
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
async def api(platform: PlatformProcesses) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        yield client
