"""The conversation decider: who takes part, and the messages with their gap-free sequence numbers.

- A conversation belongs to the company that opened it. A partner conversation also admits the invited
  company (the tenancy's guest); until one of its users accepts, that company may only accept. Opening an
  open channel or thread again is idempotent and makes the opener a member.
- Only members post, edit, delete and mark read. A member adds or removes members of their own company only
  (the API checked that the user is a participant of it, with that role).
- A message's body is text of 1 to 4000 characters after stripping (HTML is text like any other); mentions
  must be members; a reply answers an existing message; attachments are documents of a company taking part.
- Sequence numbers go 1, 2, 3 ... per conversation without gaps; only the author edits or deletes a message;
  a deleted message keeps its number (a tombstone) and can no longer be edited.
- A member's read marker only moves forward; posting marks the author's own message read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from streams.chat.commands import (
    AcceptConversation,
    AddMember,
    Attachment,
    ChatCommand,
    ConversationKind,
    DeleteMessage,
    EditMessage,
    MarkRead,
    OpenConversation,
    PostMessage,
    RemoveMember,
    SubjectType,
)
from streams.chat.events import (
    ChatEvent,
    ConversationAccepted,
    ConversationOpened,
    MemberAdded,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReadMarked,
)
from streams.company.identifiers import InvalidDetail, text
from streams.company.permissions import ROLE_CLAIM
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace

Decision = Sequence[ChatEvent] | Rejection

MAX_BODY = 4000
MAX_MENTIONS = 50
MAX_ATTACHMENTS = 10
MAX_MEMBERS = 500


class ConversationStatus(StrEnum):
    NONE = "none"
    OPEN = "open"


@dataclass(frozen=True)
class Member:
    user_id: str
    company_id: str
    role: str
    last_read_seq: int = 0


@dataclass(frozen=True)
class Posted:
    """What the rules need of a message: its author and whether it was deleted (the body is the read model's)."""

    author_id: str
    deleted: bool = False


@dataclass(frozen=True)
class Conversation:
    status: ConversationStatus = ConversationStatus.NONE
    tenant_id: str | None = None
    conversation_id: str = ""
    kind: ConversationKind = ConversationKind.CHANNEL
    title: str = ""
    subject_type: str = ""
    subject_id: str = ""
    partner_company_id: str = ""
    partner_accepted: bool = False
    members: tuple[Member, ...] = ()
    messages: tuple[Posted, ...] = ()  # message seq n is messages[n - 1]

    @property
    def last_seq(self) -> int:
        return len(self.messages)

    @property
    def companies(self) -> tuple[str, ...]:
        """The companies taking part: the owner and, once it accepted, the partner."""
        assert self.tenant_id is not None
        return (self.tenant_id, self.partner_company_id) if self.partner_accepted else (self.tenant_id,)

    @property
    def invited(self) -> tuple[str, ...]:
        """Every company the conversation is shown to: the taking part, and an invited partner."""
        assert self.tenant_id is not None
        return (self.tenant_id, self.partner_company_id) if self.partner_company_id else (self.tenant_id,)

    def member(self, user_id: str | None) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)


def guests(state: Conversation) -> tuple[str, ...]:
    """The tenants besides the owner whose commands reach the rules: a partner conversation's other company."""
    return (state.partner_company_id,) if state.partner_company_id else ()


def unread_count(state: Conversation, user_id: str) -> int:
    """Messages by others after the member's read marker, deleted ones not counted."""
    member = state.member(user_id)
    if member is None:
        return 0
    later = state.messages[member.last_read_seq :]
    return sum(1 for posted in later if posted.author_id != user_id and not posted.deleted)


def _invalid(fault: InvalidDetail) -> Rejection:
    return reject(RejectionCode.INVALID, fault.reason, fault.field)


def _actor(context: CommandContext) -> tuple[str, str]:
    if not context.actor_id:
        raise InvalidDetail("actor_id", "a conversation command comes from a user")
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    return context.actor_id, context.tenant_id


def _open(state: Conversation, cmd: OpenConversation, context: CommandContext) -> Decision:
    try:
        actor, company = _actor(context)
    except InvalidDetail as fault:
        return _invalid(fault)
    role = context.claim(ROLE_CLAIM) or ""
    if state.status is ConversationStatus.OPEN:
        if company != state.tenant_id:
            return reject(RejectionCode.ILLEGAL_STATE, "the conversation was opened by the partner: accept it")
        if state.member(actor) is not None:
            return []
        if len(state.members) >= MAX_MEMBERS:
            return reject(RejectionCode.ILLEGAL_STATE, f"a conversation has at most {MAX_MEMBERS} members")
        return [MemberAdded(actor, company, role, actor, context.issued_at, state.companies)]
    try:
        conversation_id = text(cmd.conversation_id, "conversation_id", 64)
        kind = ConversationKind(cmd.kind)
        title = " ".join(cmd.title.split())
        if len(title) > 200:
            raise InvalidDetail("title", "a title is at most 200 characters")
        subject_type, subject_id = _subject(kind, cmd)
        partner = cmd.partner_company_id.strip()
        if kind is ConversationKind.PARTNER and not partner:
            raise InvalidDetail("partner_company_id", "a partner conversation names the partner company")
        if kind is not ConversationKind.PARTNER and partner:
            raise InvalidDetail("partner_company_id", "only a partner conversation has a partner company")
        if partner == company:
            raise InvalidDetail("partner_company_id", "a partner conversation is with another company")
    except InvalidDetail as fault:
        return _invalid(fault)
    except ValueError:
        return reject(RejectionCode.INVALID, f"a conversation is one of {', '.join(ConversationKind)}", "kind")
    shown_to = (company, partner) if partner else (company,)
    return [
        ConversationOpened(
            company, conversation_id, kind, title, subject_type, subject_id, partner, actor, role,
            context.issued_at, shown_to,
        )
    ]  # fmt: skip


def _subject(kind: ConversationKind, cmd: OpenConversation) -> tuple[str, str]:
    if not cmd.subject_type and not cmd.subject_id:
        if kind is ConversationKind.THREAD:
            raise InvalidDetail("subject_type", "a thread is about a shipment, declaration, purchase order or document")
        return "", ""
    if kind is ConversationKind.CHANNEL:
        raise InvalidDetail("subject_type", "a company channel is about no one object")
    try:
        subject_type = SubjectType(cmd.subject_type)
    except ValueError:
        raise InvalidDetail("subject_type", f"a subject is one of {', '.join(SubjectType)}") from None
    return str(subject_type), text(cmd.subject_id, "subject_id", 64)


def _accept(state: Conversation, context: CommandContext) -> Decision:
    if state.status is ConversationStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such conversation")
    try:
        actor, company = _actor(context)
    except InvalidDetail as fault:
        return _invalid(fault)
    if company != state.partner_company_id:
        return reject(RejectionCode.ILLEGAL_STATE, "only the invited company accepts a conversation")
    if state.partner_accepted:
        return []
    both = (*state.companies, company)
    role = context.claim(ROLE_CLAIM) or ""
    return [
        ConversationAccepted(company, actor, role, context.issued_at, both),
        MemberAdded(actor, company, role, actor, context.issued_at, both),
    ]


def _taking_part(state: Conversation, context: CommandContext) -> Member | Rejection:
    """The acting member, or why the actor may not act in the conversation."""
    if state.status is ConversationStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such conversation")
    if context.tenant_id not in state.companies:
        return reject(RejectionCode.ILLEGAL_STATE, "accept the conversation first")
    member = state.member(context.actor_id)
    if member is None or member.company_id != context.tenant_id:
        return reject(RejectionCode.FORBIDDEN, "only members of the conversation may do this")
    return member


def _add(state: Conversation, cmd: AddMember, context: CommandContext) -> Decision:
    acting = _taking_part(state, context)
    if isinstance(acting, Rejection):
        return acting
    if state.member(cmd.user_id) is not None:
        return []
    if len(state.members) >= MAX_MEMBERS:
        return reject(RejectionCode.ILLEGAL_STATE, f"a conversation has at most {MAX_MEMBERS} members")
    try:
        user_id = text(cmd.user_id, "user_id", 64)
        role = text(cmd.role, "role", 32)
    except InvalidDetail as fault:
        return _invalid(fault)
    return [MemberAdded(user_id, acting.company_id, role, acting.user_id, context.issued_at, state.companies)]


def _remove(state: Conversation, cmd: RemoveMember, context: CommandContext) -> Decision:
    acting = _taking_part(state, context)
    if isinstance(acting, Rejection):
        return acting
    gone = state.member(cmd.user_id)
    if gone is None:
        return reject(RejectionCode.NOT_FOUND, "not a member of the conversation", "user_id")
    if gone.company_id != acting.company_id:
        return reject(RejectionCode.FORBIDDEN, "members of the other company are theirs to remove", "user_id")
    return [MemberRemoved(gone.user_id, gone.company_id, acting.user_id, context.issued_at, state.companies)]


def _body(value: str) -> str:
    body = value.strip()
    if not body:
        raise InvalidDetail("body", "a message is not empty")
    if len(body) > MAX_BODY:
        raise InvalidDetail("body", f"a message is at most {MAX_BODY} characters")
    return body


def _post(state: Conversation, cmd: PostMessage, context: CommandContext) -> Decision:
    acting = _taking_part(state, context)
    if isinstance(acting, Rejection):
        return acting
    try:
        body = _body(cmd.body)
        if not 0 <= cmd.reply_to <= state.last_seq:
            raise InvalidDetail("reply_to", f"no message {cmd.reply_to} in the conversation")
        mentions = tuple(dict.fromkeys(cmd.mentions))
        if len(mentions) > MAX_MENTIONS:
            raise InvalidDetail("mentions", f"a message mentions at most {MAX_MENTIONS} members")
        for user_id in mentions:
            if state.member(user_id) is None:
                raise InvalidDetail("mentions", f"{user_id} is not a member of the conversation")
        attachments = _attachments(state, cmd.attachments, acting)
    except InvalidDetail as fault:
        return _invalid(fault)
    return [
        MessagePosted(
            state.last_seq + 1, acting.user_id, acting.company_id, body, cmd.reply_to, mentions, attachments,
            context.issued_at, state.companies,
        )
    ]  # fmt: skip


def _attachments(state: Conversation, given: tuple[Attachment, ...], acting: Member) -> tuple[Attachment, ...]:
    if len(given) > MAX_ATTACHMENTS:
        raise InvalidDetail("attachments", f"a message has at most {MAX_ATTACHMENTS} attachments")
    checked: list[Attachment] = []
    for index, attachment in enumerate(given):
        if attachment.company_id not in state.companies or attachment.company_id != acting.company_id:
            raise InvalidDetail(f"attachments[{index}]", "a document attached is one of the member's own company")
        document_id = text(attachment.document_id, f"attachments[{index}].document_id", 64)
        checked.append(Attachment(document_id, attachment.company_id, " ".join(attachment.title.split())[:200]))
    return tuple(dict.fromkeys(checked))


def _own_message(state: Conversation, seq: int, context: CommandContext) -> Member | Rejection:
    acting = _taking_part(state, context)
    if isinstance(acting, Rejection):
        return acting
    if not 1 <= seq <= state.last_seq:
        return reject(RejectionCode.NOT_FOUND, f"no message {seq} in the conversation", "seq")
    if state.messages[seq - 1].author_id != acting.user_id:
        return reject(RejectionCode.FORBIDDEN, "only the author edits or deletes a message", "seq")
    return acting


def _edit(state: Conversation, cmd: EditMessage, context: CommandContext) -> Decision:
    if isinstance(problem := _own_message(state, cmd.seq, context), Rejection):
        return problem
    if state.messages[cmd.seq - 1].deleted:
        return reject(RejectionCode.ILLEGAL_STATE, "the message was deleted", "seq")
    try:
        body = _body(cmd.body)
    except InvalidDetail as fault:
        return _invalid(fault)
    return [MessageEdited(cmd.seq, body, context.issued_at, state.companies)]


def _delete(state: Conversation, cmd: DeleteMessage, context: CommandContext) -> Decision:
    if isinstance(problem := _own_message(state, cmd.seq, context), Rejection):
        return problem
    if state.messages[cmd.seq - 1].deleted:
        return []
    return [MessageDeleted(cmd.seq, context.issued_at, state.companies)]


def _mark_read(state: Conversation, cmd: MarkRead, context: CommandContext) -> Decision:
    acting = _taking_part(state, context)
    if isinstance(acting, Rejection):
        return acting
    if not 0 <= cmd.seq <= state.last_seq:
        return reject(RejectionCode.INVALID, f"the conversation's messages go up to {state.last_seq}", "seq")
    if cmd.seq <= acting.last_read_seq:
        return []
    # Only the reader's own company: the other side has no use for this member's marker.
    return [ReadMarked(acting.user_id, cmd.seq, (acting.company_id,))]


def decide(state: Conversation, command: ChatCommand, context: CommandContext) -> Decision:
    match command:
        case OpenConversation():
            return _open(state, command, context)
        case AcceptConversation():
            return _accept(state, context)
        case AddMember():
            return _add(state, command, context)
        case RemoveMember():
            return _remove(state, command, context)
        case PostMessage():
            return _post(state, command, context)
        case EditMessage():
            return _edit(state, command, context)
        case DeleteMessage():
            return _delete(state, command, context)
        case MarkRead():
            return _mark_read(state, command, context)
    raise TypeError(f"not a chat command: {command!r}")


def _with_member(state: Conversation, user_id: str, **changes: object) -> Conversation:
    members = tuple(replace(m, **changes) if m.user_id == user_id else m for m in state.members)  # type: ignore[arg-type]
    return replace(state, members=members)


def _with_message(state: Conversation, seq: int, posted: Posted) -> Conversation:
    messages = list(state.messages)
    messages[seq - 1] = posted
    return replace(state, messages=tuple(messages))


def evolve(state: Conversation, event: ChatEvent) -> Conversation:
    match event:
        case ConversationOpened():
            opener = Member(event.opened_by, event.tenant_id, event.opened_role)
            return Conversation(
                ConversationStatus.OPEN, event.tenant_id, event.conversation_id, event.kind, event.title,
                event.subject_type, event.subject_id, event.partner_company_id, members=(opener,),
            )  # fmt: skip
        case ConversationAccepted():
            return replace(state, partner_accepted=True)
        case MemberAdded():
            return replace(state, members=(*state.members, Member(event.user_id, event.company_id, event.role)))
        case MemberRemoved():
            return replace(state, members=tuple(m for m in state.members if m.user_id != event.user_id))
        case MessagePosted():
            posted = replace(state, messages=(*state.messages, Posted(event.author_id)))
            return _with_member(posted, event.author_id, last_read_seq=event.seq)
        case MessageEdited():
            return state
        case MessageDeleted():
            return _with_message(state, event.seq, replace(state.messages[event.seq - 1], deleted=True))
        case ReadMarked():
            return _with_member(state, event.user_id, last_read_seq=event.seq)
    raise TypeError(f"not a chat event: {event!r}")


chat_decider: Decider[Conversation, ChatCommand, ChatEvent] = Decider(Conversation(), decide, evolve)
