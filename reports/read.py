"""A tenant's report data from the read models, read as the API reads: its role, the tenant set, row-level security.

So a report can hold nothing of another tenant's even if a query forgot to filter (the database filters).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from reports.content import ReadModelRows
from reports.periods import Period
from sinks.postgres import customs_queries, document_queries
from sinks.postgres.database import api_dsn
from sinks.postgres.invoice_queries import OWING
from sinks.postgres.tenancy import TENANT_SETTING
from streams.customs.declaration import CLOSED_STATUSES
from wellwon.config import Settings

DOCUMENTS_EXPIRING_WITHIN_DAYS = 30  # as the Compliance page shows them, counted from the period's last day

DECLARATIONS = """
    SELECT id, reference, registration_number, procedure_code, status, declaration_date,
           state->>'payments_due' AS payments_due, state->>'duty_paid' AS duty_paid,
           state->>'duty_problem' AS duty_problem
    FROM customs_declarations WHERE created_at >= %s AND created_at < %s ORDER BY created_at, id"""
# Findings recorded in the period: each is in exactly one period's report, and a period over gets no new ones.
RECONCILIATION_FINDINGS = """
    SELECT f.declaration_id, d.reference, d.registration_number, f.reconciled_on, f.payment_code,
           f.difference_class, f.calculated, f.declared, f.assessed, f.paid, f.difference
    FROM customs_reconciliation_findings f JOIN customs_declarations d ON d.id = f.declaration_id
    WHERE f.recorded_at >= %s AND f.recorded_at < %s
    ORDER BY f.reconciled_on, d.reference, f.declaration_id, f.payment_code, f.finding_id"""
DEAD_LETTERS = """
    SELECT message_id, received_at, partner_id, control_reference, reason FROM edi_messages
    WHERE status = 'dead_lettered' AND received_at >= %s AND received_at < %s ORDER BY received_at, message_id"""
# Overdue as of the day after the period: past due, still owing, not a credit note (as invoice_queries says).
OVERDUE_INVOICES = """
    SELECT id, number, supplier_invoice_number, counterparty, currency, outstanding, due_on FROM invoices
    WHERE status = ANY(%s) AND kind <> 'credit_note' AND due_on <= %s ORDER BY due_on, id"""
COMPANY = "SELECT legal_name FROM companies WHERE id = %s"


async def report_rows(settings: Settings, tenant_id: str, period: Period) -> ReadModelRows:
    connection = await psycopg.AsyncConnection.connect(api_dsn(settings), row_factory=dict_row)
    async with connection as conn, conn.transaction():
        await conn.execute("SELECT set_config(%s, %s, true)", (TENANT_SETTING, tenant_id))
        return await _rows(conn, tenant_id, period)


async def _rows(conn: psycopg.AsyncConnection[Any], tenant_id: str, period: Period) -> ReadModelRows:
    async def all_of(query: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        cursor = await conn.execute(query, params)
        return list(await cursor.fetchall())  # type: ignore[arg-type]

    company = await all_of(COMPANY, (tenant_id,))
    _, findings = await customs_queries.open_compliance(conn, CLOSED_STATUSES)
    documents = await document_queries.expiring_documents(conn, period.last_day, DOCUMENTS_EXPIRING_WITHIN_DAYS)
    return ReadModelRows(
        company=str(company[0]["legal_name"]) if company else tenant_id,
        declarations=await all_of(DECLARATIONS, (period.starts_at, period.ends_at)),
        findings=findings,
        documents_expiring=[d for d in documents if d["document_type"] != "compliance_report"],
        reconciliation=await all_of(RECONCILIATION_FINDINGS, (period.starts_at, period.ends_at)),
        edi_dead_letters=await all_of(DEAD_LETTERS, (period.starts_at, period.ends_at)),
        overdue_invoices=await all_of(OVERDUE_INVOICES, (list(OWING), period.last_day)),
    )
