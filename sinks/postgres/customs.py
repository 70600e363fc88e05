"""Projection of customs-declaration events: declarations, their compliance findings and their history.

The declaration row keeps the aggregate's whole state (`state`, JSON) folded with the domain's own
pure `evolve`, so the read model cannot drift from the decider; a few columns are lifted out of it
for lists and filters. Compliance findings get a row each, so a company's missing and expiring
documents are one query across its declarations.
"""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor
from pydantic import TypeAdapter

from sinks.postgres.projection import Projection
from streams.customs.decider import evolve
from streams.customs.declaration import Declaration
from streams.customs.events import ComplianceChanged
from wellwon.envelope import Envelope

DECLARATION = TypeAdapter(Declaration)

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
    """CREATE TABLE IF NOT EXISTS customs_declaration_history (
        tenant_id text NOT NULL,
        declaration_id text NOT NULL,
        version bigint NOT NULL,
        event_type text NOT NULL,
        actor_id text,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (declaration_id, version)
    )""",
)


async def _current(cur: AsyncCursor[Any], declaration_id: str) -> Declaration:
    await cur.execute("SELECT state FROM customs_declarations WHERE id = %s", (declaration_id,))
    row = await cur.fetchone()
    return DECLARATION.validate_python(row[0]) if row else Declaration()


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


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    declaration_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    state = evolve(await _current(cur, declaration_id), event)
    header = state.header
    await cur.execute(
        """INSERT INTO customs_declarations (id, tenant_id, status, reference, procedure_code, customs_office_code,
               declaration_date, registration_number, shipment_id, item_count, state, created_at, updated_at, version)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, reference = EXCLUDED.reference,
               procedure_code = EXCLUDED.procedure_code, customs_office_code = EXCLUDED.customs_office_code,
               declaration_date = EXCLUDED.declaration_date, registration_number = EXCLUDED.registration_number,
               item_count = EXCLUDED.item_count, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at,
               version = EXCLUDED.version""",
        (declaration_id, state.tenant_id, str(state.status), header.reference, header.procedure_code,
         header.customs_office_code, header.declaration_date, state.registration_number, state.shipment_id,
         len(state.items), orjson.dumps(DECLARATION.dump_python(state, mode="json")).decode(), at, at, version),
    )  # fmt: skip
    if isinstance(event, ComplianceChanged):
        await _replace_findings(cur, declaration_id, state.tenant_id, event)
    await cur.execute(
        """INSERT INTO customs_declaration_history (tenant_id, declaration_id, version, event_type, actor_id,
               occurred_at) VALUES (%s, %s, %s, %s, %s, %s)""",
        (state.tenant_id, declaration_id, version, type(event).__name__, envelope.actor_id, at),
    )


CUSTOMS_TABLES = ("customs_declarations", "customs_compliance_findings", "customs_declaration_history")
CUSTOMS_PROJECTION = Projection(
    domain="customs_declaration", ddl=DDL, tables=CUSTOMS_TABLES, apply=apply, tenant_tables=CUSTOMS_TABLES
)
