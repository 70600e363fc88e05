"""What a domain gives the Postgres sink: its tables and how each event changes them."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from psycopg import AsyncCursor, AsyncRawCursor, errors, postgres, pq
from psycopg.abc import Buffer
from psycopg.adapt import Dumper

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


@dataclass(frozen=True)
class LaterRows:
    """Rows made only as they are written, one per source (None: no row for it). Inside `appended_by_copy` that is
    while COPY streams the rows before them, so Postgres stores those while this process makes the next ones (the
    audit trail's and the histories' rows were a third of the sink's own CPU, spent before COPY began). Made again
    if written twice (see `appended_by_copy`): a row must depend only on its source."""

    sources: Sequence[Any]
    make: Callable[[Any], Sequence[Any] | None]

    def __iter__(self) -> Iterator[Sequence[Any]]:
        make = self.make
        for source in self.sources:
            if (row := make(source)) is not None:
                yield row


Rows = Sequence[Sequence[Any]] | LaterRows  # either can be read twice


async def append_rows(cur: AsyncCursor[Any], table: str, columns: Sequence[str], rows: Rows, key: str = "") -> None:
    """Rows that only add to `table` (a history, the audit trail, outcomes); one whose `key` (e.g. "(event_id)",
    or any unique constraint when empty) is there already is skipped. Inside `appended_by_copy` they are gathered
    and written by COPY when its block ends; otherwise now, as `insert_rows`."""
    gathered = _appends.get()
    if gathered is None:
        made = rows if isinstance(rows, Sequence) else list(rows)
        await insert_rows(cur, table, columns, made, f"ON CONFLICT {key} DO NOTHING")
    elif not isinstance(rows, Sequence) or rows:
        gathered.rows.setdefault((table, tuple(columns), key), []).append(rows)


@dataclass
class _Appends:
    rows: dict[tuple[str, tuple[str, ...], str], list[Rows]] = field(default_factory=dict)


_appends: ContextVar[_Appends | None] = ContextVar("appends", default=None)


@contextlib.asynccontextmanager
async def appended_by_copy(cur: AsyncCursor[Any]) -> AsyncIterator[None]:
    """`append_rows` in the block are written by COPY as it ends, not one INSERT per call: Postgres spends a third
    of the CPU on COPY's rows that it spends parsing and planning a multi-row INSERT of them. COPY runs outside
    pipeline mode, so the block must end after a pipeline's.

    Binary COPY where the table's column types allow it (`BINARY_COPY_TYPES`), text COPY otherwise. COPY has no
    ON CONFLICT. The sink's positions make a history or audit row already there impossible (an event is
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
            for (table, columns, _), parts in gathered.rows.items():
                await copy_rows(cur, table, columns, parts)
    except errors.UniqueViolation:
        for (table, columns, key), parts in gathered.rows.items():
            made = [row for rows in parts for row in rows]
            await insert_rows(cur, table, columns, made, f"ON CONFLICT {key} DO NOTHING")


async def copy_rows(cur: AsyncCursor[Any], table: str, columns: Sequence[str], parts: Iterable[Rows]) -> None:
    """The rows of every part into `table` by one COPY: binary where the columns' types allow it, text otherwise."""
    types = await _binary_copy_types(cur, table, tuple(columns))
    binary = " (FORMAT BINARY)" if types is not None else ""
    async with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
        if types is not None:
            cur.adapters.register_dumper(None, _JsonTextBinaryDumper)  # this cursor's, by oid only
            copy.set_types(types)
        for rows in parts:
            for row in rows:
                await copy.write_row(row)


# Column types whose values the sink hands over as psycopg dumps them by the column's type in binary COPY: the row's
# str, int, tz-aware datetime, bool, and JSON already written as text (see `_JsonTextBinaryDumper`). Binary COPY
# spares this process the escaping of every text value and Postgres the parsing of timestamps and numbers: psycopg
# formats a history row and an audit row in 1.6 us instead of 4.6 us, and the COPYs of the projection benchmark took
# 0.69-0.76 s instead of 0.97-1.10 s. A table with any other type (a uuid, an array) is COPYed as text.
BINARY_COPY_TYPES = frozenset({"text", "int8", "int4", "timestamptz", "bool", "jsonb"})


class _JsonTextBinaryDumper(Dumper):
    """JSON the sink wrote itself (a str) as jsonb's binary form: a version byte, then the text. Registered for the
    oid only (a COPY's `set_types`), so no value of any Python type is dumped by it elsewhere."""

    format = pq.Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> Buffer:
        return b"\x01" + (obj.encode() if isinstance(obj, str) else bytes(obj))


# Per connection: (table, columns) -> the columns' type names for binary COPY, or None for a text COPY.
_copy_types: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], list[str] | None]] = (
    weakref.WeakKeyDictionary()
)


async def _binary_copy_types(cur: AsyncCursor[Any], table: str, columns: tuple[str, ...]) -> list[str] | None:
    known = _copy_types.setdefault(cur.connection, {})
    if (table, columns) not in known:
        await cur.execute(
            """SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
               WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped""",
            (table,),
        )
        found = {name: type_name for name, type_name in await cur.fetchall()}
        types = [found.get(column, "") for column in columns]
        known[table, columns] = types if all(t in BINARY_COPY_TYPES for t in types) else None
    return known[table, columns]
