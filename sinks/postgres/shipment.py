"""Projection of shipment events: each shipment's state (folded by the decider's own `evolve`) and its history.

`shipments` keeps the state as JSON beside the columns lists filter on; the totals are derived from
the cargo items, never typed. `shipment_history` keeps every event, from which the API builds the
timeline with the pure `streams.shipment.timeline`.
"""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor
from pydantic import TypeAdapter

from sinks.postgres.projection import Projection
from sinks.records import public_payload
from streams.shipment.decider import Shipment, evolve
from streams.shipment.events import ShipmentCreated
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS shipments (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        reference text NOT NULL,
        mode text NOT NULL,
        status text NOT NULL,
        incoterm text,
        carrier text,
        booking_reference text,
        package_count bigint NOT NULL,
        gross_weight_kg numeric NOT NULL,
        net_weight_kg numeric,
        volume_m3 numeric,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS shipments_by_created ON shipments (tenant_id, created_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS shipments_by_reference ON shipments (tenant_id, reference text_pattern_ops)",
    """CREATE TABLE IF NOT EXISTS shipment_history (
        shipment_id text NOT NULL,
        version bigint NOT NULL,
        tenant_id text NOT NULL,
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id text,
        payload jsonb NOT NULL,
        PRIMARY KEY (shipment_id, version)
    )""",
)

_STATE: TypeAdapter[Shipment] = TypeAdapter(Shipment)


def state_json(state: Shipment) -> str:
    return orjson.dumps(_STATE.dump_python(state, mode="json")).decode()


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    shipment_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    if isinstance(event, ShipmentCreated):
        state = evolve(Shipment(), event)
        await cur.execute(
            """INSERT INTO shipments (id, tenant_id, reference, mode, status, package_count, gross_weight_kg, state,
                   created_at, updated_at, version) VALUES (%s, %s, %s, %s, %s, 0, 0, %s, %s, %s, %s)
               ON CONFLICT (id) DO NOTHING""",
            (shipment_id, event.tenant_id, event.reference, str(event.mode), str(state.status), state_json(state),
             event.created_at, at, version),
        )  # fmt: skip
    else:
        row = await (await cur.execute("SELECT state FROM shipments WHERE id = %s", (shipment_id,))).fetchone()
        if row is None:
            return  # events of a shipment never created cannot exist; nothing to fold onto
        state = evolve(_STATE.validate_python(row[0]), event)
    totals = state.totals
    await cur.execute(
        """UPDATE shipments SET status = %s, incoterm = %s, carrier = %s, booking_reference = %s, package_count = %s,
               gross_weight_kg = %s, net_weight_kg = %s, volume_m3 = %s, state = %s, updated_at = %s, version = %s
           WHERE id = %s""",
        (str(state.status), state.incoterm and str(state.incoterm), state.carrier and state.carrier.name,
         state.booking_reference, totals.package_count, totals.gross_weight_kg, totals.net_weight_kg,
         totals.volume_m3, state_json(state), at, version, shipment_id),
    )  # fmt: skip
    await cur.execute(
        """INSERT INTO shipment_history (shipment_id, version, tenant_id, event_type, occurred_at, actor_id, payload)
           VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (shipment_id, version, state.tenant_id, envelope.schema_name, at, envelope.actor_id,
         orjson.dumps(public_payload(event)).decode()),
    )  # fmt: skip


SHIPMENT_PROJECTION = Projection(
    domain="shipment",
    ddl=DDL,
    tables=("shipments", "shipment_history"),
    apply=apply,
    tenant_tables=("shipments", "shipment_history"),
)
