"""The Decider pattern: the shape every domain's pure rules take.

A domain is an initial state, `decide(state, command, context)` returning events or a
`Rejection`, and `evolve(state, event)` returning the next state. Neither does I/O; time and
identity come in through the command and its context, so replaying gives the same answer.

Rules every domain obeys are combinators wrapped around its decider (by `streams.domain.Domain`),
not calls each decider must remember: `refusing_control_characters` here, tenancy in
`streams.tenancy`.
"""

from __future__ import annotations

import dataclasses
import re
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


# Control characters no text field may carry: NUL, the C0 controls except tab, newline and carriage
# return, and DEL. Postgres cannot store NUL in text; the others are never business data.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_path(value: Any, path: str = "") -> str | None:
    """The path of the first text in `value` holding a control character (e.g. `items[2].description`), or None.

    Walks dataclasses, tuples, lists, sets and dicts (keys and values); other values hold no text.
    """
    if isinstance(value, str):
        return path or "(value)" if CONTROL_CHARACTERS.search(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if found := control_character_path(getattr(value, f.name), f"{path}.{f.name}" if path else f.name):
                return found
        return None
    if isinstance(value, tuple | list):
        for index, item in enumerate(value):
            if found := control_character_path(item, f"{path}[{index}]"):
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if found := control_character_path(key, f"{path}[{key!r}]") or control_character_path(
                item, f"{path}[{key!r}]"
            ):
                return found
        return None
    if isinstance(value, set | frozenset):
        for item in value:
            if found := control_character_path(item, f"{path}[]"):
                return found
    return None


def holds_control_characters(value: Any) -> bool:
    """Whether any text in `value` holds a control character: `control_character_path`'s walk, without building
    paths, and choosing once per type how to look into it (every command goes through this)."""
    kind = type(value)
    if kind is str:
        return CONTROL_CHARACTERS.search(value) is not None
    check = _CHECKS.get(kind)
    if check is None:
        check = _CHECKS[kind] = _check_for(kind)
    return check(value)


_CHECKS: dict[type, Callable[[Any], bool]] = {}


def _check_for(kind: type) -> Callable[[Any], bool]:
    if issubclass(kind, str):
        return _text_holds_control_characters
    if dataclasses.is_dataclass(kind):
        return _fields_check(tuple(f.name for f in dataclasses.fields(kind)))
    if issubclass(kind, tuple | list | set | frozenset):
        return _items_hold_control_characters
    if issubclass(kind, dict):
        return lambda value: _items_hold_control_characters(value) or _items_hold_control_characters(value.values())
    return _holds_no_text


def _fields_check(names: tuple[str, ...]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        for name in names:
            item = getattr(value, name)
            if item is not None and holds_control_characters(item):
                return True
        return False

    return check


def _items_hold_control_characters(items: Any) -> bool:
    for item in items:  # noqa: SIM110 - a loop: any() over a generator costs twice as much per item
        if holds_control_characters(item):
            return True
    return False


def _text_holds_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def _holds_no_text(value: Any) -> bool:
    return False


def refusing_control_characters(decider: Decider[State, Command, Event]) -> Decider[State, Command, Event]:
    """The decider, refusing (INVALID, naming the field) any command with a control character in its text."""

    def decide(state: State, command: Command, context: CommandContext) -> Sequence[Event] | Rejection:
        if holds_control_characters(command) and (field_path := control_character_path(command)):
            return reject(RejectionCode.INVALID, "text may not contain control characters", field_path)
        return decider.decide(state, command, context)

    return dataclasses.replace(decider, decide=decide)
