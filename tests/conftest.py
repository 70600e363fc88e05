"""Fixtures: the real local stack (Kafka, Postgres, Redis, ClickHouse engine) and the platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest

from stack.processes import PlatformProcesses


@contextmanager
def running_platform(command_timeout_seconds: float) -> Iterator[PlatformProcesses]:
    """The platform's processes in a fresh namespace, on the running local stack, stopped afterwards."""
    from stack import services
    from wellwon.cli import prepare

    services.up()
    processes = PlatformProcesses(extra_env={"COMMAND_TIMEOUT_SECONDS": str(command_timeout_seconds)})
    asyncio.run(prepare(processes.settings))
    processes.start_all()
    try:
        processes.wait_for_api(timeout=180)  # a loaded machine (CI, parallel sessions) can take minutes
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture(scope="session")
def platform() -> Iterator[PlatformProcesses]:
    with running_platform(command_timeout_seconds=10) as processes:
        yield processes


@pytest.fixture
async def api(platform: PlatformProcesses) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        yield client
