"""The overdue check: an invoice past its due date and unpaid notifies the company's accountants, once per due date.

Nothing happens on the stream when a date passes, so the worker looks (on start and then every
`NOTIFY_OVERDUE_CHECK_SECONDS`, an hour by default) at the invoices' read model with the invoice domain's own
meaning of overdue (`streams.invoice.decider.is_overdue`: owing statuses, not a credit note, due before today)
and raises `invoice.Overdue` through the rules. Its id derives from the invoice and due date, so the check
may run any number of times (and after a crash) and still notify once; a new due date notifies again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection

from notifications.rules import RULES, Rule, rules_for
from notifications.sink import Happening, notify

OVERDUE_NAMESPACE = uuid.UUID("6c0f3f51-3f0e-4d7b-9a57-1b8f7f0b1d61")
OWING = ("issued", "matched", "mismatched", "received", "scheduled", "partly_paid")  # as in is_overdue


def overdue_event_id(invoice_id: str, due_on: str) -> str:
    return str(uuid.uuid5(OVERDUE_NAMESPACE, f"{invoice_id}|{due_on}"))


async def check_overdue(conn: AsyncConnection[Any], rules: tuple[Rule, ...] = RULES) -> int:
    """Notify of every overdue invoice not yet notified for its due date; how many invoices were overdue.

    The finding is recorded in the same transaction as its notifications, so a crash repeats or loses neither.
    """
    async with conn.transaction(), conn.cursor() as cur:
        await cur.execute(
            """SELECT id, tenant_id, coalesce(number, supplier_invoice_number, ''), due_on, outstanding, currency
               FROM invoices WHERE status = ANY(%s) AND kind <> 'credit_note' AND due_on < current_date""",
            (list(OWING),),
        )
        overdue = await cur.fetchall()
        for invoice_id, tenant_id, number, due_on, outstanding, currency in overdue:
            facts = {"number": number, "due_on": due_on.isoformat(), "outstanding": str(outstanding),
                     "currency": currency}  # fmt: skip
            event_id = overdue_event_id(invoice_id, due_on.isoformat())
            await cur.execute(
                "INSERT INTO notification_findings VALUES (%s, now()) ON CONFLICT DO NOTHING RETURNING event_id",
                (event_id,),
            )
            if await cur.fetchone() is None:
                continue  # notified by an earlier check (committed with its notifications)
            for rule in rules_for("invoice.Overdue", facts, rules):
                happening = Happening(event_id, tenant_id, "invoice", invoice_id, datetime.now(UTC), rule, facts)
                await notify(cur, happening)
    return len(overdue)
