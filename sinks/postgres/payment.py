"""Projection of payment and bank-statement events: payments with their state, statements and their lines.

Both keep the aggregate's whole state (`StateProjection`, folded with the domain's own `evolve`) with
columns lifted for lists and filters. A statement's lines get a row each with what they matched, so
the lines left for an operator are one query across the tenant's statements.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.state import History, StateProjection
from streams.payment.decider import Payment
from streams.payment.domain import PAYMENT
from streams.payment.statement.decider import Statement
from streams.payment.statement.domain import BANK_STATEMENT
from streams.payment.statement.events import StatementImported, StatementLineMatched
from wellwon.envelope import Envelope

PAYMENTS_DDL = (
    """CREATE TABLE IF NOT EXISTS payments (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        direction text NOT NULL,
        status text NOT NULL,
        amount numeric NOT NULL,
        currency text NOT NULL,
        counterparty_name text NOT NULL,
        purpose text NOT NULL,
        end_to_end_id text NOT NULL,
        invoice_id text,
        purchase_order_id text,
        bank_reference text,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS payments_tenant ON payments (tenant_id, updated_at DESC)",
    "CREATE INDEX IF NOT EXISTS payments_open ON payments (tenant_id, status, currency)",
)


def payment_columns(state: Payment, envelope: Envelope, event: Any) -> dict[str, Any]:
    counterparty = state.payer if state.direction == "incoming" else state.beneficiary
    return {
        "direction": str(state.direction),
        "status": str(state.status),
        "amount": state.amount,
        "currency": state.currency,
        "counterparty_name": counterparty.name if counterparty else "",
        "purpose": state.purpose,
        "end_to_end_id": state.end_to_end_id,
        "invoice_id": state.invoice_id,
        "purchase_order_id": state.purchase_order_id,
        "bank_reference": state.bank_reference,
        "created_at": envelope.occurred_at,  # set once (see KEPT_ON_UPDATE)
    }


PAYMENTS = StateProjection(
    domain=PAYMENT,
    table="payments",
    table_ddl=PAYMENTS_DDL,
    columns=payment_columns,
    history=History("payment_history", "payment_id"),
)
PAYMENT_PROJECTION = PAYMENTS.projection()


STATEMENTS_DDL = (
    """CREATE TABLE IF NOT EXISTS bank_statements (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        statement_id text NOT NULL,
        account text NOT NULL,
        currency text NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        source_format text NOT NULL,
        line_count int NOT NULL,
        unmatched_count int NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS bank_statements_tenant ON bank_statements (tenant_id, period_to DESC)",
)
LINES_DDL = (
    """CREATE TABLE IF NOT EXISTS bank_statement_lines (
        statement_id text NOT NULL,
        line_ref text NOT NULL,
        tenant_id text NOT NULL,
        booked_on date NOT NULL,
        direction text NOT NULL,
        amount numeric NOT NULL,
        currency text NOT NULL,
        counterparty_name text NOT NULL,
        counterparty_account text NOT NULL,
        reference text NOT NULL,
        purpose text NOT NULL,
        payment_id text,
        invoice_id text,
        matched_manually boolean,
        PRIMARY KEY (statement_id, line_ref)
    )""",
    """CREATE INDEX IF NOT EXISTS bank_statement_lines_unmatched ON bank_statement_lines (tenant_id, booked_on)
       WHERE payment_id IS NULL AND invoice_id IS NULL""",
)


async def statement_lines(cur: AsyncCursor[Any], envelope: Envelope, state: Statement, event: Any) -> None:
    statement_id, tenant_id = envelope.aggregate_id, state.tenant_id
    match event:
        case StatementImported(lines=lines):
            await cur.executemany(
                """INSERT INTO bank_statement_lines (statement_id, line_ref, tenant_id, booked_on, direction, amount,
                       currency, counterparty_name, counterparty_account, reference, purpose)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
                [(statement_id, line.line_ref, tenant_id, line.booked_on, str(line.direction), line.amount,
                  line.currency, line.counterparty_name, line.counterparty_account, line.reference, line.purpose)
                 for line in lines],
            )  # fmt: skip
        case StatementLineMatched():
            await cur.execute(
                """UPDATE bank_statement_lines SET payment_id = %s, invoice_id = %s, matched_manually = %s
                   WHERE statement_id = %s AND line_ref = %s""",
                (event.payment_id, event.invoice_id, event.manual, statement_id, event.line_ref),
            )


def statement_columns(state: Statement, envelope: Envelope, event: Any) -> dict[str, Any]:
    return {
        "statement_id": state.statement_id,
        "account": state.account,
        "currency": state.currency,
        "period_from": state.period_from,
        "period_to": state.period_to,
        "source_format": state.source_format,
        "line_count": len(state.lines),
        "unmatched_count": len(state.unmatched()),
        "created_at": envelope.occurred_at,
    }


STATEMENTS = StateProjection(
    domain=BANK_STATEMENT,
    table="bank_statements",
    table_ddl=STATEMENTS_DDL,
    columns=statement_columns,
    history=History("bank_statement_history", "statement_id"),
    also=statement_lines,
    also_ddl=LINES_DDL,
    also_tables=("bank_statement_lines",),
)
BANK_STATEMENT_PROJECTION = STATEMENTS.projection()
