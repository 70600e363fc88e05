"""Queries of the shipment read model: one shipment, a filtered page of them, and a shipment's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection, sql

from sinks.postgres.queries import Row, fetch_all, fetch_one

COLUMNS = sql.SQL("""id, reference, mode, status, incoterm, carrier, booking_reference, package_count, gross_weight_kg,
                     net_weight_kg, volume_m3, created_at, updated_at, version, state""")
# What the full view takes from the folded state besides the columns.
STATE_FIELDS = ("incoterm_place", "shipper", "consignee", "notify", "route", "carrier", "equipment", "cargo",
                "milestones", "exceptions", "cancellation_reason")  # fmt: skip


@dataclass(frozen=True)
class ShipmentFilter:
    statuses: tuple[str, ...] = ()
    mode: str | None = None
    reference_prefix: str | None = None  # as partners quote it: upper case
    created_from: date | None = None  # days in UTC, both included
    created_to: date | None = None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def shipment_view(row: Row, full: bool = True) -> Row:
    """The shipment as the API shows it: totals grouped, numbers as text; `full` adds parties, route, cargo..."""
    view: Row = {
        "id": row["id"],
        "reference": row["reference"],
        "mode": row["mode"],
        "status": row["status"],
        "incoterm": row["incoterm"],
        "carrier": row["carrier"],
        "booking_reference": row["booking_reference"],
        "totals": {
            "package_count": row["package_count"],
            "gross_weight_kg": _number(row["gross_weight_kg"]),
            "net_weight_kg": _number(row["net_weight_kg"]),
            "volume_m3": _number(row["volume_m3"]),
        },
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }
    if full:
        view |= {name: row["state"][name] for name in STATE_FIELDS}
    return view


async def shipment(conn: AsyncConnection[Any], shipment_id: str) -> Row | None:
    row = await fetch_one(conn, sql.SQL("SELECT {} FROM shipments WHERE id = %s").format(COLUMNS), (shipment_id,))
    return None if row is None else shipment_view(row)


async def shipments(
    conn: AsyncConnection[Any], matching: ShipmentFilter, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of shipments, newest first, and how many match in all."""
    conditions = [sql.SQL("true")]  # row-level security adds the tenant
    params: list[Any] = []
    if matching.statuses:
        conditions.append(sql.SQL("status = ANY(%s)"))
        params.append(list(matching.statuses))
    if matching.mode:
        conditions.append(sql.SQL("mode = %s"))
        params.append(matching.mode)
    if matching.reference_prefix:
        conditions.append(sql.SQL("reference LIKE %s"))
        escaped = matching.reference_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(escaped + "%")
    if matching.created_from:
        conditions.append(sql.SQL("created_at >= (%s::date)::timestamp AT TIME ZONE 'UTC'"))
        params.append(matching.created_from)
    if matching.created_to:
        conditions.append(sql.SQL("created_at < (%s::date + 1)::timestamp AT TIME ZONE 'UTC'"))
        params.append(matching.created_to)
    where = sql.SQL(" AND ").join(conditions)
    total = await fetch_one(conn, sql.SQL("SELECT count(*) AS total FROM shipments WHERE {}").format(where), params)
    rows = await fetch_all(
        conn,
        sql.SQL("SELECT {} FROM shipments WHERE {} ORDER BY created_at DESC, id LIMIT %s OFFSET %s").format(
            COLUMNS, where
        ),
        [*params, limit, offset],
    )
    return [shipment_view(row, full=False) for row in rows], (total["total"] if total else 0)


async def shipment_status(conn: AsyncConnection[Any], shipment_id: str) -> str | None:
    row = await fetch_one(conn, "SELECT status FROM shipments WHERE id = %s", (shipment_id,))
    return None if row is None else str(row["status"])


async def shipment_history(conn: AsyncConnection[Any], shipment_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The shipment's events in order: (event type, payload as stored)."""
    rows = await fetch_all(
        conn, "SELECT event_type, payload FROM shipment_history WHERE shipment_id = %s ORDER BY version", (shipment_id,)
    )
    return [(row["event_type"], row["payload"]) for row in rows]


async def shipments_projected(conn: AsyncConnection[Any]) -> bool:
    """Whether this deployment keeps a shipment read model at all (customs can run without logistics)."""
    row = await fetch_one(conn, "SELECT to_regclass('shipments') IS NOT NULL AS present")
    return bool(row and row["present"])


async def shipment_state(conn: AsyncConnection[Any], shipment_id: str) -> dict[str, Any] | None:
    """The shipment's folded state (JSON), for another domain to take data from."""
    row = await fetch_one(conn, "SELECT state FROM shipments WHERE id = %s", (shipment_id,))
    return None if row is None else row["state"]
