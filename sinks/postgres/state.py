"""The one projection of an aggregate's state: fold the event with the domain's own `evolve`, store, log history.

For a domain whose read model is its aggregate's state (shipments, customs declarations, tariff
tables), a `StateProjection` is only data: the state table's lifted columns, the history table and
its extra columns. Per event it reads the stored state (or the decider's initial one), folds the
event with the decider's `evolve` (so the read model cannot drift from the rules), upserts the state
row, and appends one history row in the one history format:

    (tenant_id, <aggregate>_id, version, event_type, actor_id, occurred_at, payload) + extra columns

`event_type` is the event's schema name (decodable with the codec), `payload` its public JSON.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncCursor
from pydantic import TypeAdapter

from sinks.postgres.projection import LaterRows, Projection, append_rows, insert_rows
from sinks.records import public_json
from streams.domain import Domain
from streams.state_json import Dump, state_dump
from wellwon.envelope import Envelope

# Aggregates per upsert statement: in pipeline mode Postgres writes one statement's rows while this process folds
# the next aggregates, instead of waiting for the whole batch to be folded.
UPSERT_ROWS = 250
# Columns of a state row that the first event sets and later ones keep.
KEPT_ON_UPDATE = frozenset({"id", "tenant_id", "created_at"})

Columns = Callable[[Any, Envelope, Any], dict[str, Any]]  # (state, envelope, event) -> column values
AlsoApply = Callable[[AsyncCursor[Any], Envelope, Any, Any], Awaitable[None]]  # (cur, envelope, state, event)


@dataclass(frozen=True)
class History:
    table: str
    id_column: str  # e.g. "shipment_id"
    # Extra columns (name -> SQL type) and their values per event, e.g. a tariff load's kind and row count.
    extra_columns: tuple[tuple[str, str], ...] = ()
    extra: Columns | None = None
    # The history's event_type: the schema name unless a reader still expects another name.
    event_type: Callable[[Envelope, Any], str] | None = None

    def ddl(self) -> tuple[str, ...]:
        extras = "".join(f",\n        {name} {sql_type}" for name, sql_type in self.extra_columns)
        create = f"""CREATE TABLE IF NOT EXISTS {self.table} (
        tenant_id text NOT NULL,
        {self.id_column} text NOT NULL,
        version bigint NOT NULL,
        event_type text NOT NULL,
        actor_id text,
        occurred_at timestamptz NOT NULL,
        payload jsonb NOT NULL{extras},
        PRIMARY KEY ({self.id_column}, version)
    )"""
        # Tables made before the one format gain its columns (nullable for their old rows).
        added = ", ".join(
            f"ADD COLUMN IF NOT EXISTS {name} {sql_type.replace(' NOT NULL', '')}"
            for name, sql_type in (
                ("event_type", "text"), ("occurred_at", "timestamptz"), ("payload", "jsonb"), *self.extra_columns
            )
        )  # fmt: skip
        return create, f"ALTER TABLE {self.table} {added}"


@dataclass(frozen=True)
class StateProjection:
    domain: Domain
    table: str  # columns id, tenant_id, state (jsonb), updated_at, version, and those `columns` gives
    table_ddl: tuple[str, ...]  # the state table and its indexes
    columns: Columns  # the columns lifted out of the state for lists and filters
    history: History
    also: AlsoApply | None = None  # further tables (e.g. a declaration's compliance findings)
    also_ddl: tuple[str, ...] = ()
    also_tables: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.domain.tenancy is None:
            raise ValueError(f"{self.domain.name}: a state projection keeps a tenant's aggregates")

    @property
    def adapter(self) -> TypeAdapter[Any]:
        return _adapter(self.domain.state_type)

    @property
    def dump(self) -> Dump:
        return _dump(self.domain.state_type)

    async def apply(self, cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
        await self.apply_batch(cur, [(envelope, event)])

    async def apply_batch(self, cur: AsyncCursor[Any], events: Sequence[tuple[Envelope, Any]]) -> None:
        """Fold a batch's events per aggregate in memory, upsert the states `UPSERT_ROWS` at a time, append history.

        The same rows as applying them one by one: each aggregate's stored state is read once (or taken from the
        states this connection keeps, when the row still has the version kept) and folded in record order; its row
        gets the last event's values but keeps the first event's `KEPT_ON_UPDATE` ones (the upsert keeps a stored
        row's); an event that leaves no tenant stores nothing.
        """
        tenancy = self.domain.tenancy
        assert tenancy is not None
        evolve, initial = self.domain.decider.evolve, self.domain.decider.initial_state
        dump = self.dump
        by_aggregate: dict[str, list[tuple[Envelope, Any]]] = {}  # each aggregate's events, in record order
        for envelope, event in events:
            by_aggregate.setdefault(envelope.aggregate_id, []).append((envelope, event))
        ids = list(by_aggregate)
        kept = _kept_states(cur, self.table)
        known = [kept[i][0] if i in kept else None for i in ids]
        # The stored state only where this connection does not hold it at the stored version; as text, parsed by
        # pydantic itself: a quarter of the cost of psycopg's json.loads and then validating. (Arrays are bound in
        # binary, %b: a third of the cost of quoting each element as text.)
        await cur.execute(
            f"""SELECT s.id, CASE WHEN s.version = k.kept THEN NULL ELSE s.state::text END
                FROM {self.table} s JOIN unnest(%b::text[], %b::bigint[]) AS k(id, kept) USING (id)""",
            (ids, known),
        )
        stored = {aggregate_id: state for aggregate_id, state in await cur.fetchall()}
        history: list[tuple[Envelope, Any, Any, str]] = []  # (envelope, state, event, tenant): made into rows later
        rows: list[dict[str, Any]] = []
        for aggregate_id, its_events in by_aggregate.items():
            if aggregate_id not in stored:
                current = initial
            elif (text := stored[aggregate_id]) is None:
                current = kept[aggregate_id][1]
            else:
                current = self.adapter.validate_json(text)
            first: dict[str, Any] | None = None  # a new aggregate's kept columns, from its first event here
            last: tuple[Envelope, Any, Any, str] | None = None  # (envelope, event, state, tenant) of its last one
            for envelope, event in its_events:
                state = evolve(current, event)
                tenant_id = tenancy.tenant_of(state)
                if tenant_id is None:
                    continue  # an event of an aggregate never created cannot exist: nothing to fold onto
                current = state
                if first is None and aggregate_id not in stored:  # a stored row keeps its own
                    first = self._row(envelope, event, state, tenant_id)
                last = (envelope, event, state, tenant_id)
                if self.also is not None:
                    await self.also(cur, envelope, state, event)
                history.append((envelope, state, event, tenant_id))
            if last is None:
                continue
            envelope, event, state, tenant_id = last
            values = self._row(envelope, event, state, tenant_id)
            if first is not None:
                values.update((name, first[name]) for name in KEPT_ON_UPDATE if name in values)
            values["state"] = dump(state).decode()
            rows.append(values)
            keep(kept, aggregate_id, envelope.aggregate_version, state)
            if len(rows) == UPSERT_ROWS:
                await self._upsert(cur, rows)
                rows = []
        await self._upsert(cur, rows)
        await append_rows(cur, self.history.table, self._history_columns, LaterRows(history, self._history_row))

    async def _upsert(self, cur: AsyncCursor[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            names = list(rows[0])
            updated = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in KEPT_ON_UPDATE)
            await insert_rows(
                cur, self.table, names, [list(r.values()) for r in rows], f"ON CONFLICT (id) DO UPDATE SET {updated}"
            )

    def _row(self, envelope: Envelope, event: Any, state: Any, tenant_id: str) -> dict[str, Any]:
        """The state row's values but the state itself (dumped once per aggregate and batch)."""
        return {
            "id": envelope.aggregate_id,
            "tenant_id": tenant_id,
            "state": None,
            "updated_at": envelope.occurred_at,
            "version": envelope.aggregate_version,
            **self.columns(state, envelope, event),
        }

    @property
    def _history_columns(self) -> list[str]:
        history = self.history
        base = ["tenant_id", history.id_column, "version", "event_type", "actor_id", "occurred_at", "payload"]
        return base + [name for name, _ in history.extra_columns]

    def _history_row(self, applied: tuple[Envelope, Any, Any, str]) -> list[Any]:
        envelope, state, event, tenant_id = applied
        history = self.history
        event_type = history.event_type(envelope, event) if history.event_type else envelope.schema_name
        extra = history.extra(state, envelope, event) if history.extra else {}
        return [
            tenant_id,
            envelope.aggregate_id,
            envelope.aggregate_version,
            event_type,
            envelope.actor_id,
            envelope.occurred_at,
            public_json(event).decode(),
            *(extra.get(name) for name, _ in history.extra_columns),
        ]

    def projection(self) -> Projection:
        tables = (self.table, *self.also_tables, self.history.table)
        return Projection(
            domain=self.domain.name,
            ddl=(*self.table_ddl, state_compressed_by_lz4(self.table), *self.also_ddl, *self.history.ddl()),
            tables=tables,
            apply=self.apply,
            tenant_tables=tables,
            apply_batch=self.apply_batch,
        )


def state_compressed_by_lz4(table: str) -> str:
    """A state (1-3 KB of JSON) is rewritten once per batch its aggregate is in, and Postgres compresses each one
    that makes its row pass 2 KB: lz4 costs it less than the default pglz (measured, 0.15 s of Postgres's 1.4 s for
    the projection benchmark's 30,000 events). A server built without lz4 keeps pglz; rows written before keep theirs.
    """
    return f"""DO $$ BEGIN
        IF (SELECT attcompression FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attname = 'state')
           IS DISTINCT FROM 'l' THEN
            ALTER TABLE {table} ALTER COLUMN state SET COMPRESSION lz4;
        END IF;
    EXCEPTION WHEN feature_not_supported THEN NULL;
    END $$"""


# How many aggregates' states a connection keeps per state table: a batch folds onto them without reading and
# parsing the stored JSON again (that was a fifth of the sink's time). About a wave of aggregates.
KEPT_STATES = 10_000
KeptStates = dict[str, tuple[int, Any]]  # aggregate id -> (version, state)
# Per connection and state table: aggregate id -> (the version of the row written, its state). Only ever used when
# the row read in the same transaction has that version: a write rolled back is read from the table as before, and
# a row another writer made at that version (a sink during a rebalance, a replay) holds the same state, folded by
# the same `evolve` from the same events. A new connection starts empty.
_kept: weakref.WeakKeyDictionary[Any, dict[str, KeptStates]] = weakref.WeakKeyDictionary()


def _kept_states(cur: AsyncCursor[Any], table: str) -> KeptStates:
    return _kept.setdefault(cur.connection, {}).setdefault(table, {})


def keep(kept: KeptStates, aggregate_id: str, version: int, state: Any, limit: int = KEPT_STATES) -> None:
    """Remember the aggregate's state as written at `version`; beyond `limit`, the least recently written go."""
    kept.pop(aggregate_id, None)
    kept[aggregate_id] = (version, state)
    while len(kept) > limit:
        del kept[next(iter(kept))]


@functools.cache
def _adapter(state_type: type) -> TypeAdapter[Any]:
    return TypeAdapter(state_type)


@functools.cache
def _dump(state_type: type) -> Dump:
    return state_dump(state_type, _adapter(state_type))
