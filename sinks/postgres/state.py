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

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from psycopg import AsyncCursor
from pydantic import TypeAdapter

from sinks.postgres.projection import Projection
from sinks.records import public_payload
from streams.domain import Domain
from wellwon.envelope import Envelope

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

    async def apply(self, cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
        assert self.domain.tenancy is not None
        aggregate_id = envelope.aggregate_id
        await cur.execute(f"SELECT state FROM {self.table} WHERE id = %s", (aggregate_id,))
        row = await cur.fetchone()
        current = self.adapter.validate_python(row[0]) if row else self.domain.decider.initial_state
        state = self.domain.decider.evolve(current, event)
        tenant_id = self.domain.tenancy.tenant_of(state)
        if tenant_id is None:
            return  # an event of an aggregate never created cannot exist: nothing to fold onto
        values = {
            "id": aggregate_id,
            "tenant_id": tenant_id,
            "state": orjson.dumps(self.adapter.dump_python(state, mode="json")).decode(),
            "updated_at": envelope.occurred_at,
            "version": envelope.aggregate_version,
            **self.columns(state, envelope, event),
        }
        names = list(values)
        updated = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in KEPT_ON_UPDATE)
        await cur.execute(
            f"""INSERT INTO {self.table} ({", ".join(names)}) VALUES ({", ".join(["%s"] * len(names))})
                ON CONFLICT (id) DO UPDATE SET {updated}""",
            list(values.values()),
        )
        if self.also is not None:
            await self.also(cur, envelope, state, event)
        await self._log(cur, envelope, state, event, tenant_id)

    async def _log(self, cur: AsyncCursor[Any], envelope: Envelope, state: Any, event: Any, tenant_id: str) -> None:
        history = self.history
        event_type = history.event_type(envelope, event) if history.event_type else envelope.schema_name
        values = {
            "tenant_id": tenant_id,
            history.id_column: envelope.aggregate_id,
            "version": envelope.aggregate_version,
            "event_type": event_type,
            "actor_id": envelope.actor_id,
            "occurred_at": envelope.occurred_at,
            "payload": orjson.dumps(public_payload(event)).decode(),
            **(history.extra(state, envelope, event) if history.extra else {}),
        }
        await cur.execute(
            f"""INSERT INTO {history.table} ({", ".join(values)}) VALUES ({", ".join(["%s"] * len(values))})
                ON CONFLICT DO NOTHING""",
            list(values.values()),
        )

    def projection(self) -> Projection:
        tables = (self.table, *self.also_tables, self.history.table)
        return Projection(
            domain=self.domain.name,
            ddl=(*self.table_ddl, *self.also_ddl, *self.history.ddl()),
            tables=tables,
            apply=self.apply,
            tenant_tables=tables,
        )


_adapters: dict[type, TypeAdapter[Any]] = {}


def _adapter(state_type: type) -> TypeAdapter[Any]:
    if state_type not in _adapters:
        _adapters[state_type] = TypeAdapter(state_type)
    return _adapters[state_type]
