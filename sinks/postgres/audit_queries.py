"""Queries of the audit trail (`audit_log`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, sql

from sinks.postgres.queries import Row, fetch_all, with_iso


async def audit_entries(
    conn: AsyncConnection[Any], filters: dict[str, str | datetime | None], limit: int, offset: int
) -> list[Row]:
    """Entries newest first; `filters` on actor_id, aggregate_type, aggregate_id, event_type, command_id (equal)
    and since/until (occurred_at), each applied only when given."""
    conditions = {
        "actor_id": "actor_id = %(actor_id)s",
        "aggregate_type": "aggregate_type = %(aggregate_type)s",
        "aggregate_id": "aggregate_id = %(aggregate_id)s",
        "event_type": "event_type = %(event_type)s",
        "command_id": "command_id = %(command_id)s",
        "since": "occurred_at >= %(since)s",
        "until": "occurred_at < %(until)s",
    }
    where = sql.SQL(" AND ").join(
        [sql.SQL("true"), *(sql.SQL(clause) for name, clause in conditions.items() if filters.get(name) is not None)]
    )
    query = sql.SQL(
        """SELECT event_id, actor_id, occurred_at, aggregate_type, aggregate_id, aggregate_version,
                  event_type, command_id, summary, changes
           FROM audit_log WHERE {where} ORDER BY occurred_at DESC, aggregate_version DESC
           LIMIT %(limit)s OFFSET %(offset)s"""
    ).format(where=where)
    params = {**{name: filters.get(name) for name in conditions}, "limit": limit, "offset": offset}
    return [with_iso(row, "occurred_at") for row in await fetch_all(conn, query, params)]
