"""Fixtures: the real local stack (Kafka, Postgres, Redis, ClickHouse engine) and the platform."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest

from stack.processes import PlatformProcesses, free_port, throwaway_namespace
from wellwon.config import Settings, setting
from wellwon.topics import delete_namespace_topics

log = logging.getLogger("wellwon.tests")

# The platform processes tests start (they inherit this environment) log Faust's and the Kafka clients' rebalance and
# recovery steps into `.local/test-logs/`: without them a stall after a rebalance could not be explained from CI.
os.environ.setdefault("LIBRARY_LOG_LEVEL", "INFO")


@contextmanager
def running_platform(
    command_timeout_seconds: float, extra_env: dict[str, str] | None = None
) -> Iterator[PlatformProcesses]:
    """The platform's processes in a fresh namespace, on the running local stack, stopped afterwards;
    `extra_env` adds to (or overrides) their environment, e.g. `{"API_PROCESSES": "2"}`."""
    from stack import services
    from streams.registry import DOMAINS
    from wellwon.cli import prepare

    services.up()
    # Notifications: a short digest window and a frequent overdue check, so tests see them within seconds.
    notify = {"NOTIFY_DIGEST_SECONDS": "15", "NOTIFY_OVERDUE_CHECK_SECONDS": "3"}
    api_port = free_port()
    env = {
        "COMMAND_TIMEOUT_SECONDS": str(command_timeout_seconds),
        **notify,
        **telegram_env(api_port),
        **(extra_env or {}),
    }
    processes = PlatformProcesses(api_port=api_port, extra_env=env)
    asyncio.run(prepare(processes.settings, DOMAINS))
    processes.start_all()
    try:
        processes.wait_for_api(timeout=180)  # a loaded machine (CI, parallel sessions) can take minutes
        wait_until_flowing(processes)
        yield processes
    finally:
        processes.stop_all()
        asyncio.run(delete_namespace_topics(processes.settings))


def telegram_env(api_port: int) -> dict[str, str]:
    """A bot of the session's own on the local stack's Bot API server (each token is a bot there), in webhook
    mode towards this session's API; nothing when that server is not the local one (never the real Telegram)."""
    if not setting("TELEGRAM_API_URL").startswith("http://127.0.0.1"):
        return {}
    return {
        "TELEGRAM_BOT_TOKEN": f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(30)}",
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{api_port}/api/telegram/webhook",
    }


def wait_until_flowing(processes: PlatformProcesses, timeout: float = 180) -> None:
    """Until a command goes all the way (API, engine, sinks, read model): a probe account registers, then logs in.

    Freshly started sinks may take longer than a command's wait to join their topics; tests then would get
    202 (pending), as the API rightly answers while the read model lags, instead of what they check."""
    probe = {"email": f"probe.{secrets.token_hex(6)}@example.com", "password": secrets.token_urlsafe(18)}
    registered = httpx.post(
        f"{processes.base_url}/api/auth/register", json={**probe, "first_name": "Probe", "last_name": "Probe"},
        timeout=60,
    )  # fmt: skip
    assert registered.status_code in (201, 202), registered.text
    deadline = time.monotonic() + timeout
    pause = 0.5
    while (login := httpx.post(f"{processes.base_url}/api/auth/login", json=probe, timeout=60)).status_code != 200:
        # Not readable yet (401), or its login not yet (202); on a loaded machine the probe's own failures can
        # reach the login throttle (429), which says how long to wait.
        assert login.status_code in (401, 202, 429), login.text
        assert time.monotonic() < deadline, f"no command went through within {timeout}s"
        time.sleep(float(login.headers.get("Retry-After", pause)))
        pause = min(pause * 1.5, 5.0)


@pytest.fixture(scope="session")
def platform() -> Iterator[PlatformProcesses]:
    with running_platform(command_timeout_seconds=10) as processes:
        yield processes


@pytest.fixture
async def api(platform: PlatformProcesses) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def own_namespace() -> AsyncIterator[Settings]:
    """The local stack, and a namespace of the test's own for its topics and groups (deleted afterwards), with no
    platform running in it."""
    from stack import services

    services.up()
    own = Settings(namespace=throwaway_namespace())
    yield own
    await delete_namespace_topics(own)
