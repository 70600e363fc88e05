"""Runs the platform's processes (stream worker, sinks, API) as children, in a namespace.

`wellwon run` uses it with the default namespace; tests and benchmarks use a fresh namespace
each (topics, consumer groups, Postgres and ClickHouse databases, Redis channels), so runs never
see each other's data, and a test can kill -9 and restart the stream worker.

`Supervisor` keeps them running as systemd or compose would: a process that exits is started
again after an exponential backoff (logged), and the others carry on.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from stack.ports import free_port
from wellwon.config import LOCAL_DIR, PROJECT_ROOT, Settings

log = logging.getLogger("wellwon.supervisor")

PROCESS_MODULES = {
    "streams": "streams.worker",
    "sinks": "sinks.worker",
    "notifications": "notifications.worker",
    "api": "api.serve",
}


def throwaway_namespace() -> str:
    """A fresh namespace for tests and benchmarks (its topics are deleted afterwards: `delete_namespace_topics`)."""
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass
class PlatformProcesses:
    namespace: str = field(default_factory=throwaway_namespace)
    api_port: int = field(default_factory=free_port)
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WELLWON_NAMESPACE": self.namespace,
            "API_PORT": str(self.api_port),
            "PYTHONPATH": str(PROJECT_ROOT),
            "LOG_LEVEL": self.log_level,
            **self.extra_env,
        }

    @property
    def settings(self) -> Settings:
        saved = {k: os.environ.get(k) for k in ("WELLWON_NAMESPACE", "API_PORT")}
        os.environ.update({"WELLWON_NAMESPACE": self.namespace, "API_PORT": str(self.api_port)})
        try:
            return Settings()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def log_path(self, name: str) -> Path:
        folder = LOCAL_DIR / "test-logs" / self.namespace
        folder.mkdir(parents=True, exist_ok=True)
        worker = self.extra_env.get("STREAMS_WORKER_NAME")
        return folder / (f"{name}-{worker}.log" if worker else f"{name}.log")

    def start(self, name: str, log_to_file: bool = True) -> None:
        log = open(self.log_path(name), "ab") if log_to_file else None  # noqa: SIM115 - the child writes to it
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", PROCESS_MODULES[name]],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        """kill -9: no shutdown hooks, no flushes, no commits."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        """SIGTERM, and SIGKILL if it has not exited within 15 s."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def start_all(self, log_to_file: bool = True) -> None:
        for name in PROCESS_MODULES:
            self.start(name, log_to_file)

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def wait_for_api(self, timeout: float = 60, restarting: bool = False) -> None:
        """Until the API answers /health; an exited API is an error unless a supervisor is restarting it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not restarting and self.processes["api"].poll() is not None:
                raise RuntimeError(f"api exited: {self.log_path('api').read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("api did not start")


@dataclass
class Supervisor:
    """Restarts any exited process of `processes` after a backoff doubling per quick failure.

    A process that ran `stable_seconds` without exiting has its backoff reset, so a crash a day later
    is restarted after `first_backoff` again, while a process failing at start-up backs off to
    `max_backoff` instead of spinning.
    """

    processes: PlatformProcesses
    log_to_file: bool = True
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    stable_seconds: float = 60.0
    restarts: dict[str, int] = field(default_factory=dict)
    _failures: dict[str, int] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)

    def backoff(self, failures: int) -> float:
        return float(min(self.max_backoff, self.first_backoff * 2**failures))

    def check(self, now: float | None = None) -> None:
        """One look at every process: note exits, restart those whose backoff has passed."""
        now = time.monotonic() if now is None else now
        for name, process in list(self.processes.processes.items()):
            code = process.poll()
            if code is None:
                if now - self._started.setdefault(name, now) >= self.stable_seconds:
                    self._failures[name] = 0
                continue
            if name not in self._due:
                delay = self.backoff(self._failures.get(name, 0))
                self._failures[name] = self._failures.get(name, 0) + 1
                self._due[name] = now + delay
                log.warning(
                    "process exited; restarting after backoff",
                    extra={"child": name, "pid": process.pid, "exit_code": code, "restart_in_seconds": delay,
                           "restarts": self.restarts.get(name, 0)},
                )  # fmt: skip
            elif now >= self._due[name]:
                del self._due[name]
                self.processes.start(name, self.log_to_file)
                self._started[name] = now
                self.restarts[name] = self.restarts.get(name, 0) + 1
                log.warning(
                    "process restarted",
                    extra={"child": name, "pid": self.processes.processes[name].pid,
                           "restarts": self.restarts[name]},
                )  # fmt: skip

    def run(self, stopping: Callable[[], bool], interval: float = 0.2) -> None:
        """Supervise until `stopping()` says so (the caller then stops the processes)."""
        while not stopping():
            self.check()
            time.sleep(interval)
