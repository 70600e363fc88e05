"""Runs the platform's processes (stream worker, sinks, API) as children, in a namespace.

`wellwon run` uses it with the default namespace; tests and benchmarks use a fresh namespace
each (topics, consumer groups, Postgres and ClickHouse databases, Redis channels), so runs never
see each other's data, and a test can kill -9 and restart the stream worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from wellwon.config import LOCAL_DIR, PROJECT_ROOT, Settings

PROCESS_MODULES = {"streams": "streams.worker", "sinks": "sinks.worker", "api": "api.app"}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PlatformProcesses:
    namespace: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
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
        return folder / f"{name}.log"

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

    def stop_all(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)

    def start_all(self, log_to_file: bool = True) -> None:
        for name in PROCESS_MODULES:
            self.start(name, log_to_file)

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def wait_for_api(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["api"].poll() is not None:
                raise RuntimeError(f"api exited: {self.log_path('api').read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("api did not start")
