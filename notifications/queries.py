"""The inbox and preferences as the API reads and changes them, on a `tenant_db` connection.

Row-level security limits every statement to the caller's own notifications in the active company (and their
own preferences row), so no query here names the tenant or the user but to insert.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from psycopg import AsyncConnection

from notifications.preferences import Preferences
from notifications.store import preferences_from_row
from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso


async def inbox(conn: AsyncConnection[Any], unread_only: bool, limit: int, offset: int) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT id::text, kind, severity, title, body, aggregate_type, aggregate_id, created_at, read_at
           FROM notifications WHERE (NOT %s OR read_at IS NULL)
           ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s""",
        (unread_only, limit, offset),
    )
    return [with_iso(row, "created_at", "read_at") for row in rows]


async def unread_count(conn: AsyncConnection[Any]) -> int:
    row = await fetch_one(conn, "SELECT count(*) AS unread FROM notifications WHERE read_at IS NULL")
    return int(row["unread"]) if row else 0


async def mark_read(conn: AsyncConnection[Any], notification_id: str) -> bool:
    """Whether the caller has that notification (read now, or before); an id that is no UUID is nobody's."""
    try:
        key = uuid.UUID(notification_id)
    except ValueError:
        return False
    row = await fetch_one(
        conn, "UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = %s RETURNING id", (key,)
    )
    return row is not None


async def mark_all_read(conn: AsyncConnection[Any]) -> int:
    rows = await fetch_all(conn, "UPDATE notifications SET read_at = now() WHERE read_at IS NULL RETURNING id")
    return len(rows)


async def preferences(conn: AsyncConnection[Any]) -> Preferences:
    row = await fetch_one(conn, "SELECT channels, quiet_start, quiet_end, timezone FROM notification_preferences")
    return preferences_from_row(row)


async def save_preferences(conn: AsyncConnection[Any], user_id: str, preferences: Preferences) -> None:
    quiet = preferences.quiet_hours
    await conn.execute(
        """INSERT INTO notification_preferences (user_id, channels, quiet_start, quiet_end, timezone, updated_at)
           VALUES (%s, %s, %s, %s, %s, now())
           ON CONFLICT (user_id) DO UPDATE SET channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start,
             quiet_end = EXCLUDED.quiet_end, timezone = EXCLUDED.timezone, updated_at = now()""",
        (
            user_id,
            orjson.dumps(
                {kind: [str(c) for c in channels] for kind, channels in preferences.channels.items()}
            ).decode(),
            quiet.start if quiet else None,
            quiet.end if quiet else None,
            quiet.timezone if quiet else "UTC",
        ),
    )
