"""The audit trail read model: one row per event of any domain that belongs to a tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from psycopg import AsyncCursor

from sinks.postgres.projection import Projection, append_rows
from streams.company.audit import audit_entry
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


COLUMNS = (
    "event_id", "tenant_id", "actor_id", "occurred_at", "aggregate_type", "aggregate_id", "aggregate_version",
    "event_type", "command_id", "summary", "changes",
)  # fmt: skip


def row(envelope: Envelope, event: Any) -> list[Any] | None:
    """The event's audit row, or None for an event that belongs to no tenant."""
    if envelope.tenant_id is None:
        return None
    entry = audit_entry(envelope, event)
    return [entry.event_id, entry.tenant_id, entry.actor_id, entry.occurred_at, entry.aggregate_type,
            entry.aggregate_id, entry.aggregate_version, entry.event_type, entry.command_id, entry.summary,
            orjson.dumps(entry.changes).decode()]  # fmt: skip


async def apply_batch(cur: AsyncCursor[Any], events: Sequence[tuple[Envelope, Any]]) -> None:
    rows = [r for envelope, event in events if (r := row(envelope, event)) is not None]
    await append_rows(cur, "audit_log", COLUMNS, rows, "(event_id)")


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    await apply_batch(cur, [(envelope, event)])


# Not a domain's projection: the sink applies it to every event after the domain's own.
AUDIT_PROJECTION = Projection(
    domain="*", ddl=DDL, tables=("audit_log",), apply=apply, tenant_tables=("audit_log",), apply_batch=apply_batch
)
