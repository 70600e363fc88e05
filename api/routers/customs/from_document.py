"""A declaration's goods prefilled from a verified commercial invoice (documents domain).

The invoice's lines become goods items (codes suggested by the classifier where it is confident) and the
invoice a supporting document, by the declaration's own commands, so the broker reviews the usual way and
the declaration's validation names what is still missing (weights, origin, a code). The lines go in one
command (`AddGoodsItems`): the invoice's goods land all or none. Applying the same invoice again adds
nothing: its item ids derive from the document and the line.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse

from api.deps import CurrentSession, PlatformDep, Strict, require_permission, tenant_db
from api.routers.customs.declarations import DECLARATIONS
from api.routers.customs.read_models import declaration_json, read_declaration, today
from sinks.postgres import document_queries
from streams.company.permissions import Action
from streams.customs.classification import default_classifier
from streams.customs.commands import AddGoodsItems, AttachDocument
from streams.customs.from_invoice import goods_items, invoice_document
from streams.document.commands import DocumentType
from streams.document.decider import VerificationStatus

router = APIRouter(tags=["customs"])

NO_DOCUMENT = HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
NOT_AN_INVOICE = HTTPException(status.HTTP_409_CONFLICT, "only a commercial invoice prefills goods items")
NOT_VERIFIED = HTTPException(
    status.HTTP_409_CONFLICT, "the invoice's fields are not verified yet: complete its verification first"
)
NO_LINES = HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "the invoice has no lines with a description")


class FromDocument(Strict):
    document_id: str
    origin_country: str = ""  # ISO 3166 alpha-2, for every line that does not name its own


def confident_code(description: str) -> str | None:
    """The classifier's best 10-digit code when it is confident, else None (the broker chooses)."""
    best = next(iter(default_classifier().suggest(description, limit=1)), None)
    return best.code if best is not None and best.confident and len(best.code) == 10 else None


@router.post("/api/declarations/{declaration_id}/goods-from-document")
async def goods_from_document(
    declaration_id: str, body: FromDocument, session: CurrentSession, found: PlatformDep
) -> Any:
    """Add the verified invoice's lines as goods items and the invoice as a supporting document."""
    require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    require_permission(session, Action.DOCUMENTS_READ)
    declaration, _ = await read_declaration(found, session, declaration_id)
    async with tenant_db(found, session) as conn:
        document = await document_queries.document(conn, body.document_id, today())
    if document is None:
        raise NO_DOCUMENT
    if document["document_type"] != DocumentType.COMMERCIAL_INVOICE:
        raise NOT_AN_INVOICE
    if document["verification"] != VerificationStatus.COMPLETED:
        raise NOT_VERIFIED
    fields = {field["name"]: field["value"] for field in document["fields"]}
    items = await asyncio.to_thread(
        goods_items, body.document_id, fields, confident_code, body.origin_country.strip().upper()
    )
    if not items:
        raise NO_LINES
    new = tuple(item for item in items if declaration.item(item.item_id) is None)
    if new:
        answer = await DECLARATIONS.send(found, session, declaration_id, AddGoodsItems(new))
        if isinstance(answer, JSONResponse):  # pending: the client follows up, applying again is safe
            return answer
    attached = invoice_document(body.document_id, fields, tuple(item.item_id for item in items))
    if attached is not None and declaration.document(attached.document_id) is None:
        answer = await DECLARATIONS.send(found, session, declaration_id, AttachDocument(attached))
        if isinstance(answer, JSONResponse):
            return answer
    return await declaration_json(found, session, declaration_id)
