"""Queries of payments and bank statements: lists, details, what the matcher needs, lines left for an operator."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso

LIST_COLUMNS = """id, direction, status, amount::text AS amount, currency, counterparty_name, purpose, end_to_end_id,
    invoice_id, purchase_order_id, bank_reference, created_at, updated_at, version"""


async def payments(
    conn: AsyncConnection[Any], status: str | None, direction: str | None, limit: int, offset: int
) -> list[Row]:
    rows = await fetch_all(
        conn,
        f"""SELECT {LIST_COLUMNS} FROM payments
            WHERE (%(status)s::text IS NULL OR status = %(status)s)
              AND (%(direction)s::text IS NULL OR direction = %(direction)s)
            ORDER BY created_at DESC, id LIMIT %(limit)s OFFSET %(offset)s""",
        {"status": status, "direction": direction, "limit": limit, "offset": offset},
    )
    return [with_iso(row, "created_at", "updated_at") for row in rows]


async def payment(conn: AsyncConnection[Any], payment_id: str) -> Row | None:
    row = await fetch_one(conn, f"SELECT {LIST_COLUMNS}, state FROM payments WHERE id = %s", (payment_id,))
    if row is None:
        return None
    history = await fetch_all(
        conn,
        """SELECT version, event_type, actor_id, occurred_at FROM payment_history
           WHERE payment_id = %s ORDER BY version""",
        (payment_id,),
    )
    state = row.pop("state")
    return {
        **with_iso(row, "created_at", "updated_at"),
        "payer": state["payer"],
        "beneficiary": state["beneficiary"],
        "execution_date": state["execution_date"],
        "vat_note": state["vat_note"],
        "reason": state["reason"],
        "reservation_id": state["reservation_id"],
        "statement_line_ref": state["statement_line_ref"],
        "settled_on": state["settled_on"],
        "history": [with_iso(event, "occurred_at") for event in history],
    }


async def payment_states(conn: AsyncConnection[Any], payment_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The folded state (JSON) of each of these payments the tenant has."""
    rows = await fetch_all(conn, "SELECT id, state FROM payments WHERE id = ANY(%s)", (payment_ids,))
    return {row["id"]: row["state"] for row in rows}


async def outgoing_payments(conn: AsyncConnection[Any], currency: str, statuses: list[str]) -> list[dict[str, Any]]:
    """Outgoing payments in one currency and these states (sent: a statement may settle them; settled too: the
    bank may send them back)."""
    rows = await fetch_all(
        conn,
        """SELECT id, state FROM payments
           WHERE direction = 'outgoing' AND currency = %s AND status = ANY(%s) ORDER BY created_at""",
        (currency, statuses),
    )
    return [{"id": row["id"], **row["state"]} for row in rows]


async def statements(conn: AsyncConnection[Any], limit: int) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT id, statement_id, account, currency, period_from, period_to, source_format, line_count,
                  unmatched_count, created_at FROM bank_statements ORDER BY period_to DESC, created_at DESC LIMIT %s""",
        (limit,),
    )
    return [with_iso(row, "period_from", "period_to", "created_at") for row in rows]


LINE_COLUMNS = """l.statement_id, s.statement_id AS bank_statement_id, l.line_ref, l.booked_on, l.direction,
    l.amount::text AS amount, l.currency, l.counterparty_name, l.counterparty_account, l.reference, l.purpose,
    l.payment_id, l.invoice_id, l.matched_manually"""


async def statement_lines(conn: AsyncConnection[Any], statement_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        f"""SELECT {LINE_COLUMNS} FROM bank_statement_lines l JOIN bank_statements s ON s.id = l.statement_id
            WHERE l.statement_id = %s ORDER BY l.booked_on, l.line_ref""",
        (statement_id,),
    )
    return [with_iso(row, "booked_on") for row in rows]


async def unmatched_lines(conn: AsyncConnection[Any], limit: int) -> list[Row]:
    """Statement lines nobody matched yet, oldest first: the operator's work list."""
    rows = await fetch_all(
        conn,
        f"""SELECT {LINE_COLUMNS} FROM bank_statement_lines l JOIN bank_statements s ON s.id = l.statement_id
            WHERE l.payment_id IS NULL AND l.invoice_id IS NULL ORDER BY l.booked_on, l.line_ref LIMIT %s""",
        (limit,),
    )
    return [with_iso(row, "booked_on") for row in rows]


async def statement_line(conn: AsyncConnection[Any], statement_id: str, line_ref: str) -> Row | None:
    row = await fetch_one(
        conn,
        f"""SELECT {LINE_COLUMNS} FROM bank_statement_lines l JOIN bank_statements s ON s.id = l.statement_id
            WHERE l.statement_id = %s AND l.line_ref = %s""",
        (statement_id, line_ref),
    )
    return None if row is None else with_iso(row, "booked_on")


async def statement(conn: AsyncConnection[Any], statement_id: str) -> Row | None:
    row = await fetch_one(
        conn,
        """SELECT id, statement_id, account, currency, period_from, period_to, source_format, line_count,
                  unmatched_count, created_at, version FROM bank_statements WHERE id = %s""",
        (statement_id,),
    )
    if row is None:
        return None
    return {
        **with_iso(row, "period_from", "period_to", "created_at"),
        "lines": await statement_lines(conn, statement_id),
    }
