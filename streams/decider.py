"""The Decider pattern: the shape every domain's pure rules take.

A domain is an initial state, `decide(state, command, context)` returning events or a
`Rejection`, and `evolve(state, event)` returning the next state. Neither does I/O; time and
identity come in through the command and its context, so replaying gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

State = TypeVar("State")
Command = TypeVar("Command")
Event = TypeVar("Event")


class RejectionCode(StrEnum):
    """Why a command was refused; the API maps each to an HTTP status."""

    INVALID = "invalid"  # 422: a field's value breaks a rule
    CONFLICT = "conflict"  # 409: e.g. a duplicate email, a stale version
    NOT_FOUND = "not_found"  # 404: no such aggregate (or not visible to this tenant)
    FORBIDDEN = "forbidden"  # 403: the actor's role may not do this
    UNAUTHORIZED = "unauthorized"  # 401: credentials or token do not hold
    ILLEGAL_STATE = "illegal_state"  # 409: not allowed in the aggregate's current state


@dataclass(frozen=True)
class Rejection:
    code: RejectionCode
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class CommandContext:
    """Who issued a command, for which tenant, and when (from the envelope, never the body)."""

    command_id: str
    issued_at: datetime
    actor_id: str | None = None
    tenant_id: str | None = None
    # Extra claims carried with the command (e.g. the actor's role in the tenant).
    claims: tuple[tuple[str, str], ...] = ()

    def claim(self, name: str) -> str | None:
        return dict(self.claims).get(name)


Decision = Sequence[Event] | Rejection


@dataclass(frozen=True)
class Decider(Generic[State, Command, Event]):
    initial_state: State
    decide: Callable[[State, Command, CommandContext], Sequence[Event] | Rejection]
    evolve: Callable[[State, Event], State]

    def fold(self, events: Sequence[Event], state: State | None = None) -> State:
        current = self.initial_state if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current


def reject(code: RejectionCode, reason: str, field: str | None = None) -> Rejection:
    return Rejection(code, reason, field)


AnyDecider = Decider[Any, Any, Any]
