"""`wellwon run` supervises its processes: one killed (-9) is restarted with backoff, the others carry on."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

from stack.processes import PlatformProcesses, Supervisor
from tests.integration.observe import PASSWORD, register, unique_email


@dataclass
class Children:
    """Stand-ins for the platform's processes: `crashing` exits at once every time, `steady` keeps running."""

    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: dict[str, list[float]] = field(default_factory=dict)

    def start(self, name: str, log_to_file: bool = True) -> None:
        code = "raise SystemExit(3)" if name == "crashing" else "import time; time.sleep(60)"
        self.processes[name] = subprocess.Popen([sys.executable, "-c", code])
        self.starts.setdefault(name, []).append(time.monotonic())


def test_a_crashing_process_is_restarted_with_doubling_backoff_and_the_others_run_on() -> None:
    children = Children()
    children.start("crashing")
    children.start("steady")
    steady = children.processes["steady"]
    supervisor = Supervisor(children, first_backoff=0.2, max_backoff=0.8)  # type: ignore[arg-type]
    deadline = time.monotonic() + 20
    while len(children.starts["crashing"]) < 5 and time.monotonic() < deadline:
        supervisor.check()
        time.sleep(0.02)
    try:
        starts = children.starts["crashing"]
        assert len(starts) == 5, starts
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        # 0.2, 0.4, 0.8, then capped at 0.8 (plus the time the child takes to exit)
        for gap, backoff in zip(gaps, (0.2, 0.4, 0.8, 0.8), strict=True):
            assert backoff <= gap < backoff + 1.5, gaps
        assert supervisor.restarts == {"crashing": 4}
        assert children.processes["steady"] is steady and steady.poll() is None
    finally:
        for process in children.processes.values():
            process.kill()
            process.wait()


async def test_a_stream_worker_killed_under_supervision_comes_back_and_commands_are_answered(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    assert (await register(api, unique_email("before-kill")))["id"]  # positive control
    supervisor = Supervisor(platform)
    stopping = threading.Event()
    watcher = threading.Thread(target=supervisor.run, args=(stopping.is_set,), daemon=True)
    watcher.start()
    try:
        killed = platform.processes["streams"]
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(10)
        deadline = time.monotonic() + 30
        while supervisor.restarts.get("streams", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert supervisor.restarts == {"streams": 1}
        assert platform.processes["streams"].pid != killed.pid and platform.processes["streams"].poll() is None
        assert platform.processes["api"].poll() is None and platform.processes["sinks"].poll() is None

        # The new worker takes over the partitions (after the dead one's session times out) and decides again.
        deadline = time.monotonic() + 90
        while True:
            response = await api.post(
                "/api/auth/register",
                json={"email": unique_email("after-kill"), "password": PASSWORD, "first_name": "A", "last_name": "B"},
            )
            if response.status_code == 201 or time.monotonic() > deadline:
                break  # 202 while no worker decides: the command is still pending; try a new one
        assert response.status_code == 201, response.text
    finally:
        stopping.set()
        watcher.join()
