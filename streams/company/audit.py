"""The audit trail: who did what, when, from which command, as one readable line per event.

`audit_entry` turns any domain's event (with its envelope) into an `AuditEntry` for the audit
read model. Fields marked secret in the message's dataclass (`field(metadata={"secret": True})`)
are shown as "[redacted]", also inside nested details, so hashes and tokens never reach it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from streams.company.permissions import ROLE_CLAIM
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE

REDACTED = "[redacted]"
SUMMARY_MAX = 500
VALUE_MAX = 80


class AuditedRecord(Protocol):
    """The envelope fields an audit entry needs; `wellwon.envelope.Envelope` has them all."""

    @property
    def message_id(self) -> str: ...
    @property
    def tenant_id(self) -> str | None: ...
    @property
    def actor_id(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def aggregate_type(self) -> str: ...
    @property
    def aggregate_id(self) -> str: ...
    @property
    def aggregate_version(self) -> int: ...
    @property
    def schema_name(self) -> str: ...
    @property
    def causation_id(self) -> str | None: ...
    @property
    def claims(self) -> dict[str, str]: ...


class AuditEntry(NamedTuple):
    """Immutable as a frozen dataclass, made in a fifth of its time: one per event of every domain."""

    event_id: str
    tenant_id: str | None
    actor_id: str | None  # None: the platform itself (e.g. a pipeline)
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str  # the schema name, e.g. "company.ParticipantRoleChanged"
    command_id: str | None  # the command that caused the event
    summary: str  # one line for people
    changes: dict[str, str]  # the payload flattened to "path": "text", secrets redacted


def _shown(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


Flatten = Callable[[Any, str, dict[str, str]], None]  # (value, its path, the changes so far)

# Per type, how a value of it is flattened, chosen once (the audit trail flattens every event): a value's branch
# depends on its type alone, so this is `isinstance` asked once per type instead of once per value. A type whose
# values are one text each (an enum, a date, a number) is also in `_TEXTS`: a dataclass's field of it is written
# there and then, a call fewer per value.
_FLATTENERS: dict[type, Flatten] = {}
_TEXTS: dict[type, Callable[[Any], str]] = {}


def _flatten(value: Any, path: str, into: dict[str, str]) -> None:
    if value is None:
        return
    kind = type(value)
    flatten = _FLATTENERS.get(kind)
    if flatten is None:
        flatten = _FLATTENERS[kind] = _flattener(kind)
    flatten(value, path, into)


def _flattener(kind: type) -> Flatten:
    if dataclasses.is_dataclass(kind):
        return _dataclass_flattener(tuple((f.name, bool(f.metadata.get("secret"))) for f in dataclasses.fields(kind)))
    if issubclass(kind, tuple | list):
        return _flatten_sequence
    if issubclass(kind, dict):
        return _flatten_dict
    text = _text_of(kind)
    if kind is not str:
        _TEXTS[kind] = text

    def put(value: Any, path: str, into: dict[str, str]) -> None:
        into[path] = text(value)

    return put


def _text_of(kind: type) -> Callable[[Any], str]:
    if kind is str:
        return str
    if issubclass(kind, Enum):
        return _enum_value
    if issubclass(kind, datetime | date):
        return kind.isoformat  # type: ignore[no-any-return]
    if issubclass(kind, bytes):
        return _shown
    return str


def _enum_value(value: Enum) -> str:
    return str(value.value)


def _dataclass_flattener(fields: tuple[tuple[str, bool], ...]) -> Flatten:
    def flatten(value: Any, path: str, into: dict[str, str]) -> None:
        prefix = f"{path}." if path else ""
        for name, secret in fields:
            item = getattr(value, name)
            if item is None:
                continue
            if secret:
                into[prefix + name] = REDACTED
            elif type(item) is str:  # most values: text as it is
                into[prefix + name] = item
            elif (text := _TEXTS.get(type(item))) is not None:
                into[prefix + name] = text(item)
            else:
                _flatten(item, prefix + name, into)

    return flatten


def _flatten_sequence(value: Any, path: str, into: dict[str, str]) -> None:
    for index, element in enumerate(value):
        _flatten(element, f"{path}[{index}]", into)


def _flatten_dict(value: Any, path: str, into: dict[str, str]) -> None:
    for key, element in value.items():
        _flatten(element, f"{path}.{key}" if path else str(key), into)


def redacted_changes(event: object) -> dict[str, str]:
    """An event dataclass as flat "path": "text" pairs, secret fields replaced by "[redacted]"."""
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        raise TypeError(f"an audited event is a dataclass instance, not {type(event).__name__}")
    changes: dict[str, str] = {}
    _flatten(event, "", changes)
    return changes


@lru_cache(maxsize=1024)
def _what_happened(schema_name: str) -> str:
    """ "company.ParticipantRoleChanged" -> "participant role changed"."""
    type_name = schema_name.rsplit(".", 1)[-1]
    return " ".join(word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", type_name))


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(record: AuditedRecord) -> str:
    """The actor as people know it: a customs gateway credential acts as the authority, not as a user."""
    if record.actor_id is None:
        return "the platform"
    if record.claims.get(ROLE_CLAIM) == CUSTOMS_AUTHORITY_ROLE:
        return f"customs gateway {record.actor_id}"
    return f"user {record.actor_id}"


def audit_entry(record: AuditedRecord, event: object) -> AuditEntry:
    """The audit entry for one event: `record` is its envelope, `event` its decoded payload dataclass."""
    changes = redacted_changes(event)
    detail = ", ".join(
        [
            f"{path}={text}" if len(text) <= VALUE_MAX else f"{path}={_clipped(text, VALUE_MAX)}"
            for path, text in changes.items()
        ]
    )
    summary = (
        f"{_who(record)}: {_what_happened(record.schema_name)} on {record.aggregate_type} {record.aggregate_id}"
        f" (v{record.aggregate_version}){': ' + detail if detail else ''}"
    )
    return AuditEntry(  # by position: one per event, in half the time of by name (the fields' order above)
        record.message_id,
        record.tenant_id,
        record.actor_id,
        record.occurred_at,
        record.aggregate_type,
        record.aggregate_id,
        record.aggregate_version,
        record.schema_name,
        record.causation_id,
        summary if len(summary) <= SUMMARY_MAX else _clipped(summary, SUMMARY_MAX),
        changes,
    )
