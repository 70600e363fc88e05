"""Commands on a conversation: open (a company channel, a thread on a business object, a conversation with a
partner company), accept an invitation, members, messages (post, edit, delete) and read markers.

Who acts comes from the command's context (the token's account and company), never from the body. The API
derives a conversation's id from what it is about, so opening the same channel, thread or partner
conversation again reaches the same aggregate (idempotent open, which also joins the opener).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ConversationKind(StrEnum):
    CHANNEL = "channel"  # the company's own channel
    THREAD = "thread"  # a discussion of one business object, opened from its page
    PARTNER = "partner"  # between two companies working together (optionally about a shipment)


class SubjectType(StrEnum):
    """What a thread (or a partner conversation) can be about."""

    SHIPMENT = "shipment"
    DECLARATION = "declaration"
    PURCHASE_ORDER = "purchase_order"
    DOCUMENT = "document"


@dataclass(frozen=True)
class OpenConversation:
    """Open the conversation (or, when it is open, join it: a participant of its company becomes a member)."""

    conversation_id: str
    kind: ConversationKind
    title: str = ""
    subject_type: str = ""  # a SubjectType, or "" for a channel
    subject_id: str = ""
    partner_company_id: str = ""  # a partner conversation's other company, invited until it accepts


@dataclass(frozen=True)
class AcceptConversation:
    """The invited company accepts a partner conversation; the accepting user becomes its first member there."""


@dataclass(frozen=True)
class AddMember:
    """A member adds a participant of their own company (the API checked the participation and its role)."""

    user_id: str
    role: str


@dataclass(frozen=True)
class RemoveMember:
    """A member removes a member of their own company, or leaves."""

    user_id: str


@dataclass(frozen=True)
class Attachment:
    """A document of the documents domain, of the company that attaches it (the API checked it under RLS)."""

    document_id: str
    company_id: str
    title: str = ""


@dataclass(frozen=True)
class PostMessage:
    body: str
    reply_to: int = 0  # the sequence number of the message answered, 0: none
    mentions: tuple[str, ...] = ()  # user ids; each must be a member
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class EditMessage:
    seq: int
    body: str


@dataclass(frozen=True)
class DeleteMessage:
    seq: int


@dataclass(frozen=True)
class MarkRead:
    """The member has read everything up to `seq` (a marker never moves back)."""

    seq: int


ChatCommand = (
    OpenConversation
    | AcceptConversation
    | AddMember
    | RemoveMember
    | PostMessage
    | EditMessage
    | DeleteMessage
    | MarkRead
)
COMMANDS: tuple[type, ...] = ChatCommand.__args__
