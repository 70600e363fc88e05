"""Purchase orders over HTTP: create, edit, approve, send, confirm, receive, close, cancel, link; lists and reads.

An order's id derives from the client's Idempotency-Key (a retried create names the same order), else is
fresh. The prepayment steps (asked, settled, returned, released) have no route: the lead's saga sends them.
`GET /api/purchase-orders/{id}/declaration-items` is the order's lines as customs goods items, to prefill a
declaration; the console suggests HS codes for a line's description through `GET /api/customs/classify`.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field, TypeAdapter

from api.deps import (
    CurrentSession,
    Offset,
    PlatformDep,
    Strict,
    page_size,
    require_permission,
    tenant_db,
)
from api.idempotency import created_id
from api.outcomes import CommandsOn, tenant_row
from sinks.postgres import purchase_order_queries
from sinks.postgres.purchase_order_queries import OrderFilter
from streams.company.permissions import Action
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ConfirmPurchaseOrder,
    CreatePurchaseOrder,
    EditPurchaseOrder,
    LinkDeclaration,
    LinkShipment,
    OrderTerms,
    ReceiveGoods,
    SendToSupplier,
)
from streams.purchase_order.customs_prefill import declaration_items
from streams.purchase_order.decider import OrderStatus, PurchaseOrder
from streams.purchase_order.domain import PURCHASE_ORDER

router = APIRouter(tags=["purchase orders"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such purchase order")
ORDER_NAMESPACE = uuid.UUID("3f0c9a1e-7b2d-4e6f-a8c1-92d4b5e6f701")
STATE = TypeAdapter(PurchaseOrder)


class OrderIn(Strict):
    reference: str = Field(min_length=1, max_length=40)
    terms: OrderTerms


class TermsIn(Strict):
    terms: OrderTerms


class ConfirmIn(Strict):
    supplier_reference: str = Field(default="", max_length=64)
    confirmed_delivery: date | None = None


class ReceiptIn(Strict):
    line_no: int = Field(ge=1)
    quantity: Decimal
    received_on: date
    shipment_id: str | None = Field(default=None, max_length=64)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class CloseIn(Strict):
    reason: str = Field(default="", max_length=500)


class LinkIn(Strict):
    id: str = Field(min_length=1, max_length=64)


read_order = tenant_row(purchase_order_queries.purchase_order, NOT_FOUND)


ORDERS = CommandsOn(PURCHASE_ORDER, read_order, Action.FINANCE_PO_EDIT)


@router.post("/api/purchase-orders", status_code=status.HTTP_201_CREATED)
async def create_order(body: OrderIn, session: CurrentSession, found: PlatformDep) -> Any:
    require_permission(session, Action.FINANCE_PO_EDIT)
    order_id = created_id(ORDER_NAMESPACE)
    message = CreatePurchaseOrder(body.reference, body.terms)
    return await ORDERS.send(found, session, order_id, message)


@router.get("/api/purchase-orders")
async def list_orders(
    session: CurrentSession,
    found: PlatformDep,
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    supplier: Annotated[str | None, Query(max_length=140, description="part of the supplier's name")] = None,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    matching = OrderFilter(
        statuses=tuple(str(s) for s in status_ or ()), supplier=supplier, currency=currency and currency.upper()
    )
    async with tenant_db(found, session) as conn:
        items, total = await purchase_order_queries.purchase_orders(conn, matching, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/api/purchase-orders/{order_id}")
async def get_order(order_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await read_order(found, session, order_id)


@router.get("/api/purchase-orders/{order_id}/history")
async def order_history(order_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    await read_order(found, session, order_id)  # 404 unless it is the tenant's
    async with tenant_db(found, session) as conn:
        return await purchase_order_queries.purchase_order_history(conn, order_id)


@router.get("/api/purchase-orders/{order_id}/declaration-items")
async def order_declaration_items(order_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """The order's lines as customs goods items (to prefill a declaration), with what each still lacks."""
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        state = await purchase_order_queries.purchase_order_state(conn, order_id)
    if state is None:
        raise NOT_FOUND
    order = STATE.validate_python(state)
    assert order.terms is not None
    items = declaration_items(order_id, order.terms)
    return {
        "purchase_order_id": order_id,
        "items": [
            {
                "order_line_no": each.order_line_no,
                "missing": list(each.missing),
                "item": {
                    name: str(value) if isinstance(value, Decimal) else value
                    for name, value in asdict(each.item).items()
                },
            }
            for each in items
        ],
    }


@router.put("/api/purchase-orders/{order_id}")
async def edit_order(order_id: str, body: TermsIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await ORDERS.send(found, session, order_id, EditPurchaseOrder(body.terms))


@router.post("/api/purchase-orders/{order_id}/approve")
async def approve_order(order_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Approve as the caller's role, within its limit for the order's currency (403 naming the limit above it)."""
    return await ORDERS.send(found, session, order_id, ApprovePurchaseOrder(), Action.FINANCE_PO_APPROVE)


@router.post("/api/purchase-orders/{order_id}/send")
async def send_order(order_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Send an approved order needing no prepayment (with one, the saga sends it once the money settles)."""
    return await ORDERS.send(found, session, order_id, SendToSupplier())


@router.post("/api/purchase-orders/{order_id}/confirm")
async def confirm_order(order_id: str, body: ConfirmIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = ConfirmPurchaseOrder(body.supplier_reference, body.confirmed_delivery)
    return await ORDERS.send(found, session, order_id, message)


@router.post("/api/purchase-orders/{order_id}/receipts")
async def receive_goods(order_id: str, body: ReceiptIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = ReceiveGoods(body.line_no, body.quantity, body.received_on, body.shipment_id)
    return await ORDERS.send(found, session, order_id, message)


@router.post("/api/purchase-orders/{order_id}/close")
async def close_order(order_id: str, body: CloseIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await ORDERS.send(found, session, order_id, ClosePurchaseOrder(body.reason))


@router.post("/api/purchase-orders/{order_id}/cancel")
async def cancel_order(order_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await ORDERS.send(found, session, order_id, CancelPurchaseOrder(body.reason))


@router.post("/api/purchase-orders/{order_id}/shipments")
async def link_shipment(order_id: str, body: LinkIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await ORDERS.send(found, session, order_id, LinkShipment(body.id))


@router.post("/api/purchase-orders/{order_id}/declarations")
async def link_declaration(order_id: str, body: LinkIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await ORDERS.send(found, session, order_id, LinkDeclaration(body.id))
