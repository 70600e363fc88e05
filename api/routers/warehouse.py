"""Warehouses over HTTP: register, add locations, receive, put away, move, pick, dispatch; stock and movements.

A warehouse's id derives from the tenant and its code. Stock is what the read model folded from
the warehouse's events; taking more than a location holds is refused by the decider (409, with
the quantities in the reason).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import Field

from api.auth import CurrentSession, Session, require_permission, tenant_db
from api.outcomes import send_command
from api.routers.company import PlatformDep, Strict, issued
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


class Line(Strict):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Decimal


class ReceiptIn(Line):
    location: str
    shipment_reference: str | None = None


class TransferIn(Line):
    from_location: str
    to_location: str


class PickIn(TransferIn):
    shipment_reference: str | None = None


class DispatchIn(Line):
    from_location: str
    shipment_reference: str


async def read_warehouse(found: PlatformDep, session: Session, warehouse_id: str) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        row = await (
            await conn.execute(
                "SELECT id, code, name, country, locode, created_at, version FROM warehouses WHERE id = %s",
                (warehouse_id,),
            )
        ).fetchone()
        if row is None:
            raise NOT_FOUND
        locations = await (
            await conn.execute(
                "SELECT code, kind FROM warehouse_locations WHERE warehouse_id = %s ORDER BY code", (warehouse_id,)
            )
        ).fetchall()
    return {
        "id": row[0],
        "code": row[1],
        "name": row[2],
        "country": row[3],
        "locode": row[4],
        "created_at": row[5].isoformat(),
        "version": row[6],
        "locations": [{"code": code, "kind": kind} for code, kind in locations],
    }


async def command(found: PlatformDep, session: Session, warehouse_id: str, message: Any) -> Any:
    """Send a warehouse command as the caller; the warehouse as the read model shows it afterwards."""
    require_permission(session, Action.WAREHOUSE_OPERATE)
    outcome = await send_command(found, WAREHOUSE, warehouse_id, message, issued(session))
    if isinstance(outcome, JSONResponse):
        return outcome
    return await read_warehouse(found, session, warehouse_id)


@router.post("/api/warehouses", status_code=status.HTTP_201_CREATED)
async def register_warehouse(body: WarehouseIn, session: CurrentSession, found: PlatformDep) -> Any:
    tenant_id = require_permission(session, Action.WAREHOUSE_OPERATE)
    message = RegisterWarehouse(body.code, body.name, body.country, body.locode)
    return await command(found, session, warehouse_id_for(tenant_id, body.code), message)


@router.get("/api/warehouses")
async def list_warehouses(session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.WAREHOUSE_READ)
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute("SELECT id, code, name, country, locode FROM warehouses ORDER BY code")
        ).fetchall()
    return [{"id": r[0], "code": r[1], "name": r[2], "country": r[3], "locode": r[4]} for r in rows]


@router.get("/api/warehouses/{warehouse_id}")
async def get_warehouse(warehouse_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.WAREHOUSE_READ)
    return await read_warehouse(found, session, warehouse_id)


@router.post("/api/warehouses/{warehouse_id}/locations", status_code=status.HTTP_201_CREATED)
async def add_location(warehouse_id: str, body: LocationIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await command(found, session, warehouse_id, AddLocation(body.code, body.kind))


@router.post("/api/warehouses/{warehouse_id}/receipts")
async def receive(warehouse_id: str, body: ReceiptIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = ReceiveStock(body.sku, body.quantity, body.location, body.shipment_reference)
    return await command(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/put-aways")
async def put_away(warehouse_id: str, body: TransferIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = PutAway(body.sku, body.quantity, body.from_location, body.to_location)
    return await command(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/moves")
async def move(warehouse_id: str, body: TransferIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = MoveStock(body.sku, body.quantity, body.from_location, body.to_location)
    return await command(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/picks")
async def pick(warehouse_id: str, body: PickIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = PickStock(body.sku, body.quantity, body.from_location, body.to_location, body.shipment_reference)
    return await command(found, session, warehouse_id, message)


@router.post("/api/warehouses/{warehouse_id}/dispatches")
async def dispatch(warehouse_id: str, body: DispatchIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = DispatchStock(body.sku, body.quantity, body.from_location, body.shipment_reference)
    return await command(found, session, warehouse_id, message)


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
        rows = await (
            await conn.execute(
                """SELECT location, sku, quantity FROM warehouse_stock
                   WHERE warehouse_id = %s AND (%s::text IS NULL OR sku = %s) AND (%s::text IS NULL OR location = %s)
                   ORDER BY location, sku""",
                (warehouse_id, sku, sku, location and location.upper(), location and location.upper()),
            )
        ).fetchall()
    return {
        "warehouse_id": warehouse_id,
        "lines": [{"location": r[0], "sku": r[1], "quantity": str(r[2])} for r in rows],
    }


@router.get("/api/warehouses/{warehouse_id}/movements")
async def movements(
    warehouse_id: str,
    session: CurrentSession,
    found: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    require_permission(session, Action.WAREHOUSE_READ)
    await read_warehouse(found, session, warehouse_id)  # 404 unless it is the tenant's
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                """SELECT version, kind, sku, quantity, from_location, to_location, shipment_reference, occurred_at
                   FROM warehouse_movements WHERE warehouse_id = %s ORDER BY version DESC LIMIT %s""",
                (warehouse_id, limit),
            )
        ).fetchall()
    return [
        {"version": r[0], "kind": r[1], "sku": r[2], "quantity": str(r[3]), "from_location": r[4],
         "to_location": r[5], "shipment_reference": r[6], "occurred_at": r[7].isoformat()}
        for r in rows
    ]  # fmt: skip
