"""Queries of command outcomes as the Postgres sink recorded them (`command_outcomes`)."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_one


async def command_outcome(conn: AsyncConnection[Any], command_id: uuid.UUID) -> Row | None:
    """The outcome of a command and who sent it (`actor_id`), if the sink has recorded it."""
    return await fetch_one(
        conn,
        """SELECT status, code, reason, field, event_ids, aggregate_version, actor_id
           FROM command_outcomes WHERE command_id = %s""",
        (command_id,),
    )
