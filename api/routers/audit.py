"""GET /api/audit: the active company's audit trail, filterable; owners and admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter

from api.deps import CurrentSession, Offset, PlatformDep, page_size, require_permission, tenant_db
from sinks.postgres import audit_queries
from streams.company.permissions import Action

router = APIRouter(tags=["audit"])


@router.get("/api/audit")
async def audit_trail(
    session: CurrentSession,
    found: PlatformDep,
    actor_id: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    event_type: str | None = None,
    command_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, page_size(500)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    require_permission(session, Action.AUDIT_READ)
    filters = {
        "actor_id": actor_id, "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
        "event_type": event_type, "command_id": command_id, "since": since, "until": until,
    }  # fmt: skip
    # Row-level security limits every row to the session's tenant; no tenant filter is taken from the caller.
    async with tenant_db(found, session) as conn:
        entries = await audit_queries.audit_entries(conn, filters, limit, offset)
    return {"entries": entries, "limit": limit, "offset": offset}
