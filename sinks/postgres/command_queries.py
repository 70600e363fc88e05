"""Queries of command outcomes as the Postgres sink recorded them (`command_outcomes`)."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_one


async def command_outcome(conn: AsyncConnection[Any], command_id: uuid.UUID) -> Row | None:
    """The outcome of a command, who sent it (`actor_id`) and whether the read model shows its effects yet
    (`readable`: outcomes and events reach the sink on different topics, so either may come first)."""
    return await fetch_one(
        conn,
        """SELECT o.status, o.code, o.reason, o.field, o.event_ids, o.aggregate_version, o.actor_id,
                  o.status <> 'accepted' OR cardinality(o.event_ids) = 0
                  OR coalesce(p.version, 0) >= o.aggregate_version AS readable
           FROM command_outcomes o LEFT JOIN aggregate_positions p
             ON p.aggregate_type = o.aggregate_type AND p.aggregate_id = o.aggregate_id
           WHERE o.command_id = %s""",
        (command_id,),
    )
