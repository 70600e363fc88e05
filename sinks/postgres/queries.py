"""Reading the read models by name: the shared helpers of the per-domain query modules (`<domain>_queries.py`).

Each domain's queries sit beside its tables, take a connection (the API's `tenant_db`, where row-level
security already limits rows to the caller's tenant) and return named rows ready for JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any, LiteralString

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

Row = dict[str, Any]
Query = LiteralString | sql.SQL | sql.Composed


async def fetch_one(conn: AsyncConnection[Any], query: Query, params: Any = None) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()


async def fetch_all(conn: AsyncConnection[Any], query: Query, params: Any = None) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


def iso(value: date | None) -> str | None:
    """A date or timestamp as ISO 8601 text (as Python writes it), None kept."""
    return None if value is None else value.isoformat()


def with_iso(row: Row, *names: str) -> Row:
    """The row with the named date/time columns as ISO 8601 text."""
    return {**row, **{name: iso(row[name]) for name in names}}
