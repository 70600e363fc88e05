"""Projection of customs-tariff events: each tenant's tariff tables and the log of their loads.

A table's rows are kept as the aggregate's state (JSON) folded with the domain's own `evolve`, so an
update superseding rows gives exactly what the decider sees; the API rebuilds `TariffTables` from it.
"""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor
from pydantic import TypeAdapter

from sinks.postgres.projection import Projection
from streams.tariff.decider import evolve
from streams.tariff.events import ClassificationConfirmed, TableLoaded
from streams.tariff.tables import TariffTable
from wellwon.envelope import Envelope

TABLE = TypeAdapter(TariffTable)

DDL = (
    """CREATE TABLE IF NOT EXISTS customs_tariff_tables (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        row_count int NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS customs_tariff_tables_tenant ON customs_tariff_tables (tenant_id, kind)",
    """CREATE TABLE IF NOT EXISTS customs_tariff_loads (
        tenant_id text NOT NULL,
        table_id text NOT NULL,
        version bigint NOT NULL,
        kind text NOT NULL,
        mode text NOT NULL,
        row_count int NOT NULL,
        source text NOT NULL,
        actor_id text,
        loaded_at timestamptz NOT NULL,
        PRIMARY KEY (table_id, version)
    )""",
)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    table_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    await cur.execute("SELECT state FROM customs_tariff_tables WHERE id = %s", (table_id,))
    row = await cur.fetchone()
    state = evolve(TABLE.validate_python(row[0]) if row else TariffTable(), event)
    assert state.kind is not None
    await cur.execute(
        """INSERT INTO customs_tariff_tables (id, tenant_id, kind, row_count, state, updated_at, version)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (id) DO UPDATE SET row_count = EXCLUDED.row_count, state = EXCLUDED.state,
               updated_at = EXCLUDED.updated_at, version = EXCLUDED.version""",
        (table_id, state.tenant_id, str(state.kind), len(state.rows.of(state.kind)),
         orjson.dumps(TABLE.dump_python(state, mode="json")).decode(), at, version),
    )  # fmt: skip
    match event:
        case TableLoaded(kind=kind, rows=rows, mode=mode, source=source):
            loaded = (str(kind), str(mode), len(rows.of(kind)), source)
        case ClassificationConfirmed(description=description, code=code):
            loaded = (str(state.kind), "update", 1, f"confirmed {code} for {description[:200]}")
    await cur.execute(
        """INSERT INTO customs_tariff_loads (tenant_id, table_id, version, kind, mode, row_count, source, actor_id,
               loaded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (state.tenant_id, table_id, version, *loaded, envelope.actor_id, at),
    )


TARIFF_TABLES = ("customs_tariff_tables", "customs_tariff_loads")
TARIFF_PROJECTION = Projection(
    domain="customs_tariff", ddl=DDL, tables=TARIFF_TABLES, apply=apply, tenant_tables=TARIFF_TABLES
)
