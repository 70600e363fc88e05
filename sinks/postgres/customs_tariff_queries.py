"""Queries of the tenant's customs tariff tables (`customs_tariff_tables`) and their load history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso


async def table_states(conn: AsyncConnection[Any], kinds: Iterable[str]) -> list[dict[str, Any]]:
    """The folded state (JSON) of each of the tenant's tables of these kinds that exists."""
    rows = await fetch_all(conn, "SELECT state FROM customs_tariff_tables WHERE kind = ANY(%s)", ([*kinds],))
    return [row["state"] for row in rows]


async def tables_overview(conn: AsyncConnection[Any]) -> tuple[list[Row], list[Row]]:
    """Each table's size and version, and the latest 100 loads."""
    tables = await fetch_all(
        conn, "SELECT kind, row_count AS rows, updated_at, version FROM customs_tariff_tables ORDER BY kind"
    )
    loads = await fetch_all(
        conn,
        """SELECT kind, mode, row_count AS rows, source, actor_id, loaded_at FROM customs_tariff_loads
           ORDER BY loaded_at DESC LIMIT 100""",
    )
    return [with_iso(t, "updated_at") for t in tables], [with_iso(load, "loaded_at") for load in loads]


async def exchange_rate_on(conn: AsyncConnection[Any], currency: str, on_date: date) -> Row | None:
    """The tenant's official rate of `currency` in force on `on_date` (the latest set on or before it), or None.

    The one rate table: the exchange rates loaded through the tariff API serve customs and finance alike.
    """
    return await fetch_one(
        conn,
        """SELECT rate.value->>'currency' AS currency, (rate.value->>'rate_date')::date AS rate_date,
                  (rate.value->>'rate')::numeric AS rate, (rate.value->>'units')::int AS units
           FROM customs_tariff_tables AS tables,
                jsonb_array_elements(tables.state->'rows'->'exchange_rates') AS rate(value)
           WHERE tables.kind = 'exchange_rates' AND rate.value->>'currency' = %s
             AND (rate.value->>'rate_date')::date <= %s
           ORDER BY (rate.value->>'rate_date')::date DESC LIMIT 1""",
        (currency, on_date),
    )
