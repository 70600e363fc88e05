"""Dagster's instance per namespace: its DAGSTER_HOME (dagster.yaml, workspace.yaml), database and processes.

The stack's webserver and daemon (`wellwon stack up`) use `.local/dagster` and the database `dagster`; a test
gives its own home folder and namespace, and gets the database `dagster_<namespace>`, so its runs, sensor
cursors and schedules never mix with anybody else's. Runs, their event logs and the schedule/sensor ticks are
stored in the platform's Postgres (dagster-postgres, through psycopg2, hence the `postgresql+psycopg2://` URL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from stack.ports import free_port
from wellwon.config import LOCAL_DIR, PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from dagster import DagsterInstance, DagsterRun

HOME = Path(os.environ.get("DAGSTER_HOME") or LOCAL_DIR / "dagster")  # the stack's DAGSTER_HOME
PIPELINES_MODULE = "pipelines"  # the code location: one Definitions (pipelines/definitions.py)
# Each run is a process of its own that imports the pipelines (and, for recognition, the OCR engines):
# two at a time is what two cores carry beside the platform; the rest wait in Dagster's run queue.
MAX_CONCURRENT_RUNS = 2
GRPC_TIMEOUT_SECONDS = 300
WEBSERVER_PORT = 13000  # preferred ports: `wellwon stack up` takes free ones when these are taken
CODE_SERVER_PORT = 13001


def database_name(settings: Settings) -> str:
    return f"dagster{settings.database_suffix}"


def storage_url(settings: Settings) -> str:
    """SQLAlchemy's URL of this namespace's Dagster database, on the platform's Postgres (psycopg2 driver)."""
    params = conninfo_to_dict(settings.postgres_dsn)
    user = quote(str(params.get("user", "wellwon")), safe="")
    password = f":{quote(str(params['password']), safe='')}" if params.get("password") else ""
    host = str(params.get("host", "127.0.0.1"))
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql+psycopg2://{user}{password}@{host}{port}/{database_name(settings)}"


def ensure_database(settings: Settings) -> None:
    """Create this namespace's Dagster database unless it exists (Dagster creates its tables itself)."""
    import psycopg
    from psycopg import sql

    params = conninfo_to_dict(settings.postgres_dsn)
    params["dbname"] = "postgres"
    with psycopg.connect(make_conninfo(**params), autocommit=True) as conn:  # type: ignore[arg-type]
        name = database_name(settings)
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def instance_yaml(
    settings: Settings, max_concurrent_runs: int = MAX_CONCURRENT_RUNS, held_tags: tuple[tuple[str, str], ...] = ()
) -> str:
    """dagster.yaml: every storage in Postgres, runs queued (a few at a time), dead run workers noticed.

    A run tagged with one of `held_tags` (key, value) stays queued (a test's way to cancel a queued run).
    JSON is YAML, and json.dumps quotes the URL safely whatever its password holds."""
    config = {
        # One block for run storage, event log storage and schedule (and sensor tick) storage.
        "storage": {"postgres": {"postgres_url": storage_url(settings)}},
        # Runs wait in Dagster's queue (the daemon's default coordinator) and start a few at a time.
        "run_queue": {
            "max_concurrent_runs": max_concurrent_runs,
            "dequeue_interval_seconds": 1,
            "tag_concurrency_limits": [{"key": key, "value": value, "limit": 0} for key, value in held_tags],
        },
        # A run worker that dies (killed, out of memory) is marked failed, so the failure sensor reports it.
        "run_monitoring": {"enabled": True, "poll_interval_seconds": 5},
        "telemetry": {"enabled": False},
    }
    return json.dumps(config, indent=2) + "\n"


def workspace_yaml(code_server: CodeServer, module: str = PIPELINES_MODULE) -> str:
    """workspace.yaml: one code location, the module's Definitions, served by a code server of its own.

    Not a `python_module` location, for which the daemon and the webserver each start their own code server: the
    daemon drops and starts its one again every minute (it refreshes its workspace every 60 s), and each imports
    the pipelines anew: Dagster's processes took 0.18 of a core at rest, 0.10 with one code server (docs/scaling.md,
    "Stop 36")."""
    location = {"grpc_server": {"host": code_server.host, "port": code_server.port, "location_name": module}}
    return json.dumps({"load_from": [location]}, indent=2) + "\n"


@dataclass(frozen=True)
class CodeServer:
    """Where the code location's gRPC server listens (`code_server_argv`): the webserver, the daemon and the runs
    they launch all load the Definitions from it."""

    host: str
    port: int

    @classmethod
    def parse(cls, address: str) -> CodeServer:
        host, _, port = address.rpartition(":")
        return cls(host or "127.0.0.1", int(port))

    def answers(self) -> bool:
        """Whether it answers a ping over gRPC."""
        from dagster._grpc.client import DagsterGrpcClient

        try:
            DagsterGrpcClient(port=self.port, host=self.host).ping("")
        except Exception:
            return False
        return True

    def wait(self, timeout: float = 180.0, process: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not self.answers():
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the code server on {self.host}:{self.port} exited ({process.returncode})")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no code server answers on {self.host}:{self.port} after {timeout:.0f}s")
            time.sleep(0.5)


def code_server_argv(
    port: int, module: str = PIPELINES_MODULE, host: str = "127.0.0.1", working_directory: Path = PROJECT_ROOT
) -> list[str]:
    """The code location's gRPC server: imports `module` once, then serves its Definitions and launches runs."""
    return [sys.executable, "-m", "dagster", "api", "grpc", "-m", module, "-d", str(working_directory),
            "-h", host, "-p", str(port), "--location-name", module]  # fmt: skip


def prepare_home(
    home: Path,
    settings: Settings,
    code_server: CodeServer,
    module: str = PIPELINES_MODULE,
    max_concurrent_runs: int = MAX_CONCURRENT_RUNS,
    held_tags: tuple[tuple[str, str], ...] = (),
) -> Path:
    """Write dagster.yaml and workspace.yaml into `home`, create the database and Dagster's tables.

    The tables are created here, once, before the webserver and the daemon start side by side (each would
    otherwise try to create them at the same moment). Returns the workspace file."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(instance_yaml(settings, max_concurrent_runs, held_tags))
    workspace = home / "workspace.yaml"
    workspace.write_text(workspace_yaml(code_server, module))
    ensure_database(settings)
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)):
        pass
    return workspace


def environment(home: Path, settings: Settings) -> dict[str, str]:
    """What Dagster's processes (and the code servers and run workers they start) get in their environment."""
    return {
        "DAGSTER_HOME": str(home),
        "WELLWON_NAMESPACE": settings.namespace,
        "PYTHONPATH": str(PROJECT_ROOT),
        # Launching a run asks the code server to start a Python process for it: on a busy two-core machine that
        # took over Dagster's default 60 s, and the run failed unlaunched.
        "DAGSTER_GRPC_TIMEOUT_SECONDS": str(GRPC_TIMEOUT_SECONDS),
    }


def webserver_argv(workspace: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    return [sys.executable, "-m", "dagster_webserver", "-h", host, "-p", str(port), "-w", str(workspace)]


def daemon_argv(workspace: Path) -> list[str]:
    return [sys.executable, "-m", "dagster._daemon", "run", "-w", str(workspace)]


def with_environment(variables: dict[str, str], argv: list[str]) -> list[str]:
    """argv run through env(1) with these variables (env execs it: the pid stays the program's)."""
    return ["env", *(f"{name}={value}" for name, value in variables.items()), *argv]


@contextmanager
def running_daemon(
    home: Path,
    settings: Settings,
    module: str = PIPELINES_MODULE,
    max_concurrent_runs: int = MAX_CONCURRENT_RUNS,
    held_tags: tuple[tuple[str, str], ...] = (),
) -> Iterator[DaemonInNamespace]:
    """A dagster-daemon of its own (sensors, schedules, run queue) for `module` in `settings`' namespace, with its
    code server and its instance open for reading runs; stopped (with its code server and runs) on leaving. For
    tests and benchmarks."""
    from dagster import DagsterInstance

    code_server = CodeServer("127.0.0.1", free_port())
    workspace = prepare_home(home, settings, code_server, module, max_concurrent_runs, held_tags)
    log = home / "daemon.log"
    variables = environment(home, settings)
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str]) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(
                with_environment(variables, argv),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        started.append(process)
        return process

    instance = DagsterInstance.from_config(str(home))
    try:
        # The daemon loads the location as it starts: from a server that answers by then.
        code_server.wait(process=start(code_server_argv(code_server.port, module)))
        yield DaemonInNamespace(settings, instance, start(daemon_argv(workspace)), log)
    finally:
        for process in reversed(started):
            stop_group(process)
        instance.dispose()


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's group (its runs, the code server's run workers), SIGKILL after 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@dataclass
class DaemonInNamespace:
    settings: Settings
    instance: DagsterInstance
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def runs_of(self, partition_key: str) -> list[DagsterRun]:
        from dagster import RunsFilter

        return list(self.instance.get_runs(RunsFilter(tags={"dagster/partition": partition_key})))

    def finished_run(self, partition_key: str, timeout: float = 240.0) -> DagsterRun:
        """The partition's run once it has finished (succeeded, failed or canceled), polled until `timeout`."""
        return self.run_in(partition_key, {"SUCCESS", "FAILURE", "CANCELED"}, timeout)

    def run_in(self, partition_key: str, statuses: set[str], timeout: float = 240.0) -> DagsterRun:
        """The partition's run once its status is one of `statuses` (names of DagsterRunStatus), polled."""
        deadline = time.monotonic() + timeout
        while True:
            done = [r for r in self.runs_of(partition_key) if r.status.value in statuses]
            if done:
                return done[0]
            if self.process.poll() is not None:
                raise RuntimeError(f"the daemon exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no finished run of {partition_key} in {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.5)

    def wait_for_tick_after(self, sensor_name: str, timestamp: float, timeout: float = 240.0) -> None:
        """Until the sensor has finished a tick that started after `timestamp`."""
        from dagster._core.scheduler.instigation import InstigatorType, TickStatus

        deadline = time.monotonic() + timeout
        while True:
            states = self.instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
            state = next((s for s in states if s.name == sensor_name), None)
            if state is not None:
                ticks = self.instance.get_ticks(state.instigator_origin_id, state.selector_id, after=timestamp)
                if any(t.status != TickStatus.STARTED for t in ticks):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{sensor_name} did not tick after {timestamp}:\n{self.log_tail()}")
            time.sleep(0.5)
