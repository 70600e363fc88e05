"""The outcome of a command that outlived its request's wait: GET /api/commands/{id}."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from api.auth import CurrentSession
from api.outcomes import outcome_json
from api.platform import Platform, platform

router = APIRouter(prefix="/api/commands", tags=["commands"])


@router.get("/{command_id}")
async def command_outcome(
    command_id: uuid.UUID, session: CurrentSession, found: Annotated[Platform, Depends(platform)]
) -> dict[str, Any]:
    async with found.pool.connection() as conn:
        row = await (
            await conn.execute(
                """SELECT status, code, reason, field, event_ids, aggregate_version, actor_id
                   FROM command_outcomes WHERE command_id = %s""",
                (command_id,),
            )
        ).fetchone()
    if row is not None and row[6] == session.account_id:
        return {
            "command_id": str(command_id),
            "status": row[0],
            "code": row[1],
            "reason": row[2],
            "field": row[3],
            "event_ids": row[4],
            "aggregate_version": row[5],
        }
    if await found.bus.pending_actor(str(command_id)) == session.account_id:
        return outcome_json(str(command_id), None)
    # Unknown, or somebody else's: the same answer, so ids of others' commands reveal nothing.
    raise HTTPException(status.HTTP_404_NOT_FOUND, "no such command")
