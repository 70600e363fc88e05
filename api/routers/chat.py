"""Chat over HTTP: conversations (company channel, threads on business objects, conversations with a partner
company), members, messages, read markers, and the catch-up read a reconnecting console makes.

A conversation's id derives from what it is about (the company, the object, the partner), so opening it again
reaches the same one and joins the caller. Every route first reads the conversation under row-level security:
a company it is not shown to gets 404, whatever the id. A partner conversation is shown to the invited company
(to accept it); its members and messages only once it accepted. Messages come back in sequence order after
`after_seq`: a client that saw up to N asks for what follows N, so nothing is lost or seen twice.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import Field

from api.deps import CurrentSession, PlatformDep, Session, Strict, issued, page_size, require_permission, tenant_db
from api.outcomes import CommandsOn, invalid_field, send_and_read
from api.platform import Platform
from sinks.postgres import chat_queries
from streams.chat.commands import (
    AcceptConversation,
    AddMember,
    Attachment,
    ConversationKind,
    DeleteMessage,
    EditMessage,
    MarkRead,
    OpenConversation,
    PostMessage,
    RemoveMember,
    SubjectType,
)
from streams.chat.decider import MAX_ATTACHMENTS, MAX_BODY, MAX_MENTIONS
from streams.chat.domain import CHAT
from streams.company.permissions import Action
from wellwon.envelope import CommandOutcome

router = APIRouter(tags=["chat"])
CONVERSATION_NAMESPACE = uuid.UUID("5b0c3e7a-94d1-4f6e-8a2b-c7d9e1f03a64")
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such conversation")
Seq = Annotated[int, Path(ge=1, le=10_000_000)]


def conversation_id_of(tenant_id: str, kind: ConversationKind, subject_type: str, subject_id: str, partner: str) -> str:
    """The one conversation of a company about a thing: its channel, an object's thread, a partner's conversation."""
    return str(uuid.uuid5(CONVERSATION_NAMESPACE, "|".join((tenant_id, kind, subject_type, subject_id, partner))))


async def read_conversation(found: Platform, session: Session, conversation_id: str) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        conversation = await chat_queries.conversation(conn, conversation_id, session.account_id)
    if conversation is None:
        raise NOT_FOUND
    return conversation


async def taking_part(found: Platform, session: Session, conversation_id: str) -> dict[str, Any]:
    """The conversation, once the caller's company takes part (an invited company accepts first: 409)."""
    require_permission(session, Action.CHAT_READ)
    conversation = await read_conversation(found, session, conversation_id)
    if conversation["company_status"] == "invited":
        raise HTTPException(status.HTTP_409_CONFLICT, "accept the conversation first")
    return conversation


CONVERSATIONS = CommandsOn(CHAT, read_conversation, Action.CHAT_POST)


class ConversationIn(Strict):
    kind: ConversationKind
    title: str = Field(default="", max_length=200)
    subject_type: SubjectType | None = None
    subject_id: str | None = Field(default=None, min_length=1, max_length=64)
    partner_company_id: str | None = Field(default=None, min_length=1, max_length=64)


@router.post("/api/chat/conversations", status_code=status.HTTP_201_CREATED)
async def open_conversation(body: ConversationIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Open the company channel, a thread on a shipment, declaration, purchase order or document of the company,
    or a conversation with a partner company (invited by its id; optionally about a shipment). Opening it again
    answers the same conversation and makes the caller a member."""
    tenant_id = require_permission(
        session, Action.CHAT_PARTNERS if body.kind is ConversationKind.PARTNER else Action.CHAT_POST
    )
    if (body.subject_type is None) != (body.subject_id is None):
        raise invalid_field(["subject_id"], "subject_type and subject_id go together")
    subject_type, subject_id = str(body.subject_type or ""), body.subject_id or ""
    partner = body.partner_company_id or ""
    async with tenant_db(found, session) as conn:
        if subject_type and not await chat_queries.subject_exists(conn, subject_type, subject_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {subject_type.replace('_', ' ')}")
        if partner and partner != tenant_id and await chat_queries.company_name(conn, partner) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such company")
    conversation_id = conversation_id_of(tenant_id, body.kind, subject_type, subject_id, partner)
    command = OpenConversation(conversation_id, body.kind, body.title, subject_type, subject_id, partner)
    return await CONVERSATIONS.send(found, session, conversation_id, command)


@router.get("/api/chat/conversations")
async def list_conversations(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """The conversations shown to the caller's company, latest activity first, with the caller's unread counts."""
    require_permission(session, Action.CHAT_READ)
    async with tenant_db(found, session) as conn:
        items = await chat_queries.conversations(conn, session.account_id)
    return {"items": items, "unread_total": sum(item["unread"] for item in items)}


@router.get("/api/chat/unread")
async def unread(session: CurrentSession, found: PlatformDep) -> dict[str, int]:
    """How many messages by others the caller has not read, across their conversations (the navigation's badge)."""
    require_permission(session, Action.CHAT_READ)
    async with tenant_db(found, session) as conn:
        return {"unread": await chat_queries.unread_total(conn, session.account_id)}


@router.get("/api/chat/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CHAT_READ)
    return await read_conversation(found, session, conversation_id)


@router.post("/api/chat/conversations/{conversation_id}/accept")
async def accept(conversation_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """The invited company accepts the conversation; the caller becomes its first member there."""
    require_permission(session, Action.CHAT_PARTNERS)
    await read_conversation(found, session, conversation_id)
    return await CONVERSATIONS.send(found, session, conversation_id, AcceptConversation(), Action.CHAT_PARTNERS)


class MemberIn(Strict):
    user_id: str = Field(min_length=1, max_length=64)


@router.post("/api/chat/conversations/{conversation_id}/members")
async def add_member(conversation_id: str, body: MemberIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Add a participant of the caller's own company (with their role there) to the conversation."""
    await taking_part(found, session, conversation_id)
    assert session.tenant_id is not None  # taking_part required a company's permission
    async with tenant_db(found, session) as conn:
        role = await chat_queries.role_in_company(conn, session.tenant_id, body.user_id)
    if role is None:
        raise invalid_field(["user_id"], "not a participant of your company")
    return await CONVERSATIONS.send(found, session, conversation_id, AddMember(body.user_id, role))


@router.delete("/api/chat/conversations/{conversation_id}/members/{user_id}")
async def remove_member(conversation_id: str, user_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    await taking_part(found, session, conversation_id)
    return await CONVERSATIONS.send(found, session, conversation_id, RemoveMember(user_id))


@router.get("/api/chat/conversations/{conversation_id}/messages")
async def list_messages(
    conversation_id: str,
    session: CurrentSession,
    found: PlatformDep,
    after_seq: Annotated[int, Query(ge=0, description="the highest sequence number the client has")] = 0,
    limit: Annotated[int, page_size(500)] = 200,
) -> dict[str, Any]:
    """The messages after `after_seq`, in sequence order (deleted ones as tombstones, without their body)."""
    conversation = await taking_part(found, session, conversation_id)
    async with tenant_db(found, session) as conn:
        items = await chat_queries.messages(conn, conversation_id, after_seq, limit)
    return {"items": items, "last_seq": conversation["last_seq"]}


class MessageIn(Strict):
    body: str = Field(max_length=MAX_BODY * 2)  # the decider counts after stripping; this only bounds the request
    reply_to: int = Field(default=0, ge=0)
    mentions: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default=[], max_length=MAX_MENTIONS)
    attachments: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default=[], max_length=MAX_ATTACHMENTS, description="document ids of the caller's company"
    )


async def _message_answer(found: Platform, session: Session, conversation_id: str, outcome: CommandOutcome) -> Any:
    async with tenant_db(found, session) as conn:
        if outcome.event_ids:
            return await chat_queries.message_of_event(conn, conversation_id, outcome.event_ids[0])
    return None


@router.post("/api/chat/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def post_message(conversation_id: str, body: MessageIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Post a message (text, stored as given: HTML is not interpreted), optionally a reply, with mentions of
    members and attachments: documents of the caller's company (another company's document is refused)."""
    require_permission(session, Action.CHAT_POST)
    await taking_part(found, session, conversation_id)
    assert session.tenant_id is not None
    attachments = []
    async with tenant_db(found, session) as conn:
        for index, document_id in enumerate(body.attachments):
            document = await chat_queries.own_document(conn, document_id)
            if document is None:
                raise invalid_field(["attachments", str(index)], "no such document of your company")
            attachments.append(Attachment(document_id, session.tenant_id, document["title"]))
    command = PostMessage(body.body, body.reply_to, tuple(body.mentions), tuple(attachments))
    return await send_and_read(
        found, CHAT, conversation_id, command, issued(session),
        lambda outcome: _message_answer(found, session, conversation_id, outcome),
    )  # fmt: skip


async def _read_message(found: Platform, session: Session, conversation_id: str, seq: int) -> Any:
    async with tenant_db(found, session) as conn:
        return await chat_queries.message(conn, conversation_id, seq)


class EditIn(Strict):
    body: str = Field(max_length=MAX_BODY * 2)


@router.put("/api/chat/conversations/{conversation_id}/messages/{seq}")
async def edit_message(
    conversation_id: str, seq: Seq, body: EditIn, session: CurrentSession, found: PlatformDep
) -> Any:
    """Edit one's own message."""
    require_permission(session, Action.CHAT_POST)
    await taking_part(found, session, conversation_id)
    return await send_and_read(
        found, CHAT, conversation_id, EditMessage(seq, body.body), issued(session),
        lambda _: _read_message(found, session, conversation_id, seq),
    )  # fmt: skip


@router.delete("/api/chat/conversations/{conversation_id}/messages/{seq}")
async def delete_message(conversation_id: str, seq: Seq, session: CurrentSession, found: PlatformDep) -> Any:
    """Delete one's own message: it keeps its place, shown as deleted, without its text."""
    require_permission(session, Action.CHAT_POST)
    await taking_part(found, session, conversation_id)
    return await send_and_read(
        found, CHAT, conversation_id, DeleteMessage(seq), issued(session),
        lambda _: _read_message(found, session, conversation_id, seq),
    )  # fmt: skip


class ReadIn(Strict):
    seq: int = Field(ge=0)


@router.post("/api/chat/conversations/{conversation_id}/read")
async def mark_read(conversation_id: str, body: ReadIn, session: CurrentSession, found: PlatformDep) -> Any:
    """The caller has read the conversation up to `seq` (a marker never moves back)."""
    await taking_part(found, session, conversation_id)
    return await CONVERSATIONS.send(found, session, conversation_id, MarkRead(body.seq), Action.CHAT_READ)
