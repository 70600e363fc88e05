"""What a domain gives the Postgres sink: its tables and how each event changes them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from psycopg import AsyncCursor, AsyncRawCursor, errors

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


async def append_rows(
    cur: AsyncCursor[Any], table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], key: str = ""
) -> None:
    """Rows that only add to `table` (a history, the audit trail, outcomes); one whose `key` (e.g. "(event_id)",
    or any unique constraint when empty) is there already is skipped. Inside `appended_by_copy` they are gathered
    and written by COPY when its block ends; otherwise now, as `insert_rows`."""
    gathered = _appends.get()
    if gathered is None:
        await insert_rows(cur, table, columns, rows, f"ON CONFLICT {key} DO NOTHING")
    elif rows:
        gathered.rows.setdefault((table, tuple(columns), key), []).extend(rows)


@dataclass
class _Appends:
    rows: dict[tuple[str, tuple[str, ...], str], list[Sequence[Any]]] = field(default_factory=dict)


_appends: ContextVar[_Appends | None] = ContextVar("appends", default=None)


@contextlib.asynccontextmanager
async def appended_by_copy(cur: AsyncCursor[Any]) -> AsyncIterator[None]:
    """`append_rows` in the block are written by COPY as it ends, not one INSERT per call: Postgres spends a third
    of the CPU on COPY's rows that it spends parsing and planning a multi-row INSERT of them. COPY runs outside
    pipeline mode, so the block must end after a pipeline's.

    COPY has no ON CONFLICT. The sink's positions make a history or audit row already there impossible (an event is
    applied once), but a command's outcome can come twice (re-emitted after a stream worker's crash): then the COPYs
    are undone to a savepoint and the rows inserted as `append_rows` would, skipping what is there."""
    gathered = _Appends()
    token = _appends.set(gathered)
    try:
        yield
    finally:
        _appends.reset(token)
    if not gathered.rows:
        return
    try:
        async with cur.connection.transaction():  # a savepoint
            for (table, columns, _), rows in gathered.rows.items():
                async with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        await copy.write_row(row)
    except errors.UniqueViolation:
        for (table, columns, key), rows in gathered.rows.items():
            await insert_rows(cur, table, columns, rows, f"ON CONFLICT {key} DO NOTHING")
