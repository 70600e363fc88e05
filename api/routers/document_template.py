"""Document templates over HTTP: define, revise, retire, list; and issue a document from one.

Issuing fills the template's {{placeholders}} from the linked object as its own API shows it (a purchase
order's `reference`, `supplier.name`, `{{#terms.lines}}...{{/terms.lines}}`), read under the caller's tenant
(another tenant's object is 404), stores the result in the object store as a new document (HTML or plain
text, UTF-8) linked to that object, like an upload. A placeholder the object has no value for is 422.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from psycopg import AsyncConnection
from pydantic import Field

from api.deps import CurrentSession, PlatformDep, Strict, issued, require_permission, tenant_db
from api.idempotency import created_id
from api.outcomes import CommandsOn, invalid_field, send_command, tenant_row
from api.routers.document import DOCUMENT_NAMESPACE, DOCUMENTS, read_document, store
from api.routers.document_files import sanitised_filename
from sinks.postgres import (
    customs_queries,
    document_queries,
    invoice_queries,
    purchase_order_queries,
    shipment_queries,
)
from streams.company.permissions import Action
from streams.document.commands import DocumentType, LinkDocument, LinkedType, StoredFile, UploadDocument
from streams.document.decider import object_key
from streams.document.domain import DOCUMENT
from streams.document.template.commands import DefineTemplate, RetireTemplate, ReviseTemplate, TemplateFormat
from streams.document.template.domain import DOCUMENT_TEMPLATE
from streams.document.template.rendering import MissingValue, render

router = APIRouter(tags=["documents"])
TEMPLATE_NAMESPACE = uuid.UUID("c41e7a02-9b5d-4f3a-8e61-2d7f0b9a4c18")
MEDIA = {TemplateFormat.HTML: ("text/html", "html"), TemplateFormat.TEXT: ("text/plain", "txt")}


def _today_invoice(conn: AsyncConnection[Any], object_id: str) -> Awaitable[dict[str, Any] | None]:
    return invoice_queries.invoice(conn, object_id, datetime.now(UTC).date())


# Each linked object as its own API shows it: the data a template is filled from.
SOURCES: dict[LinkedType, Callable[[AsyncConnection[Any], str], Awaitable[dict[str, Any] | None]]] = {
    LinkedType.PURCHASE_ORDER: purchase_order_queries.purchase_order,
    LinkedType.INVOICE: _today_invoice,
    LinkedType.SHIPMENT: shipment_queries.shipment,
    LinkedType.DECLARATION: customs_queries.declaration,
}


TEMPLATE_NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such document template")
read_template = tenant_row(document_queries.template, TEMPLATE_NOT_FOUND)


TEMPLATES = CommandsOn(DOCUMENT_TEMPLATE, read_template, Action.DOCUMENTS_UPLOAD)


class TemplateIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    document_type: DocumentType
    source: LinkedType
    format: TemplateFormat = TemplateFormat.HTML
    body: str = Field(min_length=1, max_length=20_000)


class RevisionIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=20_000)


@router.post("/api/document-templates", status_code=status.HTTP_201_CREATED)
async def define(body: TemplateIn, session: CurrentSession, found: PlatformDep) -> Any:
    require_permission(session, Action.DOCUMENTS_UPLOAD)
    command = DefineTemplate(body.name, body.document_type, body.source, body.format, body.body)
    return await TEMPLATES.send(found, session, created_id(TEMPLATE_NAMESPACE), command)


@router.get("/api/document-templates")
async def list_templates(
    session: CurrentSession, found: PlatformDep, source: LinkedType | None = None
) -> list[dict[str, Any]]:
    require_permission(session, Action.DOCUMENTS_READ)
    async with tenant_db(found, session) as conn:
        return await document_queries.templates(conn, source and str(source))


@router.get("/api/document-templates/{template_id}")
async def get_template(template_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.DOCUMENTS_READ)
    return await read_template(found, session, template_id)


@router.put("/api/document-templates/{template_id}")
async def revise(template_id: str, body: RevisionIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await TEMPLATES.send(found, session, template_id, ReviseTemplate(body.name, body.body))


@router.post("/api/document-templates/{template_id}/retire")
async def retire(template_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    return await TEMPLATES.send(found, session, template_id, RetireTemplate())


class IssueIn(Strict):
    linked_id: str = Field(
        min_length=1, max_length=64, description="the object (of the template's source) to fill from"
    )
    title: str = Field(default="", max_length=200)


@router.post("/api/document-templates/{template_id}/issue", status_code=status.HTTP_201_CREATED)
async def issue(
    template_id: str,
    body: IssueIn,
    session: CurrentSession,
    found: PlatformDep,
    preview: Annotated[bool, Query(description="answer the filled text only; store nothing")] = False,
) -> Any:
    """A new document from the template, filled from the linked object, stored and linked to it."""
    tenant_id = require_permission(session, Action.DOCUMENTS_UPLOAD)
    template = await read_template(found, session, template_id)
    source = LinkedType(template["source"])
    async with tenant_db(found, session) as conn:
        data = await SOURCES[source](conn, body.linked_id)
    if data is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {source.replace('_', ' ')}")
    template_format = TemplateFormat(template["format"])
    try:
        filled = render(template["body"], data, html_escape=template_format is TemplateFormat.HTML)
    except MissingValue as missing:
        raise invalid_field(["body"], f"{missing} ({source.replace('_', ' ')} {body.linked_id})") from None
    content = filled.encode()
    if preview:
        return JSONResponse({"content": filled, "size_bytes": len(content)})
    content_type, extension = MEDIA[template_format]
    document_id = created_id(DOCUMENT_NAMESPACE)
    key = object_key(tenant_id, document_id, 1)
    filename = sanitised_filename(f"{template['name']}.{extension}")
    stored = StoredFile(key, content_type, len(content), hashlib.sha256(content).hexdigest(), filename, 1)
    objects = store(found)
    await asyncio.to_thread(objects.put, key, io.BytesIO(content), content_type)
    command = UploadDocument(
        document_id, DocumentType(template["document_type"]), stored, body.title or template["name"]
    )
    try:
        outcome = await send_command(found, DOCUMENT, document_id, command, issued(session))
    except HTTPException:
        await asyncio.to_thread(objects.delete, key)
        raise
    if isinstance(outcome, JSONResponse):
        return outcome
    linked = await DOCUMENTS.send(found, session, document_id, LinkDocument(source, body.linked_id))
    return linked if isinstance(linked, JSONResponse) else await read_document(found, session, document_id)
