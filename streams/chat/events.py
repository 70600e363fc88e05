"""Events of a conversation. Each names the companies it is shared with (`shared_with`): the push sink sends
it to every one of them, so a conversation between two companies reaches both sides' sockets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.chat.commands import Attachment, ConversationKind


@dataclass(frozen=True)
class ConversationOpened:
    tenant_id: str
    conversation_id: str
    kind: ConversationKind
    title: str
    subject_type: str
    subject_id: str
    partner_company_id: str
    opened_by: str
    opened_role: str
    opened_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class ConversationAccepted:
    company_id: str
    accepted_by: str
    accepted_role: str
    accepted_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class MemberAdded:
    user_id: str
    company_id: str
    role: str
    added_by: str
    added_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class MemberRemoved:
    user_id: str
    company_id: str
    removed_by: str
    removed_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class MessagePosted:
    seq: int  # gap-free per conversation, from 1: clients catch up after the highest they saw
    author_id: str
    company_id: str
    body: str
    reply_to: int
    mentions: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    posted_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class MessageEdited:
    seq: int
    body: str
    edited_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class MessageDeleted:
    """The message stays in the log; the read model keeps only that it was deleted."""

    seq: int
    deleted_at: datetime
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class ReadMarked:
    user_id: str
    seq: int
    shared_with: tuple[str, ...]


ChatEvent = (
    ConversationOpened
    | ConversationAccepted
    | MemberAdded
    | MemberRemoved
    | MessagePosted
    | MessageEdited
    | MessageDeleted
    | ReadMarked
)
EVENTS: tuple[type, ...] = ChatEvent.__args__
