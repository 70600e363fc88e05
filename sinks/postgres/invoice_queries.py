"""Queries of the invoice read model: one invoice, a filtered page, its history, and the numbers handed out.

Overdue is computed here at read time (past the due date, still owing, not a credit note), never stored:
it changes with the calendar, not with an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import AsyncConnection, sql

from sinks.postgres.queries import Row, fetch_all, fetch_one, iso

OWING = ("issued", "received", "mismatched", "matched", "scheduled", "partly_paid")
OVERDUE = sql.SQL("(status = ANY(%s) AND kind <> 'credit_note' AND due_on < %s)")
COLUMNS = sql.SQL("""id, kind, status, number, supplier_invoice_number, counterparty, purchase_order_id,
                     credited_invoice_id, currency, total, outstanding, issued_on, due_on, pay_on, created_at,
                     updated_at, version, state""")


@dataclass(frozen=True)
class InvoiceFilter:
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    overdue: bool | None = None
    purchase_order_id: str | None = None
    counterparty: str | None = None  # part of the name, any case


def invoice_view(row: Row, today: date, full: bool = True) -> Row:
    """The invoice as the API shows it: amounts as text (exact), overdue as of `today`; `full` adds lines and VAT."""
    owing = row["status"] in OWING and row["kind"] != "credit_note"
    view: Row = {
        "id": row["id"],
        "kind": row["kind"],
        "status": row["status"],
        "overdue": owing and row["due_on"] < today,
        "number": row["number"],
        "supplier_invoice_number": row["supplier_invoice_number"],
        "counterparty": row["counterparty"],
        "purchase_order_id": row["purchase_order_id"],
        "credited_invoice_id": row["credited_invoice_id"],
        "currency": row["currency"],
        "total": str(row["total"]),
        "outstanding": str(row["outstanding"]),
        "issued_on": iso(row["issued_on"]),
        "due_on": iso(row["due_on"]),
        "pay_on": iso(row["pay_on"]),
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }
    if full:
        state = row["state"]
        view |= {
            "content": state["content"],
            "totals": state["totals"],
            "paid": state["paid"],
            "credited": state["credited"],
            "payment_ids": state["payment_ids"],
            "credit_note_ids": state["credit_note_ids"],
            "reason": state["reason"],
        }
    return view


async def invoice(conn: AsyncConnection[Any], invoice_id: str, today: date) -> Row | None:
    row = await fetch_one(conn, sql.SQL("SELECT {} FROM invoices WHERE id = %s").format(COLUMNS), (invoice_id,))
    return None if row is None else invoice_view(row, today)


async def invoices(
    conn: AsyncConnection[Any], matching: InvoiceFilter, today: date, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of invoices, newest first, and how many match in all."""
    conditions: list[sql.Composable] = [sql.SQL("true")]  # row-level security adds the tenant
    params: list[Any] = []
    if matching.kinds:
        conditions.append(sql.SQL("kind = ANY(%s)"))
        params.append(list(matching.kinds))
    if matching.statuses:
        conditions.append(sql.SQL("status = ANY(%s)"))
        params.append(list(matching.statuses))
    if matching.overdue is not None:
        conditions.append(OVERDUE if matching.overdue else sql.SQL("NOT {}").format(OVERDUE))
        params += [list(OWING), today]
    if matching.purchase_order_id:
        conditions.append(sql.SQL("purchase_order_id = %s"))
        params.append(matching.purchase_order_id)
    if matching.counterparty:
        conditions.append(sql.SQL("counterparty ILIKE %s"))
        escaped = matching.counterparty.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    where = sql.SQL(" AND ").join(conditions)
    total = await fetch_one(conn, sql.SQL("SELECT count(*) AS total FROM invoices WHERE {}").format(where), params)
    rows = await fetch_all(
        conn,
        sql.SQL("SELECT {} FROM invoices WHERE {} ORDER BY created_at DESC, id LIMIT %s OFFSET %s").format(
            COLUMNS, where
        ),
        [*params, limit, offset],
    )
    return [invoice_view(row, today, full=False) for row in rows], (total["total"] if total else 0)


async def invoice_history(conn: AsyncConnection[Any], invoice_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, event_type, actor_id, occurred_at, payload FROM invoice_history
           WHERE invoice_id = %s ORDER BY version""",
        (invoice_id,),
    )
    return [{**row, "occurred_at": row["occurred_at"].isoformat()} for row in rows]


async def assigned_number(conn: AsyncConnection[Any], invoice_id: str) -> Row | None:
    """The number the numbering handed this invoice, if it did (a retried issue finds it here)."""
    return await fetch_one(
        conn, "SELECT number, year, sequence FROM invoice_numbers WHERE invoice_id = %s", (invoice_id,)
    )


async def numbers(conn: AsyncConnection[Any], year: int) -> list[Row]:
    """Every number handed out in `year`, in sequence (a gap would show as a missing sequence)."""
    return await fetch_all(
        conn,
        "SELECT sequence, number, invoice_id FROM invoice_numbers WHERE year = %s ORDER BY sequence",
        (year,),
    )


async def invoice_state(conn: AsyncConnection[Any], invoice_id: str) -> dict[str, Any] | None:
    """The invoice's folded state (JSON), for the routes that decide what to send next."""
    row = await fetch_one(conn, "SELECT state FROM invoices WHERE id = %s", (invoice_id,))
    return None if row is None else row["state"]
