"""Shipments over HTTP: create, change, book, move and finish a shipment; list, read and trace it.

A shipment's id derives from the tenant and its reference (`shipment_id_for`), the reference being
what partners' EDI messages quote. Every route serves the caller's active company only; another
tenant's id answers 404. Commands are decided by the stream's shipment decider: its rejection
comes back as 422 (naming the field) or 409 (an illegal transition), with the reason.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AwareDatetime, Field

from api.deps import (
    CurrentSession,
    Offset,
    PlatformDep,
    Strict,
    page_size,
    require_permission,
    tenant_db,
)
from api.outcomes import CommandsOn, tenant_row
from sinks.postgres import shipment_queries
from sinks.postgres.shipment_queries import ShipmentFilter
from streams.company.permissions import Action
from streams.registry import codec
from streams.shipment.cargo import CargoItem, DangerousGoods
from streams.shipment.commands import (
    AttachEquipment,
    BookShipment,
    CancelShipment,
    CreateShipment,
    DeclareCargoItem,
    DetachEquipment,
    NoteTransportEvent,
    PlanMilestone,
    PlanRoute,
    RaiseException,
    RecordMilestone,
    RemoveCargoItem,
    ResolveException,
    SetIncoterm,
    SetParties,
)
from streams.shipment.details import Carrier, Equipment, EquipmentKind, ExceptionKind, Party, RouteLeg, TransportMode
from streams.shipment.domain import SHIPMENT
from streams.shipment.identifiers import shipment_id_for
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from streams.shipment.timeline import timeline

router = APIRouter(tags=["shipments"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such shipment")


class PartyIn(Strict):
    name: str = Field(min_length=1, max_length=140)
    address: str = Field(min_length=1, max_length=280)
    country: str = Field(min_length=2, max_length=2)
    city: str | None = Field(None, max_length=70)
    postal_code: str | None = Field(None, max_length=17)


class ShipmentIn(Strict):
    reference: str = Field(min_length=1, max_length=35, description="quoted back by partners' EDI messages")
    mode: TransportMode
    incoterm: Incoterm | None = None
    incoterm_place: str | None = Field(None, max_length=70)
    shipper: PartyIn | None = None
    consignee: PartyIn | None = None
    notify: PartyIn | None = None


class PartiesIn(Strict):
    shipper: PartyIn | None = None
    consignee: PartyIn | None = None
    notify: PartyIn | None = None


class IncotermIn(Strict):
    incoterm: Incoterm
    incoterm_place: str = Field(min_length=1, max_length=70)


class LegIn(Strict):
    origin: str = Field(description="UN/LOCODE, e.g. DEHAM")
    destination: str
    mode: TransportMode
    conveyance: str | None = None
    planned_departure: AwareDatetime | None = None
    planned_arrival: AwareDatetime | None = None


class RouteIn(Strict):
    legs: list[LegIn] = Field(min_length=1, max_length=20)


class CarrierIn(Strict):
    name: str = Field(min_length=1, max_length=140)
    scac: str | None = None


class BookingIn(Strict):
    carrier: CarrierIn
    booking_reference: str = Field(min_length=1, max_length=35)
    booked_at: AwareDatetime | None = None


class EquipmentIn(Strict):
    kind: EquipmentKind
    identifier: str = Field(min_length=1, max_length=20, description="ISO 6346 container number or plate")
    size_type: str | None = None
    seal_number: str | None = None


class DangerousGoodsIn(Strict):
    un_number: str
    hazard_class: str


class CargoItemIn(Strict):
    description: str = Field(min_length=1, max_length=350)
    package_count: int = Field(ge=1)
    package_type: str = Field(description="UN/ECE Rec 21 code, e.g. CT, PX, DR")
    gross_weight_kg: Decimal
    net_weight_kg: Decimal | None = None
    volume_m3: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    hs_code: str | None = None
    dangerous_goods: DangerousGoodsIn | None = None


class PlanIn(Strict):
    milestone: Milestone
    planned_at: AwareDatetime


class MilestoneIn(Strict):
    milestone: Milestone
    actual_at: AwareDatetime
    place: str | None = Field(None, description="UN/LOCODE")
    note: str | None = Field(None, max_length=500)


class TransportEventIn(Strict):
    description: str = Field(min_length=1, max_length=350)
    occurred_at: AwareDatetime
    place: str | None = None
    code: str | None = None


class ExceptionIn(Strict):
    kind: ExceptionKind
    reason: str = Field(min_length=1, max_length=500)
    exception_id: str | None = Field(None, max_length=35)
    raised_at: AwareDatetime | None = None


class ResolutionIn(Strict):
    resolution: str = Field(min_length=1, max_length=500)
    resolved_at: AwareDatetime | None = None


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


def _party(party: PartyIn | None) -> Party | None:
    return Party(**party.model_dump()) if party else None


read_shipment = tenant_row(shipment_queries.shipment, NOT_FOUND)


SHIPMENTS = CommandsOn(SHIPMENT, read_shipment, Action.SHIPMENT_UPDATE)


@router.post("/api/shipments", status_code=status.HTTP_201_CREATED)
async def create_shipment(body: ShipmentIn, session: CurrentSession, found: PlatformDep) -> Any:
    tenant_id = require_permission(session, Action.SHIPMENT_CREATE)
    message = CreateShipment(
        reference=body.reference,
        mode=body.mode,
        incoterm=body.incoterm,
        incoterm_place=body.incoterm_place,
        shipper=_party(body.shipper),
        consignee=_party(body.consignee),
        notify=_party(body.notify),
    )
    shipment_id = shipment_id_for(tenant_id, body.reference)
    return await SHIPMENTS.send(found, session, shipment_id, message, Action.SHIPMENT_CREATE)


@router.get("/api/shipments")
async def list_shipments(
    session: CurrentSession,
    found: PlatformDep,
    status_: Annotated[list[ShipmentStatus] | None, Query(alias="status")] = None,
    mode: TransportMode | None = None,
    reference: Annotated[str | None, Query(description="reference prefix", max_length=35)] = None,
    created_from: date | None = None,
    created_to: date | None = None,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    require_permission(session, Action.SHIPMENT_READ)
    matching = ShipmentFilter(
        statuses=tuple(str(s) for s in status_ or ()),
        mode=str(mode) if mode else None,
        reference_prefix=reference.strip().upper() if reference else None,
        created_from=created_from,
        created_to=created_to,
    )
    async with tenant_db(found, session) as conn:
        items, total = await shipment_queries.shipments(conn, matching, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/api/shipments/{shipment_id}")
async def get_shipment(shipment_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.SHIPMENT_READ)
    return await read_shipment(found, session, shipment_id)


@router.get("/api/shipments/{shipment_id}/timeline")
async def shipment_timeline(shipment_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """What happened, when, where and who reported it, rebuilt from the shipment's events."""
    require_permission(session, Action.SHIPMENT_READ)
    async with tenant_db(found, session) as conn:
        status_now = await shipment_queries.shipment_status(conn, shipment_id)
        if status_now is None:
            raise NOT_FOUND
        history = await shipment_queries.shipment_history(conn, shipment_id)
    events = [codec().payloads.decode_dict(name, payload) for name, payload in history]
    return {
        "shipment_id": shipment_id,
        "status": status_now,
        "entries": [
            {
                "at": entry.at.isoformat(),
                "kind": entry.kind,
                "description": entry.description,
                "place": entry.place,
                "source": entry.source,
                "milestone": entry.milestone,
            }
            for entry in timeline(events)
        ],
    }


@router.put("/api/shipments/{shipment_id}/parties")
async def set_parties(shipment_id: str, body: PartiesIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = SetParties(_party(body.shipper), _party(body.consignee), _party(body.notify))
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.put("/api/shipments/{shipment_id}/incoterm")
async def set_incoterm(shipment_id: str, body: IncotermIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, SetIncoterm(body.incoterm, body.incoterm_place))


@router.put("/api/shipments/{shipment_id}/route")
async def plan_route(shipment_id: str, body: RouteIn, session: CurrentSession, found: PlatformDep) -> Any:
    legs = tuple(RouteLeg(**leg.model_dump()) for leg in body.legs)
    return await SHIPMENTS.send(found, session, shipment_id, PlanRoute(legs))


@router.post("/api/shipments/{shipment_id}/booking")
async def book_shipment(shipment_id: str, body: BookingIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = BookShipment(Carrier(**body.carrier.model_dump()), body.booking_reference, body.booked_at)
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.post("/api/shipments/{shipment_id}/equipment")
async def attach_equipment(shipment_id: str, body: EquipmentIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, AttachEquipment(Equipment(**body.model_dump())))


@router.delete("/api/shipments/{shipment_id}/equipment/{identifier}")
async def detach_equipment(shipment_id: str, identifier: str, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, DetachEquipment(identifier))


@router.put("/api/shipments/{shipment_id}/cargo/{item_id}")
async def declare_cargo_item(
    shipment_id: str, item_id: str, body: CargoItemIn, session: CurrentSession, found: PlatformDep
) -> Any:
    fields = body.model_dump(exclude={"dangerous_goods"})
    dangerous = DangerousGoods(**body.dangerous_goods.model_dump()) if body.dangerous_goods else None
    item = CargoItem(item_id=item_id, dangerous_goods=dangerous, **fields)
    return await SHIPMENTS.send(found, session, shipment_id, DeclareCargoItem(item))


@router.delete("/api/shipments/{shipment_id}/cargo/{item_id}")
async def remove_cargo_item(shipment_id: str, item_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, RemoveCargoItem(item_id))


@router.post("/api/shipments/{shipment_id}/plans")
async def plan_milestone(shipment_id: str, body: PlanIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, PlanMilestone(body.milestone, body.planned_at))


@router.post("/api/shipments/{shipment_id}/milestones")
async def record_milestone(shipment_id: str, body: MilestoneIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = RecordMilestone(body.milestone, body.actual_at, body.place, body.note)
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.post("/api/shipments/{shipment_id}/transport-events")
async def note_transport_event(
    shipment_id: str, body: TransportEventIn, session: CurrentSession, found: PlatformDep
) -> Any:
    message = NoteTransportEvent(body.description, body.occurred_at, body.place, body.code)
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.post("/api/shipments/{shipment_id}/exceptions")
async def raise_exception(shipment_id: str, body: ExceptionIn, session: CurrentSession, found: PlatformDep) -> Any:
    exception_id = body.exception_id or f"EX-{uuid.uuid4().hex[:10].upper()}"
    message = RaiseException(exception_id, body.kind, body.reason, body.raised_at)
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.post("/api/shipments/{shipment_id}/exceptions/{exception_id}/resolve")
async def resolve_exception(
    shipment_id: str, exception_id: str, body: ResolutionIn, session: CurrentSession, found: PlatformDep
) -> Any:
    message = ResolveException(exception_id, body.resolution, body.resolved_at)
    return await SHIPMENTS.send(found, session, shipment_id, message)


@router.post("/api/shipments/{shipment_id}/cancel")
async def cancel_shipment(shipment_id: str, body: CancelIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await SHIPMENTS.send(found, session, shipment_id, CancelShipment(body.reason))
