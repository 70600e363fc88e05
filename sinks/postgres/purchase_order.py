"""Projection of purchase order events: each order's state, lifted columns for lists, and its history."""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.purchase_order.decider import PurchaseOrder
from streams.purchase_order.domain import PURCHASE_ORDER
from streams.purchase_order.events import PurchaseOrderCreated
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS purchase_orders (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        reference text NOT NULL,
        status text NOT NULL,
        supplier_name text NOT NULL,
        supplier_country text NOT NULL,
        currency text NOT NULL,
        total numeric NOT NULL,
        prepayment numeric NOT NULL,
        incoterm text NOT NULL,
        expected_delivery date,
        owner_id text,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS purchase_orders_by_created ON purchase_orders (tenant_id, created_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS purchase_orders_by_status ON purchase_orders (tenant_id, status)",
)


def columns(state: PurchaseOrder, envelope: Envelope, event: Any) -> dict[str, Any]:
    assert state.terms is not None  # every event follows the create
    return {
        "reference": state.reference,
        "status": str(state.status),
        "supplier_name": state.terms.supplier.bank.name,
        "supplier_country": state.terms.supplier.bank.country,
        "currency": state.terms.currency,
        "total": state.total,
        "prepayment": state.prepayment_amount,
        "incoterm": str(state.terms.incoterm),
        "expected_delivery": state.terms.expected_delivery,
        "owner_id": state.owner_id,
        "created_at": event.created_at if isinstance(event, PurchaseOrderCreated) else envelope.occurred_at,
    }


PURCHASE_ORDERS = StateProjection(
    domain=PURCHASE_ORDER,
    table="purchase_orders",
    table_ddl=DDL,
    columns=columns,
    history=History("purchase_order_history", "purchase_order_id"),
)
PURCHASE_ORDER_PROJECTION = PURCHASE_ORDERS.projection()
