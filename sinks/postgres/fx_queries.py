"""Queries of FX quotes and deals."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso

COLUMNS = """id, status, sell_currency, buy_currency, sell_amount::text AS sell_amount, buy_amount::text AS buy_amount,
    rate::text AS rate, rate_date, expires_at, state->>'source' AS source, state->>'quoted_at' AS quoted_at,
    state->>'agreed_at' AS agreed_at, state->>'settlement_ref' AS settlement_ref, created_at, version"""


async def deal(conn: AsyncConnection[Any], deal_id: str) -> Row | None:
    row = await fetch_one(conn, f"SELECT {COLUMNS} FROM fx_deals WHERE id = %s", (deal_id,))
    return None if row is None else with_iso(row, "rate_date", "expires_at", "created_at")


async def deals(conn: AsyncConnection[Any], limit: int) -> list[Row]:
    rows = await fetch_all(conn, f"SELECT {COLUMNS} FROM fx_deals ORDER BY created_at DESC LIMIT %s", (limit,))
    return [with_iso(row, "rate_date", "expires_at", "created_at") for row in rows]
