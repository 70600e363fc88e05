"""GET /api/audit: the active company's audit trail, filterable; owners and admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import CurrentSession, require_permission, tenant_db
from api.platform import Platform, platform
from streams.company.permissions import Action

router = APIRouter(tags=["audit"])


@router.get("/api/audit")
async def audit_trail(
    session: CurrentSession,
    found: Annotated[Platform, Depends(platform)],
    actor_id: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    event_type: str | None = None,
    command_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    require_permission(session, Action.AUDIT_READ)
    filters = {
        "actor_id = %(actor_id)s": actor_id,
        "aggregate_type = %(aggregate_type)s": aggregate_type,
        "aggregate_id = %(aggregate_id)s": aggregate_id,
        "event_type = %(event_type)s": event_type,
        "command_id = %(command_id)s": command_id,
        "occurred_at >= %(since)s": since,
        "occurred_at < %(until)s": until,
    }
    where = " AND ".join(["true", *(clause for clause, value in filters.items() if value is not None)])
    params = {
        "actor_id": actor_id, "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
        "event_type": event_type, "command_id": command_id, "since": since, "until": until,
        "limit": limit, "offset": offset,
    }  # fmt: skip
    # Row-level security limits every row to the session's tenant; no tenant filter is taken from the caller.
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                f"""SELECT event_id, actor_id, occurred_at, aggregate_type, aggregate_id, aggregate_version,
                           event_type, command_id, summary, changes
                    FROM audit_log WHERE {where} ORDER BY occurred_at DESC, aggregate_version DESC
                    LIMIT %(limit)s OFFSET %(offset)s""",
                params,
            )
        ).fetchall()
    return {
        "entries": [
            {"event_id": r[0], "actor_id": r[1], "occurred_at": r[2].isoformat(), "aggregate_type": r[3],
             "aggregate_id": r[4], "aggregate_version": r[5], "event_type": r[6], "command_id": r[7],
             "summary": r[8], "changes": r[9]}
            for r in rows
        ],
        "limit": limit,
        "offset": offset,
    }  # fmt: skip
