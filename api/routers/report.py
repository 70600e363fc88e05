"""Compliance reports over HTTP: the tenant's report schedule (GET/PUT) and its reports, stored as documents.

The schedule is the tenant's own small aggregate (its id is the tenant's id); the reports are the documents of
type `compliance_report` the reports pipeline stored (pipelines/reports.py), downloaded through the documents'
own content route. Both are the caller's tenant's only (the token's tenant; row-level security).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field

from api.deps import CurrentSession, PlatformDep, Session, Strict, require_permission, tenant_db
from api.outcomes import CommandsOn
from api.platform import Platform
from sinks.postgres import document_queries
from sinks.postgres.queries import fetch_one
from streams.company.permissions import Action
from streams.document.commands import DocumentType
from streams.report_schedule.commands import Cadence, ReportLanguage, SetReportSchedule
from streams.report_schedule.decider import MAX_CONTACTS
from streams.report_schedule.domain import REPORT_SCHEDULE

router = APIRouter(tags=["reports"])
UNSET = {"cadence": "monthly", "timezone": "Europe/Moscow", "language": "ru", "contacts": [], "enabled": False}


async def read_schedule(found: Platform, session: Session, tenant_id: str) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        row = await fetch_one(
            conn,
            """SELECT cadence, timezone, language, contacts, enabled, updated_at FROM report_schedules
               WHERE id = %s""",
            (tenant_id,),
        )
    if row is None:
        return {**UNSET, "configured": False, "updated_at": None}
    return {**row, "configured": True, "updated_at": row["updated_at"].isoformat()}


SCHEDULES = CommandsOn(REPORT_SCHEDULE, read_schedule, Action.COMPANY_UPDATE)


class ScheduleIn(Strict):
    cadence: Cadence
    timezone: str = Field(min_length=1, max_length=64, description="an IANA timezone, e.g. Europe/Moscow")
    contacts: list[str] = Field(max_length=MAX_CONTACTS, description="the compliance contacts' email addresses")
    language: ReportLanguage
    enabled: bool = True


def _tenant(session: Session) -> str:
    if not session.tenant_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "choose a company first")
    return session.tenant_id


@router.get("/api/reports/schedule")
async def get_schedule(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.COMPANY_READ)
    return await read_schedule(found, session, _tenant(session))


@router.put("/api/reports/schedule")
async def set_schedule(body: ScheduleIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Report every period of the cadence, in the tenant's timezone and language, mailed to its contacts."""
    command = SetReportSchedule(body.cadence, body.timezone, tuple(body.contacts), body.language, body.enabled)
    return await SCHEDULES.send(found, session, _tenant(session), command)


@router.get("/api/reports")
async def list_reports(
    session: CurrentSession,
    found: PlatformDep,
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    """The tenant's compliance reports (a PDF and an XLSX document per period), newest first, with download links."""
    require_permission(session, Action.DOCUMENTS_READ)
    matching = document_queries.DocumentFilter(document_types=(str(DocumentType.COMPLIANCE_REPORT),))
    async with tenant_db(found, session) as conn:
        rows, total = await document_queries.documents(conn, matching, limit, offset, datetime.now(UTC).date())
    items = [
        {
            "id": row["id"], "title": row["title"], "filename": row["filename"], "content_type": row["content_type"],
            "latest_version": row["latest_version"], "created_at": row["created_at"], "updated_at": row["updated_at"],
            "download": f"/api/documents/{row['id']}/versions/{row['latest_version']}/content",
            "download_url": f"/api/documents/{row['id']}/versions/{row['latest_version']}/download-url",
        }
        for row in rows
    ]  # fmt: skip
    return {"items": items, "total": total}
