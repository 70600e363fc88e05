"""EDI over HTTP: trading partners and their API keys, the inbound endpoint, and each message's result.

`POST /api/edi/inbound` is for partners who cannot write to Kafka: authenticated by a per-partner
API key (`X-Api-Key`; the read model holds only its SHA-256), it produces the raw interchange to
`edi.inbound` (key = partner id), wrapped with the message id it answers, and returns 202. The EDI
agent does the rest; `GET /api/edi/messages/{message_id}` then tells applied, duplicate or
dead-lettered with the reason, to the partner (by its key) or to the tenant's users.

`POST /api/edi/messages/{message_id}/replay` is the operator's replay of one dead-lettered message after
fixing its cause (say, the partner's settings): the record kept on `edi.inbound.deadletter` goes back onto
`edi.inbound` as it was, so the EDI agent handles the same message id again (its `attempts` count up, and
the agent's bookkeeping skips what was applied before); the message's result then tells the new outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from pydantic import Field

from api.auth import current_session
from api.deps import CurrentSession, PlatformDep, Session, Strict, issued, page_size, require_permission, tenant_db
from api.outcomes import no_content, send_and_read
from api.platform import Platform
from sinks.postgres import edi_queries
from streams.company.permissions import Action
from streams.edi.handling import read_submission, wrap_submission
from streams.edi.partners import DEFAULT_REFERENCE_QUALIFIERS, StatusMeaning
from streams.edi_partner.commands import ChangePartnerSettings, IssueApiKey, RegisterPartner, RevokeApiKey
from streams.edi_partner.decider import partner_id_for
from streams.edi_partner.domain import EDI_PARTNER
from wellwon.api_keys import key_hash, new_key
from wellwon.dead_letters import last_letter
from wellwon.envelope import CommandOutcome, DeadLetter
from wellwon.topics import dead_letter_for

router = APIRouter(tags=["edi"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such EDI partner")
MAX_INTERCHANGE_BYTES = 2 * 1024 * 1024
API_KEY_PREFIX = "wwedi_"
ApiKeyHeader = Annotated[str | None, Header(alias="X-Api-Key", description="the partner's API key")]
INVALID_KEY = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "the X-Api-Key header is missing, unknown or revoked", {"WWW-Authenticate": "ApiKey"}
)


class PartnerSettingsIn(Strict):
    name: str = Field(min_length=1, max_length=140)
    sender_ids: list[str] = Field(min_length=1, max_length=20, description="UNB sender ids it sends from")
    timezone: str = Field("UTC", description="the zone of its DTM times, e.g. Europe/Berlin")
    reference_qualifiers: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REFERENCE_QUALIFIERS),
        description="RFF qualifiers that may carry our shipment reference, in the order tried",
    )
    status_codes: dict[str, StatusMeaning] = Field(default_factory=dict, description="agreed status codes")


class PartnerIn(PartnerSettingsIn):
    code: str = Field(min_length=1, max_length=20)


class ReplayOut(Strict):
    message_id: str = Field(description="the replayed message: the same id, its result updated when handled")
    status: str = Field(description='"replayed": back on edi.inbound for the EDI agent')
    attempt: int = Field(description="the attempt the replay is (the result's attempts once it is handled)")
    reason: str | None = Field(description="why it was dead-lettered the last time")
    location: str


class ApiKeyIn(Strict):
    label: str = Field("", max_length=100)


async def read_partner(found: Platform, session: Session, partner_id: str) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        partner = await edi_queries.partner(conn, partner_id)
    if partner is None:
        raise NOT_FOUND
    return {**partner, "kafka": {"topic": "edi.inbound", "key": partner["id"]}}


async def managed(
    found: Platform,
    session: Session,
    partner_id: str,
    message: Any,
    answer: Callable[[CommandOutcome], Any] | None = None,
    pending_also: dict[str, Any] | None = None,
) -> Any:
    """Send a partner command as the caller; the partner as the read model shows it afterwards (or `answer`)."""
    require_permission(session, Action.EDI_PARTNERS_MANAGE)
    return await send_and_read(
        found, EDI_PARTNER, partner_id, message, issued(session),
        answer or (lambda _: read_partner(found, session, partner_id)), pending_also=pending_also,
    )  # fmt: skip


@router.post("/api/edi/partners", status_code=status.HTTP_201_CREATED)
async def register_partner(body: PartnerIn, session: CurrentSession, found: PlatformDep) -> Any:
    tenant_id = require_permission(session, Action.EDI_PARTNERS_MANAGE)
    message = RegisterPartner(
        body.code, body.name, tuple(body.sender_ids), body.timezone, tuple(body.reference_qualifiers), body.status_codes
    )
    return await managed(found, session, partner_id_for(tenant_id, body.code), message)


@router.get("/api/edi/partners")
async def list_partners(session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.EDI_PARTNERS_MANAGE)
    async with tenant_db(found, session) as conn:
        return await edi_queries.partners(conn)


@router.get("/api/edi/partners/{partner_id}")
async def get_partner(partner_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.EDI_PARTNERS_MANAGE)
    return await read_partner(found, session, partner_id)


@router.put("/api/edi/partners/{partner_id}")
async def change_partner(partner_id: str, body: PartnerSettingsIn, session: CurrentSession, found: PlatformDep) -> Any:
    message = ChangePartnerSettings(
        body.name, tuple(body.sender_ids), body.timezone, tuple(body.reference_qualifiers), body.status_codes
    )
    return await managed(found, session, partner_id, message)


@router.post("/api/edi/partners/{partner_id}/api-keys", status_code=status.HTTP_201_CREATED)
async def issue_api_key(partner_id: str, body: ApiKeyIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A new key for the partner; the key is in this answer only (the platform keeps its hash)."""
    key_id, api_key = uuid.uuid4().hex[:12], new_key(API_KEY_PREFIX)
    issued_key = {"key_id": key_id, "api_key": api_key, "label": body.label, "partner_id": partner_id}
    # Shown once, so a 202 (the read model lagging) carries it too: it works as soon as the command applies.
    command = IssueApiKey(key_id, key_hash(api_key), body.label)
    return await managed(found, session, partner_id, command, lambda _: issued_key, pending_also=issued_key)


@router.delete("/api/edi/partners/{partner_id}/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(partner_id: str, key_id: str, session: CurrentSession, found: PlatformDep) -> Response:
    return await managed(found, session, partner_id, RevokeApiKey(key_id), no_content)


async def partner_of_key(found: Platform, api_key: str | None) -> tuple[str, str]:
    """(partner id, tenant id) of an active key, or 401."""
    if not api_key or not api_key.startswith(API_KEY_PREFIX):
        raise INVALID_KEY
    async with found.pool.connection() as conn:
        found_partner = await edi_queries.partner_of_key(conn, key_hash(api_key))
    if found_partner is None:
        raise INVALID_KEY
    return found_partner


@router.post("/api/edi/inbound", status_code=status.HTTP_202_ACCEPTED)
async def receive_interchange(request: Request, found: PlatformDep, x_api_key: ApiKeyHeader = None) -> dict[str, str]:
    """A partner's raw UN/EDIFACT interchange (the body, as sent) onto `edi.inbound`."""
    partner_id, _ = await partner_of_key(found, x_api_key)
    raw = await request.body()
    if len(raw) > MAX_INTERCHANGE_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"an interchange is at most {MAX_INTERCHANGE_BYTES} bytes"
        )
    if not raw.strip():
        detail = [{"loc": ["body"], "msg": "the body must be an EDIFACT interchange", "type": "missing"}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
    message_id = str(uuid.uuid4())
    producer = found.bus.producer
    assert producer is not None
    await producer.send_and_wait(
        found.settings.name("edi.inbound"), wrap_submission(message_id, raw), key=partner_id.encode()
    )
    return {"message_id": message_id, "status": "received", "location": f"/api/edi/messages/{message_id}"}


async def reader(request: Request, found: Platform, api_key: str | None) -> tuple[Session, str | None]:
    """Who reads results: a partner by its key (its own messages only), or a tenant's user."""
    if api_key is not None:
        partner_id, tenant_id = await partner_of_key(found, api_key)
        return Session("edi:" + partner_id, "", "", {}, tenant_id, None), partner_id
    session = await current_session(request, found)
    require_permission(session, Action.SHIPMENT_READ)
    return session, None


@router.get("/api/edi/messages/{message_id}")
async def message_result(
    message_id: str, request: Request, found: PlatformDep, x_api_key: ApiKeyHeader = None
) -> dict[str, Any]:
    """Applied, duplicate or dead-lettered (with the reason); 404 until the EDI agent has handled it."""
    session, partner_id = await reader(request, found, x_api_key)
    async with tenant_db(found, session) as conn:
        result = await edi_queries.message(conn, message_id, partner_id)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no result for this message (yet)")
    return result


@router.get("/api/edi/messages")
async def message_results(
    request: Request,
    found: PlatformDep,
    x_api_key: ApiKeyHeader = None,
    limit: Annotated[int, page_size(500)] = 50,
) -> list[dict[str, Any]]:
    session, partner_id = await reader(request, found, x_api_key)
    async with tenant_db(found, session) as conn:
        return await edi_queries.messages(conn, partner_id, limit)


@router.post("/api/edi/messages/{message_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_message(message_id: str, session: CurrentSession, found: PlatformDep) -> ReplayOut:
    """Hand a dead-lettered message to the EDI agent again, as it was received; 409 unless it is dead-lettered."""
    require_permission(session, Action.EDI_PARTNERS_MANAGE)
    async with tenant_db(found, session) as conn:  # row-level security: only the tenant's messages
        result = await edi_queries.message(conn, message_id, None)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such message")
    if result["status"] != "dead_lettered":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"the message is {result['status']}: only a dead letter is replayed"
        )
    partner_id = str(result["partner_id"])

    def is_this_message(letter: DeadLetter) -> bool:
        same_partner = letter.key == partner_id.encode()
        return same_partner and read_submission(partner_id, letter.value or b"").message_id == message_id

    letter = await last_letter(found.settings, dead_letter_for("edi.inbound"), is_this_message)
    if letter is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the dead letter is no longer kept (topic retention)")
    producer = found.bus.producer
    assert producer is not None
    await producer.send_and_wait(letter.source_topic, letter.value, key=letter.key)
    return ReplayOut(
        message_id=message_id,
        status="replayed",
        attempt=int(result["attempts"]) + 1,
        reason=result["reason"],
        location=f"/api/edi/messages/{message_id}",
    )
