"""The audit trail: who did what, when, from which command, as one readable line per event.

`audit_entry` turns any domain's event (with its envelope) into an `AuditEntry` for the audit
read model. Fields marked secret in the message's dataclass (`field(metadata={"secret": True})`)
are shown as "[redacted]", also inside nested details, so hashes and tokens never reach it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, Protocol

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


@dataclass(frozen=True)
class AuditEntry:
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


# Per dataclass type: its fields' names and whether each is secret (the audit trail flattens every event).
_FIELDS: dict[type, tuple[tuple[str, bool], ...] | None] = {}


def _fields_of(value: Any) -> tuple[tuple[str, bool], ...] | None:
    """The dataclass's fields, or None for any other value (both remembered per type)."""
    kind = type(value)
    if kind in _FIELDS:
        return _FIELDS[kind]
    fields = None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = tuple((f.name, bool(f.metadata.get("secret"))) for f in dataclasses.fields(value))
    _FIELDS[kind] = fields
    return fields


def _flatten(value: Any, path: str, into: dict[str, str]) -> None:
    if value is None:
        return
    if (fields := _fields_of(value)) is not None:
        for name, secret in fields:
            item_path = f"{path}.{name}" if path else name
            if secret:
                if getattr(value, name) is not None:
                    into[item_path] = REDACTED
            else:
                _flatten(getattr(value, name), item_path, into)
    elif isinstance(value, tuple | list):
        for index, element in enumerate(value):
            _flatten(element, f"{path}[{index}]", into)
    elif isinstance(value, dict):
        for key, element in value.items():
            _flatten(element, f"{path}.{key}" if path else str(key), into)
    else:
        into[path] = _shown(value)


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
    detail = ", ".join(f"{path}={_clipped(text, VALUE_MAX)}" for path, text in changes.items())
    summary = (
        f"{_who(record)}: {_what_happened(record.schema_name)} on {record.aggregate_type} {record.aggregate_id}"
        f" (v{record.aggregate_version}){': ' + detail if detail else ''}"
    )
    return AuditEntry(
        event_id=record.message_id,
        tenant_id=record.tenant_id,
        actor_id=record.actor_id,
        occurred_at=record.occurred_at,
        aggregate_type=record.aggregate_type,
        aggregate_id=record.aggregate_id,
        aggregate_version=record.aggregate_version,
        event_type=record.schema_name,
        command_id=record.causation_id,
        summary=_clipped(summary, SUMMARY_MAX),
        changes=changes,
    )
