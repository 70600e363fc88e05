"""Connections to the operational Postgres database of this namespace."""

from __future__ import annotations

from psycopg import AsyncConnection, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from wellwon.config import Settings


def namespaced_dsn(dsn: str, settings: Settings) -> str:
    """The DSN with the database name suffixed by the namespace (each namespace its own database)."""
    params = conninfo_to_dict(dsn)
    params["dbname"] = f"{params.get('dbname', 'wellwon')}{settings.database_suffix}"
    return make_conninfo(**params)  # type: ignore[arg-type]


def owner_dsn(settings: Settings) -> str:
    return namespaced_dsn(settings.postgres_dsn, settings)


def api_dsn(settings: Settings) -> str:
    return namespaced_dsn(settings.api_postgres_dsn, settings)


def _maintenance_dsn(settings: Settings) -> tuple[str, str]:
    """The namespace's database name, and a DSN of the server's `postgres` database to create or drop it from."""
    params = conninfo_to_dict(owner_dsn(settings))
    name = str(params["dbname"])
    params["dbname"] = "postgres"
    return name, make_conninfo(**params)  # type: ignore[arg-type]


async def ensure_database(settings: Settings) -> None:
    name, maintenance = _maintenance_dsn(settings)
    async with await AsyncConnection.connect(maintenance, autocommit=True) as conn:
        found = await (await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))).fetchone()
        if not found:
            await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


async def drop_database(settings: Settings) -> None:
    """The namespace's database gone, connections to it closed (a benchmark's or test's throwaway namespace)."""
    name, maintenance = _maintenance_dsn(settings)
    async with await AsyncConnection.connect(maintenance, autocommit=True) as conn:
        await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
