"""Queries of the warehouse read model: warehouses with their locations, stock on hand, movements."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso


async def warehouse(conn: AsyncConnection[Any], warehouse_id: str) -> Row | None:
    row = await fetch_one(
        conn,
        "SELECT id, code, name, country, locode, created_at, version FROM warehouses WHERE id = %s",
        (warehouse_id,),
    )
    if row is None:
        return None
    locations = await fetch_all(
        conn, "SELECT code, kind FROM warehouse_locations WHERE warehouse_id = %s ORDER BY code", (warehouse_id,)
    )
    return {**with_iso(row, "created_at"), "locations": locations}


async def warehouses(conn: AsyncConnection[Any]) -> list[Row]:
    return await fetch_all(conn, "SELECT id, code, name, country, locode FROM warehouses ORDER BY code")


async def stock(conn: AsyncConnection[Any], warehouse_id: str, sku: str | None, location: str | None) -> list[Row]:
    """Stock on hand per location and SKU, optionally of one SKU or one location (quantities as text)."""
    rows = await fetch_all(
        conn,
        """SELECT location, sku, quantity FROM warehouse_stock
           WHERE warehouse_id = %(warehouse)s AND (%(sku)s::text IS NULL OR sku = %(sku)s)
             AND (%(location)s::text IS NULL OR location = %(location)s)
           ORDER BY location, sku""",
        {"warehouse": warehouse_id, "sku": sku, "location": location},
    )
    return [{**row, "quantity": str(row["quantity"])} for row in rows]


async def movements(conn: AsyncConnection[Any], warehouse_id: str, limit: int) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, kind, sku, quantity, from_location, to_location, shipment_reference, occurred_at
           FROM warehouse_movements WHERE warehouse_id = %s ORDER BY version DESC LIMIT %s""",
        (warehouse_id, limit),
    )
    return [{**with_iso(row, "occurred_at"), "quantity": str(row["quantity"])} for row in rows]
