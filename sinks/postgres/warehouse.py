"""Projection of warehouse events: warehouses, their locations, stock per location and SKU, and movements.

Stock rows change only by the movement each event is (`streams.warehouse.stock.movement_of`), the
same fold the decider keeps, so the read model and the rule against negative stock agree.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from streams.warehouse.events import LocationAdded, WarehouseRegistered
from streams.warehouse.stock import movement_of
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS warehouses (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        code text NOT NULL,
        name text NOT NULL,
        country text NOT NULL,
        locode text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS warehouse_locations (
        warehouse_id text NOT NULL,
        code text NOT NULL,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        PRIMARY KEY (warehouse_id, code)
    )""",
    """CREATE TABLE IF NOT EXISTS warehouse_stock (
        warehouse_id text NOT NULL,
        location text NOT NULL,
        sku text NOT NULL,
        tenant_id text NOT NULL,
        quantity numeric NOT NULL,
        PRIMARY KEY (warehouse_id, location, sku)
    )""",
    """CREATE TABLE IF NOT EXISTS warehouse_movements (
        warehouse_id text NOT NULL,
        version bigint NOT NULL,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        sku text NOT NULL,
        quantity numeric NOT NULL,
        from_location text,
        to_location text,
        shipment_reference text,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (warehouse_id, version)
    )""",
)


async def _adjust(
    cur: AsyncCursor[Any], warehouse_id: str, tenant_id: str, location: str, sku: str, change: Any
) -> None:
    await cur.execute(
        """INSERT INTO warehouse_stock (warehouse_id, location, sku, tenant_id, quantity) VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (warehouse_id, location, sku)
           DO UPDATE SET quantity = warehouse_stock.quantity + EXCLUDED.quantity""",
        (warehouse_id, location, sku, tenant_id, change),
    )
    await cur.execute(
        "DELETE FROM warehouse_stock WHERE warehouse_id = %s AND location = %s AND sku = %s AND quantity = 0",
        (warehouse_id, location, sku),
    )


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    warehouse_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    tenant_id = envelope.tenant_id or ""
    match event:
        case WarehouseRegistered():
            await cur.execute(
                """INSERT INTO warehouses (id, tenant_id, code, name, country, locode, created_at, updated_at, version)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING""",
                (warehouse_id, event.tenant_id, event.code, event.name, event.country, event.locode, at, at, version),
            )
        case LocationAdded(code=code, kind=kind):
            await cur.execute(
                """INSERT INTO warehouse_locations (warehouse_id, code, tenant_id, kind) VALUES (%s, %s, %s, %s)
                   ON CONFLICT DO NOTHING""",
                (warehouse_id, code, tenant_id, str(kind)),
            )
    movement = movement_of(event)
    if movement is not None:
        if movement.from_location is not None:
            await _adjust(cur, warehouse_id, tenant_id, movement.from_location, movement.sku, -movement.quantity)
        if movement.to_location is not None:
            await _adjust(cur, warehouse_id, tenant_id, movement.to_location, movement.sku, movement.quantity)
        await cur.execute(
            """INSERT INTO warehouse_movements (warehouse_id, version, tenant_id, kind, sku, quantity, from_location,
                   to_location, shipment_reference, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT DO NOTHING""",
            (warehouse_id, version, tenant_id, type(event).__name__, movement.sku, movement.quantity,
             movement.from_location, movement.to_location, getattr(event, "shipment_reference", None), at),
        )  # fmt: skip
    await cur.execute("UPDATE warehouses SET updated_at = %s, version = %s WHERE id = %s", (at, version, warehouse_id))


WAREHOUSE_PROJECTION = Projection(
    domain="warehouse",
    ddl=DDL,
    tables=("warehouses", "warehouse_locations", "warehouse_stock", "warehouse_movements"),
    apply=apply,
    tenant_tables=("warehouses", "warehouse_locations", "warehouse_stock", "warehouse_movements"),
)
