"""Apache Superset on loopback, optional in the stack, set up with the dashboards' datasets and charts for a company.

    wellwon superset up --tenant COMPANY_ID [--name LABEL]    # install if absent, start, create or update
    wellwon superset down

Superset runs from its own virtualenv (`.local/superset-venv`, never the platform's: its dependencies pin
differently), keeps its metadata (SQLite), config and log in `.local/superset/`, and reaches ClickHouse through
clickhouse-connect's `clickhousedb` SQLAlchemy dialect. Its SECRET_KEY and the `admin` password are generated once
into `.local/superset/` (mode 0600) and never printed. `WELLWON_SUPERSET_DIR` moves both folders elsewhere;
`SUPERSET_PORT` chooses its port (otherwise 18088 if free, else a free one, remembered).

What it shows, and how it is bound to one company, is `dashboards/superset.py`'s; here it is only sent through
Superset's REST API (log in, CSRF token, then create or update: re-running updates in place).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from dashboards.definitions import DASHBOARDS, Dashboard
from dashboards.superset import (
    Column,
    chart_payload,
    dashboard_payload,
    dashboard_slug,
    database_name,
    database_payload,
    dataset_payload,
)
from stack.ports import free_port, port_is_open
from wellwon.config import LOCAL_DIR, Settings, ensure_local_secret

log = logging.getLogger("wellwon.superset")

SUPERSET_DIR = Path(os.environ.get("WELLWON_SUPERSET_DIR", LOCAL_DIR))
VENV = SUPERSET_DIR / "superset-venv"
HOME = SUPERSET_DIR / "superset"
SECRET_KEY_FILE = HOME / "secret_key"
ADMIN_PASSWORD_FILE = HOME / "admin_password"
ADMIN = "admin"
PREFERRED_PORT = 18088
# What Superset 6.1.0 needs beside itself to run here and reach ClickHouse: its own dependency set lacks `rich` and
# `cachetools`, and resolves a flask-caching that it does not start with. The versions installed and tested.
REQUIREMENTS = (
    "apache-superset==6.1.0",
    "clickhouse-connect==1.12.0",
    "rich==15.0.0",
    "cachetools==8.0.2",
    "flask-caching==2.3.1",
)
CONFIG = '''"""Superset's config for the WellWon stack (written by `wellwon superset up`; edits are overwritten)."""
from pathlib import Path

_HOME = Path({home!r})
SECRET_KEY = (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(_HOME / "superset.db")
DATA_DIR = str(_HOME)
# Chart data is always read afresh from ClickHouse: the platform's facts move by the second.
DATA_CACHE_CONFIG = {{"CACHE_TYPE": "NullCache"}}
RATELIMIT_STORAGE_URI = "memory://"
TALISMAN_ENABLED = False  # loopback, plain HTTP
'''


def python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def superset_env() -> dict[str, str]:
    """The environment of Superset's commands: the platform's virtualenv and paths left out."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(SUPERSET_CONFIG_PATH=str(HOME / "superset_config.py"), SUPERSET_HOME=str(HOME), FLASK_APP="superset")
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def superset(*args: str, stdin: str | None = None, timeout: float = 900) -> str:
    """A `superset` command in its virtualenv; its output, or a failure that carries its tail."""
    done = subprocess.run(
        [str(VENV / "bin" / "superset"), *args], env=superset_env(), input=stdin, capture_output=True, text=True,
        timeout=timeout, cwd=HOME,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"superset {args[0]} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout


def install(requirements: Sequence[str] = REQUIREMENTS) -> None:
    """The virtualenv, made once; a venv whose Superset does not start (half installed) is completed."""
    if python().exists() and subprocess.run([str(python()), "-c", "import superset"], env=superset_env(),
                                            capture_output=True).returncode == 0:  # fmt: skip
        return
    log.warning("installing Superset into %s (a few minutes)", VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *requirements], check=True, env=superset_env())


def configure() -> None:
    """Config and secrets (generated once); once per set of requirements, the metadata database's schema, the
    roles and the admin (with the password generated, or again if its file was removed)."""
    HOME.mkdir(parents=True, exist_ok=True)
    HOME.chmod(0o700)  # the metadata database holds the connection's credentials and the admin's hash
    ensure_local_secret(SECRET_KEY_FILE, lambda: secrets.token_urlsafe(48))
    fresh_password = not ADMIN_PASSWORD_FILE.exists()
    ensure_local_secret(ADMIN_PASSWORD_FILE, lambda: secrets.token_urlsafe(24))
    (HOME / "superset_config.py").write_text(CONFIG.format(home=str(HOME)))
    done = HOME / "configured"
    if done.exists() and done.read_text() == "\n".join(REQUIREMENTS) and not fresh_password:
        return
    superset("db", "upgrade")
    superset("init")  # roles and permissions
    password = ADMIN_PASSWORD_FILE.read_text().strip()
    typed = f"{password}\n{password}\n"  # on stdin, never on a command line
    created = superset(
        "fab", "create-admin", "--username", ADMIN, "--firstname", "WellWon", "--lastname", "Admin",
        "--email", "superset-admin@wellwon.invalid", stdin=typed,
    )  # fmt: skip
    if "already exists" in created:  # the password file is the truth
        superset("fab", "reset-password", "--username", ADMIN, stdin=typed)
    done.write_text("\n".join(REQUIREMENTS))


def port() -> int:
    remembered = HOME / "port"
    if chosen := os.environ.get("SUPERSET_PORT"):
        return int(chosen)
    if remembered.exists():
        return int(remembered.read_text())
    chosen_port = PREFERRED_PORT if not port_is_open(PREFERRED_PORT) else free_port()
    remembered.write_text(str(chosen_port))
    return chosen_port


def url() -> str:
    return f"http://127.0.0.1:{port()}"


def pid() -> int | None:
    try:
        running = int((HOME / "superset.pid").read_text())
        os.kill(running, 0)
        return running
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def healthy() -> bool:
    try:
        return httpx.get(f"{url()}/health", timeout=5).text.strip() == "OK"
    except httpx.HTTPError:
        return False


def start(timeout: float = 300) -> str:
    """`superset run` on loopback unless it already serves; its URL once healthy."""
    if pid() is not None and healthy():
        return url()
    if port_is_open(port()):
        raise RuntimeError(f"port {port()} is taken by another process: set SUPERSET_PORT")
    logfile = open(HOME / "superset.log", "ab")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(
        [str(VENV / "bin" / "superset"), "run", "--host", "127.0.0.1", "--port", str(port()), "--with-threads"],
        env=superset_env(), cwd=HOME, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    (HOME / "superset.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while not healthy():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = (HOME / "superset.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Superset did not start on {url()}:\n{tail}")
        time.sleep(1)
    return url()


def stop() -> None:
    running = pid()
    if running is None:
        return
    os.killpg(running, signal.SIGTERM)
    for _ in range(100):
        if pid() is None:
            break
        time.sleep(0.1)
    else:
        os.killpg(running, signal.SIGKILL)
    (HOME / "superset.pid").unlink(missing_ok=True)


class SupersetApi:
    """Superset's REST API as its admin: a bearer token from the login, and the CSRF token its writes require."""

    def __init__(self, base_url: str, password: str) -> None:
        # Generous: each write may test the connection or read the dataset's columns from a loaded ClickHouse.
        self.http = httpx.Client(base_url=base_url, timeout=600, headers={"Referer": base_url})
        login = self.http.post(
            "/api/v1/security/login", json={"username": ADMIN, "password": password, "provider": "db"}
        )
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        self.http.headers["X-CSRFToken"] = self.call("GET", "/api/v1/security/csrf_token/")["result"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, path, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"Superset {method} {path}: {answer.status_code} {answer.text[:2000]}")
        return answer.json()

    def listed(self, resource: str) -> Iterator[dict[str, Any]]:
        """Every row of a resource's list, page by page."""
        page = 0
        while True:
            rows = self.call("GET", f"/api/v1/{resource}/", params={"q": f"(page:{page},page_size:100)"})["result"]
            yield from rows
            if len(rows) < 100:
                return
            page += 1

    def upsert(self, resource: str, existing: int | None, payload: dict[str, Any]) -> int:
        if existing is None:
            return int(self.call("POST", f"/api/v1/{resource}/", json=payload)["id"])
        self.call("PUT", f"/api/v1/{resource}/{existing}", json=payload)
        return existing


@dataclass
class SupersetSite:
    """What a set-up made: Superset's URL, and the ids of each dashboard and each panel's chart."""

    url: str
    database_id: int
    dashboards: dict[str, int] = field(default_factory=dict)
    charts: dict[tuple[str, str], int] = field(default_factory=dict)


def clickhousedb_uri(settings: Settings, database: str) -> str:
    """The platform's ClickHouse as clickhouse-connect's SQLAlchemy dialect names it."""
    source = urlparse(settings.clickhouse_url)
    credentials = f"{source.username or 'default'}:{source.password or ''}"
    return f"clickhousedb://{credentials}@{source.hostname or '127.0.0.1'}:{source.port or 8123}/{database}"


def publish(api: SupersetApi, base_url: str, settings: Settings, tenant_id: str, label: str) -> SupersetSite:
    """The database connection, and for the company each dashboard with a dataset and chart per panel."""
    from sinks.clickhouse import analytics_client, analytics_database

    database = analytics_database(settings)
    databases = {row["database_name"]: row["id"] for row in api.listed("database")}
    database_id = api.upsert(
        "database",
        databases.get(database_name(database)),
        database_payload(database, clickhousedb_uri(settings, database)),
    )
    site = SupersetSite(base_url, database_id)
    datasets = {row["table_name"]: row["id"] for row in api.listed("dataset") if row["database"]["id"] == database_id}
    clickhouse = analytics_client(settings, database)
    try:
        for dashboard in DASHBOARDS.values():
            site.dashboards[dashboard.id] = dashboard_id = dashboard_shell(api, tenant_id, label, dashboard)
            for panel in dashboard.panels:
                payload = dataset_payload(database_id, database, tenant_id, dashboard, panel)
                existing = datasets.get(payload["table_name"])
                if existing is None:
                    dataset_id = api.upsert("dataset", None, payload)
                else:  # its SQL may have changed with the definitions: update, then re-read its columns
                    dataset_id = api.upsert("dataset", existing, {"sql": payload["sql"]})
                    api.call("PUT", f"/api/v1/dataset/{dataset_id}/refresh")
                described = clickhouse.query(f"SELECT * FROM ({payload['sql']}) LIMIT 0")
                columns = [
                    Column(n, t.name) for n, t in zip(described.column_names, described.column_types, strict=True)
                ]
                charts = api.call("GET", f"/api/v1/dataset/{dataset_id}/related_objects")["charts"]["result"]
                site.charts[(dashboard.id, panel.id)] = api.upsert(
                    "chart",
                    charts[0]["id"] if charts else None,
                    chart_payload(dataset_id, [dashboard_id], panel, columns),
                )
            chart_ids = {p: c for (d, p), c in site.charts.items() if d == dashboard.id}
            api.upsert("dashboard", dashboard_id, dashboard_payload(tenant_id, label, dashboard, chart_ids))
    finally:
        clickhouse.close()
    return site


def dashboard_shell(api: SupersetApi, tenant_id: str, label: str, dashboard: Dashboard) -> int:
    """The dashboard's id, creating it (without charts yet) if its slug is new."""
    slug = dashboard_slug(tenant_id, dashboard)
    found = api.http.get(f"/api/v1/dashboard/{slug}")
    if found.status_code == 200:
        return int(found.json()["result"]["id"])
    return api.upsert("dashboard", None, dashboard_payload(tenant_id, label, dashboard, {}))


def up(settings: Settings, tenant_id: str, label: str = "") -> SupersetSite:
    """Install if absent, configure, start, and publish the company's dashboards; idempotent."""
    install()
    configure()
    base_url = start()
    api = SupersetApi(base_url, ADMIN_PASSWORD_FILE.read_text().strip())
    return publish(api, base_url, settings, tenant_id, label or tenant_id)


def _up(args: Any) -> None:
    from wellwon.config import settings

    site = up(settings(), args.tenant, args.name)
    for dashboard_id, superset_id in site.dashboards.items():
        print(f"{dashboard_id}: {site.url}/superset/dashboard/{superset_id}/")
    print(f"log in as {ADMIN!r}; the password is in {ADMIN_PASSWORD_FILE}")


def _down(args: Any) -> None:
    stop()


def add_superset_commands(sub: Any) -> None:
    superset_command = sub.add_parser("superset", help="Apache Superset with the dashboards (optional, loopback)")
    actions = superset_command.add_subparsers(dest="action", required=True)
    up_command = actions.add_parser("up", help="install if absent, start, create or update a company's dashboards")
    up_command.add_argument("--tenant", required=True, help="the company id whose rows the datasets read")
    up_command.add_argument("--name", default="", help="how the dashboards' titles name the company")
    up_command.set_defaults(func=_up)
    actions.add_parser("down", help="stop Superset").set_defaults(func=_down)
