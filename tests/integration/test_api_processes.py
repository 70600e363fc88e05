"""Several API processes behind one address (issue 15): each gets its commands' outcomes and its sockets' pushes.

A platform of its own whose API runs with API_PROCESSES=2: uvicorn's parent and two worker processes sharing
the listening socket. Requests on fresh connections, each landing on whichever worker accepts it, are answered
with their outcome (never 202) and a following read on another connection sees them; a WebSocket held by one
worker receives the pushes of commands that both workers handled (which worker owned which connection is read
from /proc: the server side of an established connection is a socket in that worker's file table). Last, the
parent killed -9 on its own leaves no worker behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.processes import PlatformProcesses
from tests.conftest import running_platform
from tests.integration.observe import PASSWORD, PushListener, bearer, unique_email

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads connections from Linux's /proc")

WORKERS = 2
USERS = 6
UPDATES = 3


@pytest.fixture(scope="module")
def two_apis() -> Iterator[PlatformProcesses]:
    with running_platform(command_timeout_seconds=10, extra_env={"API_PROCESSES": str(WORKERS)}) as processes:
        yield processes


def worker_pids(parent: int) -> list[int]:
    """The API parent's worker processes (multiprocessing's spawned children; not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        parent_pid = int(stat.rsplit(")", 1)[1].split()[1])
        if parent_pid == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    """Running (a zombie, or a pid gone from /proc, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def established_on(port: int) -> set[int]:
    """Socket inodes of established connections whose local end is `port` (the server's side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(int(fields[9]))
    return inodes


def connections_by_worker(workers: list[int], port: int) -> dict[int, set[int]]:
    """Per worker, the inodes of its established connections on the API's port."""
    established = established_on(port)
    owned: dict[int, set[int]] = {}
    for pid in workers:
        sockets = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                sockets.add(int(target[8:-1]))
        owned[pid] = sockets & established
    return owned


async def fresh(platform: PlatformProcesses, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a connection of its own, closed after it."""
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30, headers={"Connection": "close"}) as client:
        return await client.request(method, path, **kwargs)


def test_two_worker_processes_serve_the_one_address(two_apis: PlatformProcesses) -> None:
    workers = worker_pids(two_apis.processes["api"].pid)
    assert len(workers) == WORKERS, workers
    # /health answered once one worker was up; each logs its readiness with its pid (importing the app takes 30-40 s
    # on a loaded machine).
    deadline = time.monotonic() + 180
    while not all(f'"pid":{pid}' in (log := two_apis.log_path("api").read_text()) for pid in workers):
        assert time.monotonic() < deadline, log[-3000:]
        time.sleep(0.2)
    ready = [line for line in log.splitlines() if "api process ready" in line]
    assert len(ready) == WORKERS, ready


async def test_commands_on_fresh_connections_answer_their_outcomes_and_reads_follow(
    two_apis: PlatformProcesses,
) -> None:
    async def user(number: int) -> None:
        email = unique_email(f"scale{number}")
        names = {"email": email, "password": PASSWORD}
        registered = await fresh(
            two_apis, "POST", "/api/auth/register", json={**names, "first_name": "Ada", "last_name": "Byron"}
        )
        assert registered.status_code == 201, registered.text
        logged_in = await fresh(two_apis, "POST", "/api/auth/login", json=names)
        assert logged_in.status_code == 200, logged_in.text
        tokens = logged_in.json()
        for update in range(UPDATES):
            first_name = f"Ada{number}x{update}"
            updated = await fresh(
                two_apis, "PATCH", "/api/auth/profile", headers=bearer(tokens), json={"first_name": first_name}
            )
            assert updated.status_code == 200, updated.text
            assert updated.json()["first_name"] == first_name
            read = await fresh(two_apis, "GET", "/api/auth/me", headers=bearer(tokens))
            assert read.status_code == 200, read.text
            assert read.json()["first_name"] == first_name  # read after write, on another connection

    await asyncio.gather(*(user(number) for number in range(USERS)))


async def test_a_socket_on_one_worker_gets_the_pushes_of_commands_both_workers_handled(
    two_apis: PlatformProcesses,
) -> None:
    workers = worker_pids(two_apis.processes["api"].pid)
    email = unique_email("pushed")
    async with httpx.AsyncClient(base_url=two_apis.base_url, timeout=30) as api:
        registered = await api.post(
            "/api/auth/register", json={"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B"}
        )
        assert registered.status_code == 201, registered.text
        login = await api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()
    clients: list[httpx.AsyncClient] = []
    async with PushListener(two_apis, tokens["access_token"]) as socket:
        await asyncio.sleep(0.2)
        before = connections_by_worker(workers, two_apis.api_port)  # the socket's own connection among them
        served: dict[int, set[int]] = {pid: set() for pid in workers}
        sent: list[str] = []
        try:
            # Each command on a connection of its own, kept open until its worker is read from /proc; on until
            # both workers have handled some (which one accepts a connection is the kernel's choice).
            while len(sent) < 10 or not all(served.values()):
                assert len(sent) < 60, f"one worker handled every command: {served}"
                client = httpx.AsyncClient(base_url=two_apis.base_url, timeout=30)
                clients.append(client)
                first_name = f"Pushed{len(sent)}"
                updated = await client.patch(
                    "/api/auth/profile", headers=bearer(tokens), json={"first_name": first_name}
                )
                assert updated.status_code == 200, updated.text
                sent.append(first_name)
                for pid, inodes in connections_by_worker(workers, two_apis.api_port).items():
                    served[pid] |= inodes - before[pid]
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))
        assert any(before.values()), f"the socket's connection is on neither worker: {before}"
        await socket.wait_until(
            lambda received: [e["payload"].get("first_name") for e in received
                              if e["type"] == "user_account.UserProfileUpdated"] == sent,
            f"the {len(sent)} profile updates pushed in order",
        )  # fmt: skip


def test_no_worker_outlives_its_parent_killed(two_apis: PlatformProcesses) -> None:
    """Its process group killed, as PlatformProcesses and the supervisor do, takes the workers too; but a parent
    killed alone (the OOM killer, a stray kill -9) must not leave them serving, unsupervised, on the port."""
    parent = two_apis.processes["api"]
    workers = worker_pids(parent.pid)
    assert len(workers) == WORKERS, workers
    os.kill(parent.pid, signal.SIGKILL)  # the parent alone, not its process group: it stops nothing itself
    parent.wait(10)
    deadline = time.monotonic() + 30
    while left := [pid for pid in workers if alive(pid)]:
        assert time.monotonic() < deadline, f"workers {left} were orphaned when their parent was killed"
        time.sleep(0.1)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{two_apis.base_url}/health", timeout=2)
