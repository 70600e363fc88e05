"""Compliance: what a declaration lacks, and what is missing or expiring across the company's open declarations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import TypeAdapter

from api.deps import CurrentSession, PlatformDep, issued, require_permission, tenant_db
from api.outcomes import send_command
from api.routers.customs.read_models import read_declaration, today
from sinks.postgres import customs_queries, document_queries
from streams.company.permissions import Action
from streams.customs.commands import CheckCompliance
from streams.customs.declaration import CLOSED_STATUSES, ComplianceReport
from streams.customs.domain import CUSTOMS_DECLARATION

router = APIRouter(tags=["customs"])
COMPLIANCE = TypeAdapter(ComplianceReport)
# The documents domain's files expired or expiring within this many days are shown beside the declarations'.
DOCUMENTS_EXPIRING_WITHIN_DAYS = 30


@router.get("/api/declarations/{declaration_id}/compliance")
async def declaration_compliance(declaration_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    declaration, _ = await read_declaration(found, session, declaration_id)
    report = declaration.compliance
    body: dict[str, Any] = COMPLIANCE.dump_python(report, mode="json") if report else {}
    return {"id": declaration_id, "status": declaration.status, "complete": bool(report and report.complete), **body}


@router.get("/api/customs/compliance")
async def company_compliance(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """What is missing or expiring across the company's declarations that are still open, and the company's
    stored documents (certificates, permits, contracts) expired or expiring within 30 days, with their links."""
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        counts, findings = await customs_queries.open_compliance(conn, CLOSED_STATUSES)
        documents = await document_queries.expiring_documents(conn, today(), DOCUMENTS_EXPIRING_WITHIN_DAYS)
    return {
        **counts,
        "missing": [f for f in findings if f["kind"] == "missing"],
        "expiring": [f for f in findings if f["kind"] == "expiring"],
        "documents_expiring": documents,
    }


@router.post("/api/customs/compliance/check")
async def check_company_compliance(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """Re-judge every open declaration on its date (so documents expiring with time show up, and are pushed)."""
    require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    async with tenant_db(found, session) as conn:
        ids = await customs_queries.open_declaration_ids(conn, CLOSED_STATUSES)
    for declaration_id in ids:
        await send_command(found, CUSTOMS_DECLARATION, declaration_id, CheckCompliance(), issued(session))
    return {"checked": len(ids)}
