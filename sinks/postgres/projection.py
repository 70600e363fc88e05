"""What a domain gives the Postgres sink: its tables and how each event changes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from psycopg import AsyncCursor, AsyncRawCursor

from wellwon.envelope import Envelope

ApplyEvent = Callable[[AsyncCursor[Any], Envelope, Any], Awaitable[None]]
# A batch's events of one projection, in record order: the same effect as `ApplyEvent` on each in turn.
ApplyEvents = Callable[[AsyncCursor[Any], Sequence[tuple[Envelope, Any]]], Awaitable[None]]

# Postgres binds at most 65535 parameters in one statement.
MAX_PARAMETERS = 65_535


@dataclass(frozen=True)
class Projection:
    domain: str
    ddl: tuple[str, ...]  # idempotent statements (CREATE ... IF NOT EXISTS)
    tables: tuple[str, ...]  # dropped and rebuilt by a replay
    apply: ApplyEvent
    # Tables with a `tenant_id` column: row-level security shows the API's role only the rows of
    # the tenant its request set (see sinks/postgres/tenancy.py).
    tenant_tables: tuple[str, ...] = ()
    # Writes the API's role may make beside reading (e.g. "UPDATE (read_at) ON notifications"), under RLS.
    api_grants: tuple[str, ...] = ()
    # A batch at once (multi-row statements); without it, `apply` per event.
    apply_batch: ApplyEvents | None = None

    async def apply_all(self, cur: AsyncCursor[Any], events: Sequence[tuple[Envelope, Any]]) -> None:
        if self.apply_batch is not None:
            await self.apply_batch(cur, events)
            return
        for envelope, event in events:
            await self.apply(cur, envelope, event)


async def insert_rows(
    cur: AsyncCursor[Any], table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str
) -> None:
    """`rows` in as few multi-row INSERTs as the parameter limit allows, each ending with `on_conflict`.

    Values are bound as in a one-row INSERT, so each takes its column's type (text for jsonb, lists for arrays).
    The statement is written with server-side placeholders ($1...) on a raw cursor: psycopg would otherwise
    parse the long statement for %s on every batch, which cost more than the insert.
    """
    if not rows:
        return
    width = len(columns)
    per_statement = max(1, MAX_PARAMETERS // width)
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    raw = AsyncRawCursor(cur.connection)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        await raw.execute(head + _placeholders(len(chunk), width) + " " + on_conflict, [v for r in chunk for v in r])


@lru_cache(maxsize=64)
def _placeholders(rows: int, width: int) -> str:
    return ", ".join(
        "(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")" for row in range(rows)
    )
