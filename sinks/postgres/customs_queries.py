"""Queries of the customs-declaration read model: declarations, their history and their compliance findings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso


async def declaration(conn: AsyncConnection[Any], declaration_id: str) -> Row | None:
    """The declaration's folded state (`state`, JSON) and its row's bookkeeping (version, created_at, updated_at)."""
    return await fetch_one(
        conn,
        "SELECT state, version, created_at, updated_at FROM customs_declarations WHERE id = %s",
        (declaration_id,),
    )


async def declarations(conn: AsyncConnection[Any], status: str | None) -> list[Row]:
    """The latest 500 declarations (of one status, if given), each with its count of missing documents."""
    rows = await fetch_all(
        conn,
        """SELECT d.id, d.status, d.reference, d.procedure_code, d.declaration_date, d.registration_number,
                  d.item_count, d.shipment_id, d.updated_at,
                  (SELECT count(*) FROM customs_compliance_findings f
                   WHERE f.declaration_id = d.id AND f.kind = 'missing') AS missing_documents
           FROM customs_declarations d WHERE %(status)s::text IS NULL OR d.status = %(status)s
           ORDER BY d.updated_at DESC LIMIT 500""",
        {"status": status},
    )
    return [with_iso(row, "declaration_date", "updated_at") for row in rows]


async def declaration_history(conn: AsyncConnection[Any], declaration_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, event_type AS event, actor_id, occurred_at FROM customs_declaration_history
           WHERE declaration_id = %s ORDER BY version""",
        (declaration_id,),
    )
    return [with_iso(row, "occurred_at") for row in rows]


async def open_declaration_ids(conn: AsyncConnection[Any], closed: Iterable[str]) -> list[str]:
    """Ids of the declarations not in a `closed` status."""
    rows = await fetch_all(conn, "SELECT id FROM customs_declarations WHERE status <> ALL(%s)", (list(closed),))
    return [row["id"] for row in rows]


async def open_compliance(conn: AsyncConnection[Any], closed: Iterable[str]) -> tuple[Row, list[Row]]:
    """Across declarations not in a `closed` status: how many are open and complete, and every finding
    (missing or expiring document), soonest expiry first."""
    statuses = list(closed)
    counts = await fetch_one(
        conn,
        """SELECT count(*) AS open_declarations,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM customs_compliance_findings f
                                   WHERE f.declaration_id = d.id AND f.kind = 'missing')) AS complete_declarations
           FROM customs_declarations d WHERE d.status <> ALL(%s)""",
        (statuses,),
    )
    findings = await fetch_all(
        conn,
        """SELECT f.declaration_id, d.reference, d.status, f.kind, f.requirement_id, f.document_type_code,
                  f.message, f.item_ids, f.document_id, f.expires_on
           FROM customs_compliance_findings f JOIN customs_declarations d ON d.id = f.declaration_id
           WHERE d.status <> ALL(%s) ORDER BY f.expires_on NULLS FIRST, d.updated_at DESC, f.position""",
        (statuses,),
    )
    assert counts is not None  # an aggregate query always answers one row
    return counts, [with_iso(row, "expires_on") for row in findings]


async def refund_claims(conn: AsyncConnection[Any]) -> list[Row]:
    """The overpayments the duty reconciliation found (paid more than assessed), newest reconciliation first."""
    rows = await fetch_all(
        conn,
        """SELECT f.declaration_id, d.reference, d.registration_number, f.payment_code, f.difference AS amount,
                  f.assessed, f.paid, f.reconciled_on, f.explanation, f.recorded_at
           FROM customs_reconciliation_findings f JOIN customs_declarations d ON d.id = f.declaration_id
           WHERE f.difference_class = 'overpayment'
           ORDER BY f.reconciled_on DESC, d.reference, f.payment_code LIMIT 1000""",
    )
    return [with_iso(row, "reconciled_on", "recorded_at") for row in rows]
