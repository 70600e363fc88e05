"""Documents over HTTP: streamed upload and versions, links, expiry, verification, archive; lists, files, pages.

`POST /api/documents?document_type=...` and `POST /api/documents/{id}/versions` take the file as the raw
request body (its type in `Content-Type`, its name percent-encoded in `X-Filename`), streamed to a temporary
file with its limits and checks (`document_files`), then stored in the object store, then the command sent:
a command the decider refuses has its object deleted at once. A file whose SHA-256 equals a version the
document already has is refused (409) before anything is stored: no new version.

Files leave only after the tenant's read model showed the document (row-level security): streamed
(`.../content`), as page images (`.../pages/{n}.png`), or as a presigned URL valid `DOWNLOAD_URL_SECONDS`.
Links go only to objects the caller's tenant has (checked in its read models; another tenant's is 404).
"""

from __future__ import annotations

import asyncio
import urllib.parse
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import Field

from api.deps import (
    CurrentSession,
    Offset,
    PlatformDep,
    Session,
    Strict,
    issued,
    page_size,
    require_permission,
    tenant_db,
)
from api.idempotency import created_id
from api.outcomes import CommandsOn, send_command, tenant_row
from api.platform import Platform
from api.routers.document_files import ReceivedFile, receive_file, render_page
from sinks.postgres import document_queries
from sinks.postgres.document_queries import DocumentFilter
from streams.company.permissions import Action
from streams.document.commands import (
    AddVersion,
    ArchiveDocument,
    CompleteVerification,
    DocumentType,
    LinkDocument,
    LinkedType,
    SetExpiry,
    StoredFile,
    UnlinkDocument,
    UploadDocument,
    VerifyField,
)
from streams.document.decider import DocumentStatus, RecognitionStatus, object_key
from streams.document.domain import DOCUMENT
from wellwon.object_store import ObjectStore, object_store

router = APIRouter(tags=["documents"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
DOCUMENT_NAMESPACE = uuid.UUID("8d2f6c41-5a3e-4b7d-9c0e-1f4a6b8d2e53")
DOWNLOAD_URL_SECONDS = 120
VIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp"})
FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "the file itself; its name percent-encoded in the X-Filename header",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp")
        },
    }
}


def today() -> date:
    return datetime.now(UTC).date()


def store(found: Platform) -> ObjectStore:
    return object_store(found.settings)


# Read as of today: what is overdue or expiring depends on the day.
read_document = tenant_row(lambda conn, aggregate_id: document_queries.document(conn, aggregate_id, today()), NOT_FOUND)


DOCUMENTS = CommandsOn(DOCUMENT, read_document, Action.DOCUMENTS_UPLOAD)


async def _require_linked(found: Platform, session: Session, linked_type: LinkedType, linked_id: str) -> None:
    """The object exists for the caller's tenant (another tenant's is as absent as a missing one)."""
    async with tenant_db(found, session) as conn:
        exists = await document_queries.linked_object_exists(conn, linked_type, linked_id)
    if not exists:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {linked_type.replace('_', ' ')}")


async def _received(request: Request, found: Platform) -> ReceivedFile:
    return await receive_file(
        request.stream(), request.headers.get("content-type"), request.headers.get("content-length"),
        request.headers.get("x-filename"), found.settings.document_max_bytes,
    )  # fmt: skip


def _stored(received: ReceivedFile, key: str) -> StoredFile:
    return StoredFile(
        key, received.content_type, received.size_bytes, received.sha256, received.filename, received.pages
    )


async def _store_then_send(
    found: Platform, session: Session, document_id: str, received: ReceivedFile, key: str, command: Any
) -> Any:
    """Store the file, then send its command; a refused command's object is deleted (a 202 keeps it)."""
    objects = store(found)
    try:
        with received.open() as data:
            await asyncio.to_thread(objects.put, key, data, received.content_type)
    finally:
        received.discard()
    try:
        outcome = await send_command(found, DOCUMENT, document_id, command, issued(session))
    except HTTPException:
        await asyncio.to_thread(objects.delete, key)
        raise
    return outcome


@router.post("/api/documents", status_code=status.HTTP_201_CREATED, openapi_extra=FILE_BODY)
async def upload(
    request: Request,
    session: CurrentSession,
    found: PlatformDep,
    document_type: DocumentType,
    title: Annotated[str, Query(max_length=200)] = "",
    linked_type: LinkedType | None = None,
    linked_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Any:
    """Upload a new document (its first version); optionally linked at once to a shipment, declaration,
    purchase order or invoice of the caller's company."""
    tenant_id = require_permission(session, Action.DOCUMENTS_UPLOAD)
    if (linked_type is None) != (linked_id is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "linked_type and linked_id go together")
    if linked_type is not None and linked_id is not None:
        await _require_linked(found, session, linked_type, linked_id)
    received = await _received(request, found)
    document_id = created_id(DOCUMENT_NAMESPACE)
    key = object_key(tenant_id, document_id, 1)
    command = UploadDocument(document_id, document_type, _stored(received, key), title)
    outcome = await _store_then_send(found, session, document_id, received, key, command)
    if isinstance(outcome, JSONResponse):
        return outcome
    if linked_type is not None and linked_id is not None:
        return await DOCUMENTS.send(found, session, document_id, LinkDocument(linked_type, linked_id))
    return await read_document(found, session, document_id)


@router.post("/api/documents/{document_id}/versions", status_code=status.HTTP_201_CREATED, openapi_extra=FILE_BODY)
async def add_version(document_id: str, request: Request, session: CurrentSession, found: PlatformDep) -> Any:
    """A new file for the document: its next version. The same file as an existing version is refused (409)."""
    tenant_id = require_permission(session, Action.DOCUMENTS_UPLOAD)
    document = await read_document(found, session, document_id)
    if document["status"] != DocumentStatus.ACTIVE:
        raise HTTPException(status.HTTP_409_CONFLICT, "the document is archived")
    received = await _received(request, found)
    async with tenant_db(found, session) as conn:
        same = await document_queries.version_with_hash(conn, document_id, received.sha256)
    version = document["latest_version"] + 1
    key = object_key(tenant_id, document_id, version)
    if same is not None or await asyncio.to_thread(store(found).exists, key):
        received.discard()
        if same is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"the same file is already version {same}: no new version")
        raise HTTPException(status.HTTP_409_CONFLICT, f"version {version} is being recorded: try again")
    outcome = await _store_then_send(
        found, session, document_id, received, key, AddVersion(document_id, _stored(received, key))
    )
    if isinstance(outcome, JSONResponse):
        return outcome
    return await read_document(found, session, document_id)


@router.get("/api/documents")
async def list_documents(
    session: CurrentSession,
    found: PlatformDep,
    document_type: Annotated[list[DocumentType] | None, Query()] = None,
    status_: Annotated[list[DocumentStatus] | None, Query(alias="status")] = None,
    recognition: RecognitionStatus | None = None,
    linked_type: LinkedType | None = None,
    linked_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    require_permission(session, Action.DOCUMENTS_READ)
    now = today()
    matching = DocumentFilter(
        document_types=tuple(str(t) for t in document_type or ()),
        statuses=tuple(str(s) for s in status_ or ()),
        recognition=recognition and str(recognition),
        linked_type=linked_type and str(linked_type),
        linked_id=linked_id,
        expiring_by=None if expiring_within_days is None else date.fromordinal(now.toordinal() + expiring_within_days),
    )
    async with tenant_db(found, session) as conn:
        items, total = await document_queries.documents(conn, matching, limit, offset, now)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/api/documents/expiring")
async def expiring(
    session: CurrentSession, found: PlatformDep, within_days: Annotated[int, Query(ge=0, le=3650)] = 30
) -> list[dict[str, Any]]:
    """Active documents already expired or expiring within `within_days` (certificates, permits), soonest first."""
    require_permission(session, Action.DOCUMENTS_READ)
    async with tenant_db(found, session) as conn:
        return await document_queries.expiring_documents(conn, today(), within_days)


@router.get("/api/documents/{document_id}")
async def get_document(document_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.DOCUMENTS_READ)
    return await read_document(found, session, document_id)


@router.get("/api/documents/{document_id}/history")
async def history(document_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.DOCUMENTS_READ)
    await read_document(found, session, document_id)
    async with tenant_db(found, session) as conn:
        return await document_queries.document_history(conn, document_id)


async def _version(found: Platform, session: Session, document_id: str, version: int) -> dict[str, Any]:
    require_permission(session, Action.DOCUMENTS_READ)
    async with tenant_db(found, session) as conn:
        stored = await document_queries.stored_version(conn, document_id, version)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document version")
    return stored


VersionNumber = Annotated[int, Path(ge=1, le=100_000)]


@router.get("/api/documents/{document_id}/versions/{version}/content")
async def content(document_id: str, version: VersionNumber, session: CurrentSession, found: PlatformDep) -> Any:
    """The version's file, streamed from the object store."""
    stored = await _version(found, session, document_id, version)
    name = urllib.parse.quote(stored["filename"], safe="")
    return StreamingResponse(
        store(found).chunks(stored["object_key"]),
        media_type=stored["content_type"],
        headers={
            # Issued HTML is never rendered on the console's origin: it downloads.
            "Content-Disposition": f"{'inline' if stored['content_type'] in VIEWABLE else 'attachment'}; "
            f"filename*=UTF-8''{name}",
            "Content-Length": str(stored["size_bytes"]),
        },
    )


@router.get("/api/documents/{document_id}/versions/{version}/pages/{page}.png")
async def page_image(
    document_id: str,
    version: VersionNumber,
    page: Annotated[int, Path(ge=1, le=10_000)],
    session: CurrentSession,
    found: PlatformDep,
) -> Response:
    """Page `page` of the version as a PNG (PDF pages rendered with pdfium; images normalised)."""
    stored = await _version(found, session, document_id, version)
    if stored["content_type"] not in VIEWABLE:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "an issued text document has no page images: read its content")
    if page > stored["pages"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the document has {stored['pages']} page(s)")
    data = await asyncio.to_thread(store(found).get, stored["object_key"])
    png = await asyncio.to_thread(render_page, data, stored["content_type"], page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/api/documents/{document_id}/versions/{version}/download-url")
async def download_url(
    document_id: str, version: VersionNumber, session: CurrentSession, found: PlatformDep
) -> dict[str, Any]:
    """A presigned URL reading this version's file for DOWNLOAD_URL_SECONDS, issued after the tenant check."""
    stored = await _version(found, session, document_id, version)
    url = await asyncio.to_thread(store(found).presigned_get, stored["object_key"], DOWNLOAD_URL_SECONDS)
    return {"url": url, "expires_in": DOWNLOAD_URL_SECONDS, "content_type": stored["content_type"]}


class LinkIn(Strict):
    linked_type: LinkedType
    linked_id: str = Field(min_length=1, max_length=64)


@router.post("/api/documents/{document_id}/links")
async def link(document_id: str, body: LinkIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Link the document to a shipment, declaration, purchase order or invoice of the caller's company."""
    require_permission(session, Action.DOCUMENTS_UPLOAD)
    await _require_linked(found, session, body.linked_type, body.linked_id)
    return await DOCUMENTS.send(found, session, document_id, LinkDocument(body.linked_type, body.linked_id))


@router.delete("/api/documents/{document_id}/links/{linked_type}/{linked_id}")
async def unlink(
    document_id: str, linked_type: LinkedType, linked_id: str, session: CurrentSession, found: PlatformDep
) -> Any:
    return await DOCUMENTS.send(found, session, document_id, UnlinkDocument(linked_type, linked_id))


class ExpiryIn(Strict):
    expires_on: date | None


@router.put("/api/documents/{document_id}/expiry")
async def set_expiry(document_id: str, body: ExpiryIn, session: CurrentSession, found: PlatformDep) -> Any:
    """The date the document stops being valid (null: it does not expire)."""
    return await DOCUMENTS.send(found, session, document_id, SetExpiry(body.expires_on))


class VerifyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    value: str = Field(max_length=2000)


@router.post("/api/documents/{document_id}/fields/verify")
async def verify_field(document_id: str, body: VerifyIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Confirm a recognised field (the same value) or correct it (another value)."""
    return await DOCUMENTS.send(found, session, document_id, VerifyField(body.name, body.value))


@router.post("/api/documents/{document_id}/verification/complete")
async def complete_verification(document_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Every field flagged for verification is confirmed or corrected: the document's data can be used."""
    return await DOCUMENTS.send(found, session, document_id, CompleteVerification())


class ArchiveIn(Strict):
    reason: str = Field(default="", max_length=500)


@router.post("/api/documents/{document_id}/archive")
async def archive(document_id: str, session: CurrentSession, found: PlatformDep, body: ArchiveIn | None = None) -> Any:
    return await DOCUMENTS.send(found, session, document_id, ArchiveDocument((body or ArchiveIn()).reason))
