"""Warehouses over HTTP: register, add locations, receive, put away, move, pick, dispatch; stock and movements.

A warehouse's id derives from the tenant and its code. Stock is what the read model folded from
the warehouse's events; taking more than a location holds is refused by the decider (409, with
the quantities in the reason).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field

from api.deps import CurrentSession, PlatformDep, Strict, page_size, require_permission, tenant_db
from api.outcomes import CommandsOn, tenant_row
from sinks.postgres import warehouse_queries
from streams.company.permissions import Action
from streams.warehouse.commands import (
    AddLocation,
    DispatchStock,
    LocationKind,
    MoveStock,
    PickStock,
    PutAway,
    ReceiveStock,
    RegisterWarehouse,
)
from streams.warehouse.decider import warehouse_id_for
from streams.warehouse.domain import WAREHOUSE

router = APIRouter(tags=["warehouses"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such warehouse")


class WarehouseIn(Strict):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=140)
    country: str = Field(min_length=2, max_length=2)
    locode: str | None = None


class LocationIn(Strict):
    code: str = Field(min_length=1, max_length=20)
    kind: LocationKind


class StockLineIn(Strict):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Decimal


class ReceiptIn(StockLineIn):
    location: str
    shipment_reference: str | None = None


class TransferIn(StockLineIn):
    from_location: str
    to_location: str


class PickIn(TransferIn):
    shipment_reference: str | None = None


class DispatchIn(StockLineIn):
    from_location: str
    shipment_reference: str


read_warehouse = tenant_row(warehouse_queries.warehouse, NOT_FOUND)


WAREHOUSES = CommandsOn(WAREHOUSE, read_warehouse, Action.WAREHOUSE_OPERATE)


@router.post("/api/warehouses", status_code=status.HTTP_201_CREATED)
async def register_warehouse(body: WarehouseIn, session: CurrentSession, found: PlatformDep) -> Any:
    tenant_id = require_permission(session, Action.WAREHOUSE_OPERATE)
    message = RegisterWarehouse(body.code, body.name, body.country, body.locode)
    return await WAREHOUSES.send(found, session, warehouse_id_for(tenant_id, body.code), message)


@router.get("/api/warehouses")
async def list_warehouses(session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.WAREHOUSE_READ)
    async with tenant_db(found, session) as conn:
        return await warehouse_queries.warehouses(conn)


@router.get("/api/warehouses/{warehouse_id}")
async def get_warehouse(warehouse_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.WAREHOUSE_READ)
    return await read_warehouse(found, session, warehouse_id)


@router.post("/api/warehouses/{warehouse_id}/locations", status_code=status.HTTP_201_CREATED)
async def add_location(warehouse_id: str, body: LocationIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await WAREHOUSES.send(found, session, warehouse_id, AddLocation(body.code, body.kind))


@router.post("/api/warehouses/{warehouse_id}/receipts")
async def receive(warehouse_id: str, body: ReceiptIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = ReceiveStock(body.sku, body.quantity, body.location, body.shipment_reference)
    return await WAREHOUSES.send(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/put-aways")
async def put_away(warehouse_id: str, body: TransferIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = PutAway(body.sku, body.quantity, body.from_location, body.to_location)
    return await WAREHOUSES.send(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/moves")
async def move(warehouse_id: str, body: TransferIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = MoveStock(body.sku, body.quantity, body.from_location, body.to_location)
    return await WAREHOUSES.send(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/picks")
async def pick(warehouse_id: str, body: PickIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = PickStock(body.sku, body.quantity, body.from_location, body.to_location, body.shipment_reference)
    return await WAREHOUSES.send(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/dispatches")
async def dispatch(warehouse_id: str, body: DispatchIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = DispatchStock(body.sku, body.quantity, body.from_location, body.shipment_reference)
    return await WAREHOUSES.send(found, session, warehouse_id, message)


@router.get("/api/warehouses/{warehouse_id}/stock")
async def stock(
    warehouse_id: str,
    session: CurrentSession,
    found: PlatformDep,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    location: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """Stock on hand per location and SKU (only what is there: no zero lines)."""
    require_permission(session, Action.WAREHOUSE_READ)
    await read_warehouse(found, session, warehouse_id)  # 404 for an unknown or foreign warehouse
    async with tenant_db(found, session) as conn:
        lines = await warehouse_queries.stock(conn, warehouse_id, sku, location and location.upper())
    return {"warehouse_id": warehouse_id, "lines": lines}


@router.get("/api/warehouses/{warehouse_id}/movements")
async def movements(
    warehouse_id: str,
    session: CurrentSession,
    found: PlatformDep,
    limit: Annotated[int, page_size(500)] = 100,
) -> list[dict[str, Any]]:
    require_permission(session, Action.WAREHOUSE_READ)
    await read_warehouse(found, session, warehouse_id)  # 404 unless it is the tenant's
    async with tenant_db(found, session) as conn:
        return await warehouse_queries.movements(conn, warehouse_id, limit)
