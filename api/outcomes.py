"""Turns a command's outcome into the HTTP answer: the rejection's code picks the status.

Every command route ends in `send_and_read`: send, wait for the outcome *and* for the read model to
show it, then answer what a following read would see. When either wait runs out (the engine or the
sinks lagging), the answer is 202 with the command's id and its status URL, never the old state and
never a 404 for something just accepted.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse, Response
from psycopg import AsyncConnection

from api.auth import tenant_db
from api.command_bus import Issued
from api.deps import Session, issued, require_permission
from api.platform import Platform
from streams.company.permissions import Action
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


def pending_response(
    command_id: str, aggregate_id: str | None = None, also: Mapping[str, Any] | None = None
) -> JSONResponse:
    """202: the command is on its way, or applied but not yet readable; poll its status URL. The aggregate's id
    is named, so a create's client knows what it created before it can read it; `also` adds what the client
    could never ask for again (a secret shown once)."""
    body = {**(also or {}), **outcome_json(command_id, None), "location": f"/api/commands/{command_id}"}
    if aggregate_id is not None:
        body["aggregate_id"] = aggregate_id
    return JSONResponse(
        body,
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
    on_accepted: Callable[[CommandOutcome], Awaitable[None]] | None = None,
    pending_also: Mapping[str, Any] | None = None,
) -> CommandOutcome | JSONResponse:
    """Send and wait until its effects are readable: the accepted outcome; a rejection raises its HTTP
    error; no outcome in time, or a read model still behind it, gives 202 (pending).

    `on_accepted` does what an accepted command owes the world whether or not the read model has caught
    up (say, mail a token), before the wait for the read model; `pending_also` goes into a 202 answer."""
    requested_id = str(command_id) if command_id else None
    sent_id, outcome = await found.bus.send(domain, aggregate_id, command, issued, requested_id)
    if outcome is None:
        return pending_response(sent_id, aggregate_id, pending_also)
    if outcome.status != "accepted":
        raise_rejection(sent_id, outcome)
    if on_accepted is not None:
        await on_accepted(outcome)
    if outcome.event_ids and not await found.bus.wait_projected(
        domain.name, aggregate_id, outcome.aggregate_version, found.settings.command_timeout_seconds
    ):
        # Accepted, but a read now would show the state before it: say so, and where to look later.
        await found.bus.remember_pending(sent_id, issued.actor_id)
        return pending_response(sent_id, aggregate_id, pending_also)
    return outcome


Answer = TypeVar("Answer")


def no_content(_: CommandOutcome) -> Response:
    """The answer of a command route with nothing to show: 204."""
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def send_and_read(
    found: Platform,
    domain: Domain,
    aggregate_id: str,
    command: Any,
    issued: Issued,
    answer: Callable[[CommandOutcome], Answer | Awaitable[Answer]],
    command_id: uuid.UUID | str | None = None,
    on_accepted: Callable[[CommandOutcome], Awaitable[None]] | None = None,
    pending_also: Mapping[str, Any] | None = None,
) -> Answer | JSONResponse:
    """Send the command, then answer with `answer(outcome)`, usually the aggregate read back from the read
    model; a rejection raises its HTTP error; a timeout or a lagging read model answers 202 instead."""
    outcome = await send_command(found, domain, aggregate_id, command, issued, command_id, on_accepted, pending_also)
    if isinstance(outcome, JSONResponse):
        return outcome
    answered = answer(outcome)
    if inspect.isawaitable(answered):
        return await answered
    return answered


Row = dict[str, Any]
ReadOne = Callable[[Platform, Session, str], Awaitable[Row]]


def tenant_row(query: Callable[[AsyncConnection[Any], str], Awaitable[Row | None]], missing: HTTPException) -> ReadOne:
    """How a route reads one aggregate of the caller's tenant from its read model: `query` under the tenant's
    row-level security, and `missing` (a 404) when the tenant has no such aggregate, whoever else may."""

    async def read(found: Platform, session: Session, aggregate_id: str) -> Row:
        async with tenant_db(found, session) as conn:
            row = await query(conn, aggregate_id)
        if row is None:
            raise missing
        return row

    return read


@dataclass(frozen=True)
class CommandsOn:
    """A domain's command routes: each sends its command as the caller, once the caller may (`action`), and
    answers with the aggregate as the read model now shows it (`read`), or 202 while that lags."""

    domain: Domain
    read: Callable[[Platform, Session, str], Awaitable[Any]]
    action: Action | None = None  # the permission its commands need, unless a route names another

    async def send(
        self,
        found: Platform,
        session: Session,
        aggregate_id: str,
        command: Any,
        action: Action | None = None,
    ) -> Any:
        if (needed := action or self.action) is not None:
            require_permission(session, needed)
        return await send_and_read(
            found, self.domain, aggregate_id, command, issued(session),
            lambda _: self.read(found, session, aggregate_id),
        )  # fmt: skip
