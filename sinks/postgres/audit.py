"""The audit trail read model: one row per event of any domain that belongs to a tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from psycopg import AsyncCursor

from sinks.postgres.projection import LaterRows, Projection, append_rows
from streams.company.audit import AuditEntry, audit_entry
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        event_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        actor_id text,
        occurred_at timestamptz NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version bigint NOT NULL,
        event_type text NOT NULL,
        command_id text,
        summary text NOT NULL,
        changes jsonb NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS audit_log_tenant_time ON audit_log (tenant_id, occurred_at DESC)",
)


COLUMNS = AuditEntry._fields  # the table's columns are the entry's fields, in order


def row(envelope: Envelope, event: Any) -> list[Any] | None:
    """The event's audit row, or None for an event that belongs to no tenant."""
    if envelope.tenant_id is None:
        return None
    entry = audit_entry(envelope, event)
    return [*entry[:-1], orjson.dumps(entry.changes).decode()]  # `changes`, the last field, as JSON


async def apply_batch(cur: AsyncCursor[Any], events: Sequence[tuple[Envelope, Any]]) -> None:
    await append_rows(cur, "audit_log", COLUMNS, LaterRows(events, _row_of), "(event_id)")


def _row_of(applied: tuple[Envelope, Any]) -> list[Any] | None:
    return row(*applied)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    await apply_batch(cur, [(envelope, event)])


# Not a domain's projection: the sink applies it to every event after the domain's own.
AUDIT_PROJECTION = Projection(
    domain="*", ddl=DDL, tables=("audit_log",), apply=apply, tenant_tables=("audit_log",), apply_batch=apply_batch
)
