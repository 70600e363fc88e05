"""Projection of customs-tariff events: each tenant's tariff tables and the log of their loads.

A table's rows are kept as the aggregate's state (JSON) folded with the domain's own `evolve`
(`StateProjection`), so an update superseding rows gives exactly what the decider sees; the API
rebuilds `TariffTables` from it. The history of a table is the log of its loads.
"""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.events import ClassificationConfirmed, TableLoaded
from streams.customs_tariff.tables import TariffTable
from wellwon.envelope import Envelope

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
)


LOAD_COLUMNS = (
    ("kind", "text NOT NULL"),
    ("mode", "text NOT NULL"),
    ("row_count", "int NOT NULL"),
    ("source", "text NOT NULL"),
    ("loaded_at", "timestamptz NOT NULL"),
)


def columns(state: TariffTable, envelope: Envelope, event: Any) -> dict[str, Any]:
    assert state.kind is not None  # every tariff event names the table's kind
    return {"kind": str(state.kind), "row_count": len(state.rows.of(state.kind))}


def load(state: TariffTable, envelope: Envelope, event: Any) -> dict[str, Any]:
    """What a load was: its kind, mode, row count and source (a confirmed classification is a one-row update)."""
    match event:
        case TableLoaded(kind=kind, rows=rows, mode=mode, source=source):
            loaded = {"kind": str(kind), "mode": str(mode), "row_count": len(rows.of(kind)), "source": source}
        case ClassificationConfirmed(description=description, code=code):
            source = f"confirmed {code} for {description[:200]}"
            loaded = {"kind": str(state.kind), "mode": "update", "row_count": 1, "source": source}
        case _:
            raise TypeError(f"not a tariff event: {event!r}")
    return {**loaded, "loaded_at": envelope.occurred_at}


TARIFF_TABLES = StateProjection(
    domain=CUSTOMS_TARIFF,
    table="customs_tariff_tables",
    table_ddl=DDL,
    columns=columns,
    history=History(
        "customs_tariff_loads",
        "table_id",
        extra_columns=LOAD_COLUMNS,
        extra=load,
    ),
)
TARIFF_PROJECTION = TARIFF_TABLES.projection()
