"""Projection of shipment events: each shipment's state and its history (`StateProjection`).

`shipments` keeps the state as JSON beside the columns lists filter on; the totals are derived from
the cargo items, never typed. `shipment_history` keeps every event, from which the API builds the
timeline with the pure `streams.shipment.timeline`.
"""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.shipment.decider import Shipment
from streams.shipment.domain import SHIPMENT
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
)


def columns(state: Shipment, envelope: Envelope, event: Any) -> dict[str, Any]:
    totals = state.totals
    return {
        "reference": state.reference,
        "mode": str(state.mode),
        "status": str(state.status),
        "incoterm": state.incoterm and str(state.incoterm),
        "carrier": state.carrier and state.carrier.name,
        "booking_reference": state.booking_reference,
        "package_count": totals.package_count,
        "gross_weight_kg": totals.gross_weight_kg,
        "net_weight_kg": totals.net_weight_kg,
        "volume_m3": totals.volume_m3,
        # when the shipment was created, as its creator said; set once (see KEPT_ON_UPDATE)
        "created_at": event.created_at if isinstance(event, ShipmentCreated) else envelope.occurred_at,
    }


SHIPMENTS = StateProjection(
    domain=SHIPMENT,
    table="shipments",
    table_ddl=DDL,
    columns=columns,
    history=History("shipment_history", "shipment_id"),
)
SHIPMENT_PROJECTION = SHIPMENTS.projection()
