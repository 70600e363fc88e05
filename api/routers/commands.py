"""The outcome of a command that outlived its request's wait: GET /api/commands/{id}."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.deps import CurrentSession, PlatformDep
from api.outcomes import outcome_json
from sinks.postgres import command_queries

router = APIRouter(prefix="/api/commands", tags=["commands"])


@router.get("/{command_id}")
async def command_outcome(command_id: uuid.UUID, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """Accepted or rejected once the read model shows it; `pending` while the engine or the sinks are behind."""
    async with found.pool.connection() as conn:
        recorded = await command_queries.command_outcome(conn, command_id)
    if recorded is not None and recorded.pop("actor_id") == session.account_id:
        if recorded.pop("readable"):
            return {"command_id": str(command_id), **recorded}
        return outcome_json(str(command_id), None)  # accepted, but a read would not show it yet
    if await found.bus.pending_actor(str(command_id)) == session.account_id:
        return outcome_json(str(command_id), None)
    # Unknown, or somebody else's: the same answer, so ids of others' commands reveal nothing.
    raise HTTPException(status.HTTP_404_NOT_FOUND, "no such command")
