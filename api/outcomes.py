"""Turns a command's outcome into the HTTP answer: the rejection's code picks the status."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse

from api.command_bus import Issued
from api.platform import Platform
from streams.domain import Domain
from wellwon.envelope import CommandOutcome

STATUS_BY_CODE = {
    "invalid": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "conflict": status.HTTP_409_CONFLICT,
    "illegal_state": status.HTTP_409_CONFLICT,
    "not_found": status.HTTP_404_NOT_FOUND,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "unauthorized": status.HTTP_401_UNAUTHORIZED,
    "internal_error": status.HTTP_500_INTERNAL_SERVER_ERROR,
}


def outcome_json(command_id: str, outcome: CommandOutcome | None) -> dict[str, Any]:
    if outcome is None:
        return {"command_id": command_id, "status": "pending"}
    return {
        "command_id": command_id,
        "status": outcome.status,
        "code": outcome.code,
        "reason": outcome.reason,
        "field": outcome.field,
        "event_ids": list(outcome.event_ids),
        "aggregate_version": outcome.aggregate_version,
    }


def pending_response(command_id: str) -> JSONResponse:
    return JSONResponse(
        {**outcome_json(command_id, None), "location": f"/api/commands/{command_id}"},
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": f"/api/commands/{command_id}"},
    )


def invalid_field(location: list[str], message: str, kind: str = "invalid") -> HTTPException:
    """A 422 in the shape FastAPI uses for request validation: the field at fault in `loc`."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": ["body", *location], "msg": message, "type": kind}]
    )


def same_id(body_id: str, path_id: str, field: str) -> None:
    """A body that repeats the path's id must repeat the same one."""
    if body_id != path_id:
        raise invalid_field([field], f"must be the {field.replace('_', ' ')} of the path")


def raise_rejection(command_id: str, outcome: CommandOutcome) -> NoReturn:
    code = STATUS_BY_CODE.get(outcome.code or "", status.HTTP_400_BAD_REQUEST)
    if code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        # A decider names the field as one path (`equipment.identifier`), kept whole.
        raise invalid_field([outcome.field or ""], outcome.reason or "invalid", "rejected")
    raise HTTPException(code, {"command_id": command_id, "reason": outcome.reason, "field": outcome.field})


async def send_command(
    found: Platform,
    domain: Domain,
    aggregate_id: str,
    command: Any,
    issued: Issued,
    command_id: uuid.UUID | str | None = None,
) -> CommandOutcome | JSONResponse:
    """Send and wait: the accepted outcome; a rejection raises its HTTP error; a timeout gives 202."""
    requested_id = str(command_id) if command_id else None
    sent_id, outcome = await found.bus.send(domain, aggregate_id, command, issued, requested_id)
    if outcome is None:
        return pending_response(sent_id)
    if outcome.status != "accepted":
        raise_rejection(sent_id, outcome)
    return outcome
