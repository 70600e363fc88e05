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


async def ensure_database(settings: Settings) -> None:
    params = conninfo_to_dict(owner_dsn(settings))
    name = str(params["dbname"])
    params["dbname"] = "postgres"
    async with await AsyncConnection.connect(make_conninfo(**params), autocommit=True) as conn:  # type: ignore[arg-type]
        found = await (await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))).fetchone()
        if not found:
            await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
