"""Projection of customs-declaration events: declarations, their compliance findings and their history.

The declaration row keeps the aggregate's whole state (`state`, JSON) folded with the domain's own
pure `evolve` (`StateProjection`), so the read model cannot drift from the decider; a few columns
are lifted out of it for lists and filters. Compliance findings get a row each, so a company's
missing and expiring documents are one query across its declarations.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.state import History, StateProjection
from streams.customs.declaration import Declaration
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.events import ComplianceChanged, ReconciliationFindingRecorded
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS customs_declarations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        status text NOT NULL,
        reference text NOT NULL,
        procedure_code text NOT NULL,
        customs_office_code text NOT NULL,
        declaration_date date,
        registration_number text,
        shipment_id text,
        item_count int NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS customs_declarations_tenant ON customs_declarations (tenant_id, updated_at DESC)",
)
FINDINGS_DDL = (
    """CREATE TABLE IF NOT EXISTS customs_compliance_findings (
        tenant_id text NOT NULL,
        declaration_id text NOT NULL,
        position int NOT NULL,
        kind text NOT NULL,
        requirement_id text NOT NULL,
        document_type_code text NOT NULL,
        message text NOT NULL,
        item_ids text[] NOT NULL,
        document_id text,
        expires_on date,
        checked_on date NOT NULL,
        PRIMARY KEY (declaration_id, position)
    )""",
    "CREATE INDEX IF NOT EXISTS customs_compliance_findings_tenant ON customs_compliance_findings (tenant_id)",
)

# The duty reconciliation's findings, a row each: a tenant's refund claims (overpayments) are one query.
RECONCILIATION_DDL = (
    """CREATE TABLE IF NOT EXISTS customs_reconciliation_findings (
        tenant_id text NOT NULL,
        declaration_id text NOT NULL,
        finding_id text NOT NULL,
        reconciled_on date NOT NULL,
        payment_code text NOT NULL,
        difference_class text NOT NULL,
        calculated numeric NOT NULL,
        declared numeric NOT NULL,
        assessed numeric NOT NULL,
        paid numeric NOT NULL,
        difference numeric NOT NULL,
        explanation text NOT NULL,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (declaration_id, finding_id)
    )""",
    """CREATE INDEX IF NOT EXISTS customs_reconciliation_findings_tenant
       ON customs_reconciliation_findings (tenant_id, difference_class, reconciled_on DESC)""",
)


async def _add_reconciliation_finding(
    cur: AsyncCursor[Any], declaration_id: str, tenant_id: str, event: ReconciliationFindingRecorded
) -> None:
    f = event.finding
    await cur.execute(
        """INSERT INTO customs_reconciliation_findings (tenant_id, declaration_id, finding_id, reconciled_on,
               payment_code, difference_class, calculated, declared, assessed, paid, difference, explanation,
               recorded_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (tenant_id, declaration_id, f.finding_id, f.reconciled_on, f.payment_code, str(f.difference_class),
         f.calculated, f.declared, f.assessed, f.paid, f.difference, f.explanation, f.recorded_at),
    )  # fmt: skip


async def _replace_findings(
    cur: AsyncCursor[Any], declaration_id: str, tenant_id: str, event: ComplianceChanged
) -> None:
    report = event.report
    await cur.execute("DELETE FROM customs_compliance_findings WHERE declaration_id = %s", (declaration_id,))
    findings = (*report.missing, *report.expiring)
    await cur.executemany(
        """INSERT INTO customs_compliance_findings (tenant_id, declaration_id, position, kind, requirement_id,
               document_type_code, message, item_ids, document_id, expires_on, checked_on)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        [(tenant_id, declaration_id, position, str(f.kind), f.requirement_id, f.document_type_code, f.message,
          list(f.item_ids), f.document_id, f.expires_on, report.checked_on)
         for position, f in enumerate(findings)],
    )  # fmt: skip


async def findings(cur: AsyncCursor[Any], envelope: Envelope, state: Declaration, event: Any) -> None:
    if isinstance(event, ComplianceChanged):
        await _replace_findings(cur, envelope.aggregate_id, state.tenant_id, event)
    elif isinstance(event, ReconciliationFindingRecorded):
        await _add_reconciliation_finding(cur, envelope.aggregate_id, state.tenant_id, event)


def columns(state: Declaration, envelope: Envelope, event: Any) -> dict[str, Any]:
    header = state.header
    return {
        "status": str(state.status),
        "reference": header.reference,
        "procedure_code": header.procedure_code,
        "customs_office_code": header.customs_office_code,
        "declaration_date": header.declaration_date,
        "registration_number": state.registration_number,
        "shipment_id": state.shipment_id,
        "item_count": len(state.items),
        "created_at": envelope.occurred_at,  # set once (see KEPT_ON_UPDATE)
    }


DECLARATIONS = StateProjection(
    domain=CUSTOMS_DECLARATION,
    table="customs_declarations",
    table_ddl=DDL,
    columns=columns,
    # The declaration history route answers the event's own name (e.g. "DeclarationReleased").
    history=History("customs_declaration_history", "declaration_id", event_type=lambda _, event: type(event).__name__),
    also=findings,
    also_ddl=(*FINDINGS_DDL, *RECONCILIATION_DDL),
    also_tables=("customs_compliance_findings", "customs_reconciliation_findings"),
)
CUSTOMS_PROJECTION = DECLARATIONS.projection()
