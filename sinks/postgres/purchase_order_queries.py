"""Queries of the purchase order read model: one order, a filtered page of them, and an order's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from sinks.postgres.queries import Row, fetch_all, fetch_one, iso

COLUMNS = sql.SQL("""id, reference, status, supplier_name, supplier_country, currency, total, prepayment, incoterm,
                     expected_delivery, owner_id, created_at, updated_at, version, state""")


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[str, ...] = ()
    supplier: str | None = None  # part of the supplier's name, any case
    currency: str | None = None


def order_view(row: Row, full: bool = True) -> Row:
    """The order as the API shows it: amounts as text (exact), dates in ISO 8601; `full` adds terms and receipts."""
    view: Row = {
        "id": row["id"],
        "reference": row["reference"],
        "status": row["status"],
        "supplier": {"name": row["supplier_name"], "country": row["supplier_country"]},
        "currency": row["currency"],
        "total": str(row["total"]),
        "prepayment": str(row["prepayment"]),
        "incoterm": row["incoterm"],
        "expected_delivery": iso(row["expected_delivery"]),
        "owner_id": row["owner_id"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }
    if full:
        state = row["state"]
        view |= {
            "terms": state["terms"],
            "received": [{"line_no": line_no, "quantity": quantity} for line_no, quantity in state["received"]],
            "prepayment_id": state["prepayment_id"],
            "prepayment_settled": state["prepayment_settled"],
            "shipment_ids": state["shipment_ids"],
            "declaration_ids": state["declaration_ids"],
            "supplier_reference": state["supplier_reference"],
            "reason": state["reason"],
        }
    return view


async def purchase_order(conn: AsyncConnection[Any], order_id: str) -> Row | None:
    row = await fetch_one(conn, sql.SQL("SELECT {} FROM purchase_orders WHERE id = %s").format(COLUMNS), (order_id,))
    return None if row is None else order_view(row)


async def purchase_order_state(conn: AsyncConnection[Any], order_id: str) -> dict[str, Any] | None:
    """The order's folded state (JSON), for the invoice match and the customs prefill."""
    row = await fetch_one(conn, "SELECT state FROM purchase_orders WHERE id = %s", (order_id,))
    return None if row is None else row["state"]


async def purchase_orders(
    conn: AsyncConnection[Any], matching: OrderFilter, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of orders, newest first, and how many match in all."""
    conditions = [sql.SQL("true")]  # row-level security adds the tenant
    params: list[Any] = []
    if matching.statuses:
        conditions.append(sql.SQL("status = ANY(%s)"))
        params.append(list(matching.statuses))
    if matching.supplier:
        conditions.append(sql.SQL("supplier_name ILIKE %s"))
        escaped = matching.supplier.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if matching.currency:
        conditions.append(sql.SQL("currency = %s"))
        params.append(matching.currency)
    where = sql.SQL(" AND ").join(conditions)
    counted = sql.SQL("SELECT count(*) AS total FROM purchase_orders WHERE {}").format(where)
    total = await fetch_one(conn, counted, params)
    rows = await fetch_all(
        conn,
        sql.SQL("SELECT {} FROM purchase_orders WHERE {} ORDER BY created_at DESC, id LIMIT %s OFFSET %s").format(
            COLUMNS, where
        ),
        [*params, limit, offset],
    )
    return [order_view(row, full=False) for row in rows], (total["total"] if total else 0)


async def purchase_order_history(conn: AsyncConnection[Any], order_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, event_type, actor_id, occurred_at, payload FROM purchase_order_history
           WHERE purchase_order_id = %s ORDER BY version""",
        (order_id,),
    )
    return [{**row, "occurred_at": row["occurred_at"].isoformat()} for row in rows]
