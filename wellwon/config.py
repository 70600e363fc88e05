"""Settings from URL-style environment variables, defaulting to the local stack.

The local stack (`wellwon stack up`) writes the ports it chose to `.local/stack.env`; those are
the defaults here, and any environment variable overrides them, so the same code runs against
the local stack, compose, or managed clusters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("WELLWON_LOCAL_DIR", PROJECT_ROOT / ".local"))
STACK_ENV_FILE = LOCAL_DIR / "stack.env"

DEFAULTS = {
    "KAFKA_BOOTSTRAP": "127.0.0.1:19092",
    "POSTGRES_DSN": "postgresql://wellwon@127.0.0.1:15432/wellwon",
    "REDIS_URL": "redis://127.0.0.1:16379/0",
    "CLICKHOUSE_URL": "http://default:@127.0.0.1:18123/wellwon",
    "API_HOST": "127.0.0.1",
    "API_PORT": "5002",
    "JWT_SECRET": "wellwon-local-development-secret-change-me",
    "WELLWON_NAMESPACE": "",
    "KAFKA_PARTITIONS": "6",
    "COMMAND_TIMEOUT_SECONDS": "5",
}


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, _, value = line.partition("=")
                values[name.strip()] = value.strip()
    return values


def api_role_dsn(dsn: str) -> str:
    """The owner's DSN with the API's own role (`wellwon_api`), which cannot bypass row-level security."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(dsn)
    params["user"] = "wellwon_api"
    params.pop("password", None)
    return make_conninfo(**params)  # type: ignore[arg-type]


def setting(name: str) -> str:
    if name in os.environ:
        return os.environ[name]
    return read_env_file(STACK_ENV_FILE).get(name, DEFAULTS.get(name, ""))


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str = field(default_factory=lambda: setting("KAFKA_BOOTSTRAP"))
    postgres_dsn: str = field(default_factory=lambda: setting("POSTGRES_DSN"))
    # The API connects with a role that cannot bypass row-level security; defaults to the same DSN.
    api_postgres_dsn: str = field(
        default_factory=lambda: setting("API_POSTGRES_DSN") or api_role_dsn(setting("POSTGRES_DSN"))
    )
    redis_url: str = field(default_factory=lambda: setting("REDIS_URL"))
    clickhouse_url: str = field(default_factory=lambda: setting("CLICKHOUSE_URL"))
    api_host: str = field(default_factory=lambda: setting("API_HOST"))
    api_port: int = field(default_factory=lambda: int(setting("API_PORT")))
    jwt_secret: str = field(default_factory=lambda: setting("JWT_SECRET"))
    # A namespace prefixes every topic, consumer group, database and channel, so several
    # environments (a developer's run, a test session) can share one set of clusters.
    namespace: str = field(default_factory=lambda: setting("WELLWON_NAMESPACE"))
    partitions: int = field(default_factory=lambda: int(setting("KAFKA_PARTITIONS")))
    command_timeout_seconds: float = field(default_factory=lambda: float(setting("COMMAND_TIMEOUT_SECONDS")))

    def name(self, base: str) -> str:
        """A topic, group or channel name inside this settings' namespace."""
        return f"{self.namespace}.{base}" if self.namespace else base

    @property
    def database_suffix(self) -> str:
        return "_" + "".join(c if c.isalnum() else "_" for c in self.namespace) if self.namespace else ""


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()
