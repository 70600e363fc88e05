"""The local stack: Kafka (KRaft), Postgres, Redis, the ClickHouse engine, S3Proxy and Dagster, on loopback.

Each service runs from this machine's own binaries (Kafka's jars resolved by Maven into
`.local/kafka/libs`, Postgres and Redis from Debian's packages, ClickHouse through chDB), keeps
its data under `.local/<service>` (S3Proxy's jar resolved by Maven into `.local/s3proxy/lib`,
its objects as files under `.local/s3proxy/data`), and listens on its usual local port unless that is taken, in
which case a free one is chosen once and remembered in `.local/stack.env`, which
`wellwon.config` reads as its defaults. Setting a service's URL variable (KAFKA_BOOTSTRAP,
POSTGRES_DSN, REDIS_URL, CLICKHOUSE_URL, S3_URL) skips the local instance.
"""

from __future__ import annotations

import fcntl
import functools
import glob
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stack import dagster
from stack.ports import free_port, port_is_open
from wellwon.config import (
    LOCAL_DIR,
    PROJECT_ROOT,
    STACK_ENV_FILE,
    Settings,
    ensure_local_jwt_secret,
    ensure_local_s3_credentials,
    ensure_local_telegram_token,
    read_env_file,
)

log = logging.getLogger("wellwon.stack")

PREFERRED_PORTS = {"kafka": 19092, "kafka_controller": 19093, "postgres": 15432, "redis": 16379, "clickhouse": 18123}
PREFERRED_PORTS["s3proxy"] = 19000
PREFERRED_PORTS["maildev"] = 11080  # the mail catcher's web inbox and REST API
PREFERRED_PORTS["maildev_smtp"] = 11025
PREFERRED_PORTS["telegram_bot_api"] = 18081  # our own Bot API server (stack/telegram_bot_api.py)
URL_VARIABLES = {
    "kafka": "KAFKA_BOOTSTRAP",
    "postgres": "POSTGRES_DSN",
    "redis": "REDIS_URL",
    "clickhouse": "CLICKHOUSE_URL",
    "s3proxy": "S3_URL",
    "maildev": "SMTP_URL",
    "telegram_bot_api": "TELEGRAM_API_URL",
}


def choose_ports() -> dict[str, int]:
    """The ports remembered in stack.env, else the preferred ones if free, else free ones."""
    remembered = read_env_file(STACK_ENV_FILE)
    ports: dict[str, int] = {}
    for name, preferred in PREFERRED_PORTS.items():
        key = f"WELLWON_{name.upper()}_PORT"
        if key in remembered:
            ports[name] = int(remembered[key])
        else:
            ports[name] = preferred if not port_is_open(preferred) else free_port()
    return ports


def write_stack_env(ports: dict[str, int]) -> None:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    lines = [f"WELLWON_{name.upper()}_PORT={port}" for name, port in ports.items()]
    lines += [
        f"KAFKA_BOOTSTRAP=127.0.0.1:{ports['kafka']}",
        f"POSTGRES_DSN=postgresql://wellwon@127.0.0.1:{ports['postgres']}/wellwon",
        f"REDIS_URL=redis://127.0.0.1:{ports['redis']}/0",
        f"CLICKHOUSE_URL=http://default:@127.0.0.1:{ports['clickhouse']}/wellwon",
        f"S3_URL=http://127.0.0.1:{ports['s3proxy']}",
        f"SMTP_URL=smtp://127.0.0.1:{ports['maildev_smtp']}",
        f"MAILDEV_URL=http://127.0.0.1:{ports['maildev']}",
        f"TELEGRAM_API_URL=http://127.0.0.1:{ports['telegram_bot_api']}",
    ]
    # What another checkout's stack up remembered (a service this one does not know) is kept.
    values = read_env_file(STACK_ENV_FILE) | dict(line.split("=", 1) for line in lines)
    lines = [f"{name}={value}" for name, value in values.items()]
    STACK_ENV_FILE.write_text("# written by `wellwon stack up`: the local stack's ports\n" + "\n".join(lines) + "\n")


@dataclass
class Service:
    name: str
    port: int
    start: Callable[[], subprocess.Popen[bytes] | None]

    @property
    def folder(self) -> Path:
        return LOCAL_DIR / self.name

    @property
    def pid_file(self) -> Path:
        return self.folder / "service.pid"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None

    def running(self) -> bool:
        return self.pid() is not None and self.ready()

    def ready(self) -> bool:
        """Whether it serves: its port answers (a daemon, which listens nowhere, overrides this)."""
        return port_is_open(self.port)

    def describe(self) -> str:
        return f"up on 127.0.0.1:{self.port}"


@dataclass
class Daemon(Service):
    """A service without a port (Dagster's daemon): up while its process lives."""

    def ready(self) -> bool:
        return self.pid() is not None

    def describe(self) -> str:
        return f"up (pid {self.pid()})"


@dataclass
class Postgres(Service):
    """Postgres takes connections on its port before it can serve them (crash recovery after a kill): ready when
    pg_isready says it accepts them."""

    def ready(self) -> bool:
        if not port_is_open(self.port):
            return False
        check = [_postgres_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-t", "2"]
        return subprocess.run(check, check=False).returncode == 0


def _spawn(service_folder: Path, argv: list[str], user: str | None = None) -> subprocess.Popen[bytes]:
    service_folder.mkdir(parents=True, exist_ok=True)
    log_file = open(service_folder / "service.log", "ab")  # noqa: SIM115 - handed to the child
    if user and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.Popen(
        argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )


def _kafka(port: int, controller_port: int, folder: Path | None = None) -> Callable[[], subprocess.Popen[bytes]]:
    """The broker's starter; `folder` (data, config, log) defaults to the stack's, the jars are always the stack's."""

    def start() -> subprocess.Popen[bytes]:
        home = folder or LOCAL_DIR / "kafka"
        home.mkdir(parents=True, exist_ok=True)
        libs = LOCAL_DIR / "kafka" / "libs"
        if not glob.glob(str(libs / "kafka_2.13-*.jar")):
            raise RuntimeError(f"Kafka jars missing in {libs}: run stack/bootstrap.sh (it resolves them with Maven)")
        data = home / "data"
        properties = home / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data}",
                    # The platform creates every topic itself, with explicit partitions and configs.
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "group.initial.rebalance.delay.ms=0",
                    "num.partitions=1",
                    "log.cleaner.backoff.ms=5000",
                ]
            )
            + "\n"
        )
        classpath = f"{libs}/*"
        java = shutil.which("java") or "java"
        if not (data / "meta.properties").exists():
            subprocess.run(
                [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", uuid.uuid4().hex[:22],
                 "-c", str(properties)],
                check=True, capture_output=True,
            )  # fmt: skip
        log4j = home / "log4j2.properties"
        log4j.write_text(
            "rootLogger.level=WARN\nrootLogger.appenderRef.out.ref=out\n"
            "appender.out.type=Console\nappender.out.name=out\nappender.out.layout.type=PatternLayout\n"
            "appender.out.layout.pattern=[%d] %p %m (%c)%n\n"
        )
        return _spawn(
            home,
            [java, "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", f"-Dlog4j2.configurationFile={log4j}",
             "-cp", classpath, "kafka.Kafka", str(properties)],
        )  # fmt: skip

    return start


def _postgres_bin(tool: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries missing: run stack/bootstrap.sh (apt-get install postgresql)")
    return candidates[-1]


def _postgres(port: int) -> Callable[[], subprocess.Popen[bytes]]:
    def start() -> subprocess.Popen[bytes]:
        folder = LOCAL_DIR / "postgres"
        data = folder / "data"
        folder.mkdir(parents=True, exist_ok=True)
        # initdb refuses to run as root: the cluster belongs to the `postgres` system user then.
        user = "postgres" if os.geteuid() == 0 else None
        if user:
            shutil.chown(folder, user)
        if not (data / "PG_VERSION").exists():
            argv = [_postgres_bin("initdb"), "-D", str(data), "-U", "wellwon", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8"]  # fmt: skip
            subprocess.run(["runuser", "-u", user, "--", *argv] if user else argv, check=True, capture_output=True)
        return _spawn(
            folder,
            [_postgres_bin("postgres"), "-D", str(data), "-p", str(port), "-c", "listen_addresses=127.0.0.1",
             "-c", f"unix_socket_directories={folder}", "-c", "max_connections=200", "-c", "fsync=on",
             "-c", "shared_buffers=256MB"],
            user=user,
        )  # fmt: skip

    return start


def _redis(port: int) -> Callable[[], subprocess.Popen[bytes]]:
    def start() -> subprocess.Popen[bytes]:
        folder = LOCAL_DIR / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server missing: run stack/bootstrap.sh (apt-get install redis-server)")
        return _spawn(
            folder,
            [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes",
             "--protected-mode", "yes", "--daemonize", "no"],
        )  # fmt: skip

    return start


def _clickhouse(port: int) -> Callable[[], subprocess.Popen[bytes]]:
    def start() -> subprocess.Popen[bytes]:
        folder = LOCAL_DIR / "clickhouse"
        return _spawn(
            folder,
            [sys.executable, "-m", "stack.clickhouse_http", "--host", "127.0.0.1", "--port", str(port),
             "--data-dir", str(folder / "data")],
        )  # fmt: skip

    return start


PREFERRED_PORTS["dagster"] = dagster.WEBSERVER_PORT  # Dagster's web UI
PREFERRED_PORTS["dagster_code"] = dagster.CODE_SERVER_PORT  # the code location's gRPC server


def _dagster(ports: dict[str, int]) -> list[Service]:
    """Dagster's code server (the `pipelines` code location), webserver (the UI) and daemon (sensors, schedules, the
    run queue), on the platform's Postgres, with DAGSTER_HOME `.local/dagster`, in this settings' namespace. The
    webserver and the daemon start once the code server answers: they load the location from it."""
    code_server = dagster.CodeServer("127.0.0.1", ports["dagster_code"])

    @functools.cache  # once per `up`, by whichever of the three starts first
    def prepared() -> tuple[Path, dict[str, str]]:
        # Postgres is started in the same `up`, a moment earlier: Dagster's database and tables need it.
        config, deadline = Settings(), time.monotonic() + 60
        while True:
            try:
                workspace = dagster.prepare_home(dagster.HOME, config, code_server)
                return workspace, dagster.environment(dagster.HOME, config)
            except Exception:  # Postgres not accepting connections yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def code() -> subprocess.Popen[bytes]:
        _, env = prepared()
        return _spawn(
            LOCAL_DIR / "dagster-code", dagster.with_environment(env, dagster.code_server_argv(code_server.port))
        )

    # The running webserver's own port, kept beside its pid: a stack.env rewritten by a checkout that does not know
    # Dagster must not make `up` think it is down (its port taken, by itself) and start another on a free port.
    port_file = LOCAL_DIR / "dagster-webserver" / "service.port"
    web = Service("dagster-webserver", ports["dagster"], lambda: None)
    if web.pid() is not None and port_file.exists():
        web.port = int(port_file.read_text())

    def webserver() -> subprocess.Popen[bytes]:
        workspace, env = prepared()
        code_server.wait()
        argv = dagster.webserver_argv(workspace, web.port)
        process = _spawn(web.folder, dagster.with_environment(env, argv))
        port_file.write_text(str(web.port))
        return process

    def daemon() -> subprocess.Popen[bytes]:
        workspace, env = prepared()
        code_server.wait()
        return _spawn(LOCAL_DIR / "dagster-daemon", dagster.with_environment(env, dagster.daemon_argv(workspace)))

    web.start = webserver
    return [Service("dagster-code", code_server.port, code), web, Daemon("dagster-daemon", 0, daemon)]


def _s3proxy(port: int) -> Callable[[], subprocess.Popen[bytes]]:
    """S3Proxy over a folder (jclouds' filesystem backend), with the credentials generated in .local/secrets."""

    def start() -> subprocess.Popen[bytes]:
        folder = LOCAL_DIR / "s3proxy"
        jars = sorted(glob.glob(str(folder / "lib" / "s3proxy-*-jar-with-dependencies.jar")))
        if not jars:
            raise RuntimeError(
                f"S3Proxy missing in {folder / 'lib'}: run stack/bootstrap.sh (it resolves it with Maven)"
            )
        config = Settings()
        data = folder / "data"
        # The filesystem backend's buckets are folders: the platform's bucket exists from the start.
        (data / config.s3_bucket).mkdir(parents=True, exist_ok=True)
        properties = folder / "s3proxy.properties"
        properties.touch(mode=0o600)
        properties.write_text(
            "\n".join(
                [
                    f"s3proxy.endpoint=http://127.0.0.1:{port}",
                    "s3proxy.authorization=aws-v2-or-v4",
                    f"s3proxy.identity={config.s3_access_key}",
                    f"s3proxy.credential={config.s3_secret_key}",
                    "jclouds.provider=filesystem",
                    f"jclouds.filesystem.basedir={data}",
                ]
            )
            + "\n"
        )
        java = shutil.which("java") or "java"
        return _spawn(folder, [java, "-Xms64m", "-Xmx512m", "-jar", jars[-1], "--properties", str(properties)])

    return start


def _maildev(web_port: int, smtp_port: int) -> Callable[[], subprocess.Popen[bytes]]:
    """maildev (npm, installed by stack/bootstrap.sh into stack/maildev): SMTP and its web inbox, loopback only."""

    def start() -> subprocess.Popen[bytes]:
        binary = PROJECT_ROOT / "stack" / "maildev" / "node_modules" / ".bin" / "maildev"
        if not binary.exists():
            raise RuntimeError(f"maildev missing at {binary}: run stack/bootstrap.sh (npm ci in stack/maildev)")
        folder = LOCAL_DIR / "maildev"
        # Mail kept under .local (not maildev's default /tmp), the oldest dropped past 5000.
        return _spawn(
            folder,
            [str(binary), "--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--smtp", str(smtp_port),
             "--web", str(web_port), "--mail-directory", str(folder / "mail"), "--max-emails", "5000", "--silent"],
        )  # fmt: skip

    return start


def _telegram_bot_api(port: int) -> Callable[[], subprocess.Popen[bytes]]:
    """Our own Telegram Bot API server on loopback; the local bot's token is generated once (`up`)."""

    def start() -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "stack.telegram_bot_api", "--port", str(port)]
        return _spawn(LOCAL_DIR / "telegram_bot_api", argv)

    return start


def services() -> list[Service]:
    ports = choose_ports()
    all_services = [
        Service("kafka", ports["kafka"], _kafka(ports["kafka"], ports["kafka_controller"])),
        Postgres("postgres", ports["postgres"], _postgres(ports["postgres"])),
        Service("redis", ports["redis"], _redis(ports["redis"])),
        Service("clickhouse", ports["clickhouse"], _clickhouse(ports["clickhouse"])),
        Service("s3proxy", ports["s3proxy"], _s3proxy(ports["s3proxy"])),
        Service("maildev", ports["maildev"], _maildev(ports["maildev"], ports["maildev_smtp"])),
        Service("telegram_bot_api", ports["telegram_bot_api"], _telegram_bot_api(ports["telegram_bot_api"])),
    ]
    all_services += _dagster(ports)
    # A service whose URL is set in the environment is somebody else's: leave it alone.
    return [s for s in all_services if URL_VARIABLES.get(s.name, "") not in os.environ]


def up(timeout: float = 120.0) -> None:
    # One starter at a time: two `stack up`s racing both saw Kafka down, both started it, and the loser's
    # pid overwrote the winner's in the pid file, so the stack looked down while Kafka ran.
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCAL_DIR / "stack.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _up(timeout)


def _up(timeout: float) -> None:
    ports = choose_ports()
    write_stack_env(ports)
    ensure_local_jwt_secret()  # the local stack's own signing secret; production must set JWT_SECRET
    ensure_local_s3_credentials()  # the local S3Proxy's; a real store's come from S3_ACCESS_KEY/S3_SECRET_KEY
    ensure_local_telegram_token()  # the local Bot API server's bot; the real one's comes from TELEGRAM_BOT_TOKEN
    os.environ.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    pending: list[Service] = []
    for service in services():
        if service.running():
            continue
        if service.pid() is not None:  # started by an earlier `up` and still coming up: a second one would fail
            pending.append(service)
            continue
        if service.port and port_is_open(service.port):
            raise RuntimeError(f"{service.name}: port {service.port} is taken by another process")
        process = service.start()
        if process is not None:
            service.pid_file.parent.mkdir(parents=True, exist_ok=True)
            service.pid_file.write_text(str(process.pid))
        pending.append(service)
    deadline = time.monotonic() + timeout
    for service in pending:
        while not service.ready():
            if time.monotonic() > deadline or service.pid() is None:
                tail = (service.folder / "service.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{service.name} did not start on port {service.port}:\n{tail}")
            time.sleep(0.2)
        log.info("service up", extra={"service": service.name, "port": service.port})


def down() -> None:
    for service in services():
        pid = service.pid()
        if pid is None:
            continue
        # Postgres: SIGINT is its fast shutdown; the others stop cleanly on SIGTERM.
        os.killpg(pid, signal.SIGINT if service.name == "postgres" else signal.SIGTERM)
        for _ in range(150):
            if service.pid() is None:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        service.pid_file.unlink(missing_ok=True)


def status() -> dict[str, str]:
    return {s.name: (s.describe() if s.running() else "down") for s in services()}
