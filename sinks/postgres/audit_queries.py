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
    and since/until (occurred_at), each applied only when given.

    Each entry names its actor as people read it (`actor_name`): a user's first and last name, or an EDI
    partner's name for "edi:<partner>"; null for actors without a name here (the customs gateway, operators).
    """
    conditions = {
        "actor_id": "l.actor_id = %(actor_id)s",
        "aggregate_type": "l.aggregate_type = %(aggregate_type)s",
        "aggregate_id": "l.aggregate_id = %(aggregate_id)s",
        "event_type": "l.event_type = %(event_type)s",
        "command_id": "l.command_id = %(command_id)s",
        "since": "l.occurred_at >= %(since)s",
        "until": "l.occurred_at < %(until)s",
    }
    where = sql.SQL(" AND ").join(
        [sql.SQL("true"), *(sql.SQL(clause) for name, clause in conditions.items() if filters.get(name) is not None)]
    )
    query = sql.SQL(
        """SELECT l.event_id, l.actor_id, l.occurred_at, l.aggregate_type, l.aggregate_id, l.aggregate_version,
                  l.event_type, l.command_id, l.summary, l.changes,
                  coalesce(nullif(trim(a.first_name || ' ' || a.last_name), ''), a.email, p.name) AS actor_name
           FROM audit_log l
           LEFT JOIN user_accounts a ON a.id::text = l.actor_id
           LEFT JOIN edi_partners p ON l.actor_id = 'edi:' || p.id
           WHERE {where} ORDER BY l.occurred_at DESC, l.aggregate_version DESC
           LIMIT %(limit)s OFFSET %(offset)s"""
    ).format(where=where)
    params = {**{name: filters.get(name) for name in conditions}, "limit": limit, "offset": offset}
    return [with_iso(row, "occurred_at") for row in await fetch_all(conn, query, params)]
