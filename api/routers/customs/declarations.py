"""Declarations: created from scratch or from a shipment, listed, read, and edited by commands.

What a body created from a shipment (`shipment_id`) leaves out (consignor, consignee, delivery terms,
transport mode, goods) is taken from the shipment read model when the deployment has one, else the
body carries the shipment's data.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field

from api.deps import (
    CurrentSession,
    PlatformDep,
    Session,
    Strict,
    require_permission,
    tenant_db,
)
from api.idempotency import created_id
from api.outcomes import CommandsOn, same_id
from api.platform import Platform
from api.routers.customs.read_models import NOT_FOUND, declaration_json
from sinks.postgres import customs_queries, shipment_queries
from streams.company.permissions import Action
from streams.customs.commands import (
    AddGoodsItem,
    AttachDocument,
    CreateDeclaration,
    RemoveDocument,
    RemoveGoodsItem,
    RemoveParty,
    SetCustomsRepresentative,
    SetParty,
    UpdateGoodsItem,
    UpdateHeader,
    UpdateTransport,
)
from streams.customs.declaration import (
    CustomsRepresentative,
    DeclarationHeader,
    GoodsItem,
    Party,
    PartyRole,
    SupportingDocument,
    Transport,
)
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.shipment_data import from_shipment

router = APIRouter(tags=["customs"])
DECLARATION_NAMESPACE = uuid.UUID("5b0c6f1e-2d7a-4f43-9c1e-8a3f0d6b2c71")


class DeclarationIn(Strict):
    header: DeclarationHeader
    declarant: Party | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    customs_representative: CustomsRepresentative | None = None
    transport: Transport | None = None
    items: list[GoodsItem] = Field(default_factory=list, max_length=999)
    documents: list[SupportingDocument] = Field(default_factory=list, max_length=200)
    shipment_id: str | None = Field(None, max_length=100, description="the shipment the data was taken from")


DECLARATIONS = CommandsOn(CUSTOMS_DECLARATION, declaration_json, Action.CUSTOMS_DECLARATION_EDIT)


async def with_shipment_data(found: Platform, session: Session, body: DeclarationIn, shipment_id: str) -> DeclarationIn:
    """The body completed from the shipment (its parties, delivery terms, mode, cargo); 404 if not the tenant's."""
    require_permission(session, Action.SHIPMENT_READ)
    async with tenant_db(found, session) as conn:
        if not await shipment_queries.shipments_projected(conn):
            return body  # no shipment read model in this deployment: the body carries the shipment's data
        state = await shipment_queries.shipment_state(conn, shipment_id)
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such shipment")
    shipment = from_shipment(state)
    header = body.header
    if header.delivery_terms is None and header.delivery_place is None:
        header = replace(header, delivery_terms=shipment.delivery_terms, delivery_place=shipment.delivery_place)
    return body.model_copy(
        update={
            "header": header,
            "consignor": body.consignor or shipment.consignor,
            "consignee": body.consignee or shipment.consignee,
            "transport": body.transport or shipment.transport,
            "items": body.items or list(shipment.items),
        }
    )


@router.post("/api/declarations", status_code=status.HTTP_201_CREATED)
async def create_declaration(body: DeclarationIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A draft from scratch, or from a shipment: what the body leaves out is taken from the shipment's read model."""
    if body.shipment_id is not None:
        body = await with_shipment_data(found, session, body, body.shipment_id)
    declaration_id = created_id(DECLARATION_NAMESPACE)
    command = CreateDeclaration(
        header=body.header,
        declarant=body.declarant,
        consignor=body.consignor,
        consignee=body.consignee,
        customs_representative=body.customs_representative,
        transport=body.transport,
        items=tuple(body.items),
        documents=tuple(body.documents),
        shipment_id=body.shipment_id,
    )
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.get("/api/declarations")
async def list_declarations(
    session: CurrentSession, found: PlatformDep, status_is: Annotated[str | None, Query(alias="status")] = None
) -> list[dict[str, Any]]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        return await customs_queries.declarations(conn, status_is)


@router.get("/api/declarations/{declaration_id}")
async def get_declaration(declaration_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    return await declaration_json(found, session, declaration_id)


@router.get("/api/declarations/{declaration_id}/history")
async def declaration_history(declaration_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        entries = await customs_queries.declaration_history(conn, declaration_id)
    if not entries:
        raise NOT_FOUND
    return entries


@router.put("/api/declarations/{declaration_id}/header")
async def update_header(
    declaration_id: str, body: DeclarationHeader, session: CurrentSession, found: PlatformDep
) -> Any:
    return await DECLARATIONS.send(found, session, declaration_id, UpdateHeader(body))


@router.put("/api/declarations/{declaration_id}/parties/{role}")
async def set_party(
    declaration_id: str, role: PartyRole, body: Party, session: CurrentSession, found: PlatformDep
) -> Any:
    return await DECLARATIONS.send(found, session, declaration_id, SetParty(role, body))


@router.delete("/api/declarations/{declaration_id}/parties/{role}")
async def remove_party(declaration_id: str, role: PartyRole, session: CurrentSession, found: PlatformDep) -> Any:
    return await DECLARATIONS.send(found, session, declaration_id, RemoveParty(role))


@router.put("/api/declarations/{declaration_id}/representative")
async def set_representative(
    declaration_id: str, body: CustomsRepresentative, session: CurrentSession, found: PlatformDep
) -> Any:
    command = SetCustomsRepresentative(body)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.delete("/api/declarations/{declaration_id}/representative")
async def remove_representative(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = SetCustomsRepresentative(None)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.put("/api/declarations/{declaration_id}/transport")
async def update_transport(declaration_id: str, body: Transport, session: CurrentSession, found: PlatformDep) -> Any:
    command = UpdateTransport(body)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.post("/api/declarations/{declaration_id}/items", status_code=status.HTTP_201_CREATED)
async def add_item(declaration_id: str, body: GoodsItem, session: CurrentSession, found: PlatformDep) -> Any:
    command = AddGoodsItem(body)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.put("/api/declarations/{declaration_id}/items/{item_id}")
async def update_item(
    declaration_id: str, item_id: str, body: GoodsItem, session: CurrentSession, found: PlatformDep
) -> Any:
    same_id(body.item_id, item_id, "item_id")
    command = UpdateGoodsItem(body)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.delete("/api/declarations/{declaration_id}/items/{item_id}")
async def remove_item(declaration_id: str, item_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = RemoveGoodsItem(item_id)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.put("/api/declarations/{declaration_id}/documents/{document_id}")
async def attach_document(
    declaration_id: str, document_id: str, body: SupportingDocument, session: CurrentSession, found: PlatformDep
) -> Any:
    same_id(body.document_id, document_id, "document_id")
    command = AttachDocument(body)
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.delete("/api/declarations/{declaration_id}/documents/{document_id}")
async def remove_document(declaration_id: str, document_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = RemoveDocument(document_id)
    return await DECLARATIONS.send(found, session, declaration_id, command)
