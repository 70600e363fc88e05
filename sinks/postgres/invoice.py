"""Projection of invoice events (each invoice's state, columns for lists, history) and of the numbers handed out.

`invoice_numbers` keeps every number the tenant's numbering assigned, so the API finds an invoice's
number again (a retried issue) and a gap would show as a missing sequence.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from sinks.postgres.state import History, StateProjection
from streams.invoice.decider import Invoice
from streams.invoice.domain import INVOICE
from streams.invoice.events import InvoiceDrafted, InvoiceNumberAssigned, SupplierInvoiceReceived
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS invoices (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        number text,
        supplier_invoice_number text,
        counterparty text NOT NULL,
        purchase_order_id text,
        credited_invoice_id text,
        currency text NOT NULL,
        total numeric NOT NULL,
        outstanding numeric NOT NULL,
        issued_on date,
        due_on date NOT NULL,
        pay_on date,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS invoices_by_created ON invoices (tenant_id, created_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS invoices_by_due ON invoices (tenant_id, status, due_on)",
    "CREATE INDEX IF NOT EXISTS invoices_by_order ON invoices (tenant_id, purchase_order_id)",
)


def columns(state: Invoice, envelope: Envelope, event: Any) -> dict[str, Any]:
    assert state.content is not None and state.totals is not None  # every event follows the create
    created = event.received_at if isinstance(event, SupplierInvoiceReceived) else None
    if isinstance(event, InvoiceDrafted):
        created = event.drafted_at
    return {
        "kind": str(state.kind),
        "status": str(state.status),
        "number": state.number,
        "supplier_invoice_number": state.supplier_invoice_number or None,
        "counterparty": state.content.counterparty.name,
        "purchase_order_id": state.content.purchase_order_id,
        "credited_invoice_id": state.credited_invoice_id,
        "currency": state.content.currency,
        "total": state.totals.total,
        "outstanding": state.outstanding,
        "issued_on": state.issued_on,
        "due_on": state.content.due_on,
        "pay_on": state.pay_on,
        "created_at": created or envelope.occurred_at,
    }


INVOICES = StateProjection(
    domain=INVOICE,
    table="invoices",
    table_ddl=DDL,
    columns=columns,
    history=History("invoice_history", "invoice_id"),
)
INVOICE_PROJECTION = INVOICES.projection()

NUMBERS_DDL = (
    """CREATE TABLE IF NOT EXISTS invoice_numbers (
        tenant_id text NOT NULL,
        year integer NOT NULL,
        sequence bigint NOT NULL,
        number text NOT NULL,
        invoice_id text NOT NULL,
        assigned_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, year, sequence)
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS invoice_numbers_by_invoice ON invoice_numbers (tenant_id, invoice_id)",
)


async def apply_number(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    if isinstance(event, InvoiceNumberAssigned):
        await cur.execute(
            """INSERT INTO invoice_numbers (tenant_id, year, sequence, number, invoice_id, assigned_at)
               VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            (event.tenant_id, event.year, event.sequence, event.number, event.invoice_id, envelope.occurred_at),
        )


INVOICE_NUMBERING_PROJECTION = Projection(
    domain="invoice_numbering",
    ddl=NUMBERS_DDL,
    tables=("invoice_numbers",),
    apply=apply_number,
    tenant_tables=("invoice_numbers",),
)
