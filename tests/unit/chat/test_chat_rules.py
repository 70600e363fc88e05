"""The conversation rules to the letter: each refusal's code, reason and field, the limits, every event's fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

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
)
from streams.chat.decider import (
    Conversation,
    ConversationStatus,
    Member,
    Posted,
    chat_decider,
    guests,
    unread_count,
)
from streams.chat.domain import CHAT
from streams.chat.events import (
    ConversationOpened,
    MemberAdded,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    ReadMarked,
)
from streams.decider import CommandContext, Rejection, RejectionCode
from tests.unit.chat.test_chat_decider import (
    ACCEPTED,
    ANNA,
    BOTH,
    CLIENT,
    FORWARDER,
    LI,
    MARIA,
    OPENED,
    anna,
    li,
    maria,
    posted,
)
from tests.unit.deciders import AT, Given, context, given

NOBODY = context(FORWARDER, None)  # a command without a user behind it
LATER = AT + timedelta(hours=1)
CHANNEL = OpenConversation("ch-1", ConversationKind.CHANNEL, "  General   talk ")
INVITED = given(CHAT.decider, OPENED)
CHATTING = given(CHAT.decider, OPENED, *ACCEPTED)
WITH_MESSAGES = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, ANNA, FORWARDER, "one"), posted(2, LI, CLIENT, "two"))
NEW = given(CHAT.decider)
NOT_FOUND = Rejection(RejectionCode.NOT_FOUND, "no such conversation")
NOT_A_MEMBER = Rejection(RejectionCode.FORBIDDEN, "only members of the conversation may do this")
ACCEPT_FIRST = Rejection(RejectionCode.ILLEGAL_STATE, "accept the conversation first")
FULL = Rejection(RejectionCode.ILLEGAL_STATE, "a conversation has at most 500 members")


def invalid(field: str, reason: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


def length(field: str, maximum: int) -> Rejection:
    return invalid(field, f"{field} must be 1 to {maximum} characters")


def open_(kind: ConversationKind = ConversationKind.THREAD, **fields: str) -> OpenConversation:
    return OpenConversation(fields.pop("conversation_id", "t-1"), kind, **fields)


def crowded(given_: Given, size: int) -> Given:
    """The conversation with `size` members: Anna first, then made-up forwarder users."""
    members = (Member(ANNA, FORWARDER, "operator"), Member(LI, CLIENT, "owner"))
    extra = tuple(Member(f"u{i}", FORWARDER, "viewer") for i in range(size - len(members)))
    return given_.with_state(members=members + extra)


@pytest.mark.parametrize(
    ("start", "command", "ctx", "rejection"),
    [
        (NEW, CHANNEL, NOBODY, invalid("actor_id", "a conversation command comes from a user")),
        (
            INVITED,
            AcceptConversation(),
            context(CLIENT, None),
            invalid("actor_id", "a conversation command comes from a user"),
        ),
        (
            INVITED,
            open_(ConversationKind.PARTNER, subject_type="shipment", subject_id="s-1", partner_company_id=CLIENT),
            li,
            Rejection(RejectionCode.ILLEGAL_STATE, "the conversation was opened by the partner: accept it"),
        ),
        (NEW, open_(conversation_id="c" * 65), anna, length("conversation_id", 64)),
        (NEW, open_(conversation_id="  "), anna, length("conversation_id", 64)),
        (
            NEW,
            open_(ConversationKind.CHANNEL, title="t" * 201),
            anna,
            invalid("title", "a title is at most 200 characters"),
        ),
        (
            NEW,
            open_(ConversationKind.PARTNER),
            anna,
            invalid("partner_company_id", "a partner conversation names the partner company"),
        ),
        (
            NEW,
            open_(ConversationKind.CHANNEL, partner_company_id=CLIENT),
            anna,
            invalid("partner_company_id", "only a partner conversation has a partner company"),
        ),
        (
            NEW,
            open_(ConversationKind.PARTNER, partner_company_id=f" {FORWARDER} "),
            anna,
            invalid("partner_company_id", "a partner conversation is with another company"),
        ),
        (
            NEW,
            open_("forum"),  # type: ignore[arg-type]
            anna,
            Rejection(RejectionCode.INVALID, "a conversation is one of channel, thread, partner", "kind"),
        ),
        (
            NEW,
            open_(),
            anna,
            invalid("subject_type", "a thread is about a shipment, declaration, purchase order or document"),
        ),
        (NEW, open_(subject_type="shipment"), anna, length("subject_id", 64)),
        (NEW, open_(subject_type="shipment", subject_id="s" * 65), anna, length("subject_id", 64)),
        (
            NEW,
            open_(subject_id="s-1"),
            anna,
            invalid("subject_type", "a subject is one of shipment, declaration, purchase_order, document"),
        ),
        (
            NEW,
            open_(ConversationKind.CHANNEL, subject_type="shipment", subject_id="s-1"),
            anna,
            invalid("subject_type", "a company channel is about no one object"),
        ),
        (NEW, AcceptConversation(), li, NOT_FOUND),
        (
            CHATTING,
            AcceptConversation(),
            anna,
            Rejection(RejectionCode.ILLEGAL_STATE, "only the invited company accepts a conversation"),
        ),
        (NEW, PostMessage("hi"), anna, NOT_FOUND),
        (NEW, AddMember(MARIA, "owner"), anna, NOT_FOUND),
        (NEW, MarkRead(0), anna, NOT_FOUND),
        (INVITED, PostMessage("hi"), li, ACCEPT_FIRST),
        (INVITED, RemoveMember(ANNA), li, ACCEPT_FIRST),
        (CHATTING, PostMessage("hi"), maria, NOT_A_MEMBER),
        (CHATTING, DeleteMessage(1), maria, NOT_A_MEMBER),
        (CHATTING, AddMember(MARIA, "owner"), maria, NOT_A_MEMBER),
        (CHATTING, AddMember(MARIA, "owner"), context(CLIENT, ANNA), NOT_A_MEMBER),  # Anna's id, the other company
        (CHATTING, AddMember("m" * 65, "owner"), li, length("user_id", 64)),
        (CHATTING, AddMember(MARIA, "r" * 33), li, length("role", 32)),
        (CHATTING, AddMember(MARIA, " "), li, length("role", 32)),
        (
            CHATTING,
            RemoveMember(MARIA),
            li,
            Rejection(RejectionCode.NOT_FOUND, "not a member of the conversation", "user_id"),
        ),
        (
            CHATTING,
            RemoveMember(ANNA),
            li,
            Rejection(RejectionCode.FORBIDDEN, "members of the other company are theirs to remove", "user_id"),
        ),
        (CHATTING, PostMessage(" \n "), anna, invalid("body", "a message is not empty")),
        (CHATTING, PostMessage("x" * 4001), anna, invalid("body", "a message is at most 4000 characters")),
        (CHATTING, PostMessage("x", reply_to=-1), anna, invalid("reply_to", "no message -1 in the conversation")),
        (CHATTING, PostMessage("x", reply_to=1), anna, invalid("reply_to", "no message 1 in the conversation")),
        (
            CHATTING,
            PostMessage("x", mentions=tuple(f"u{i}" for i in range(51))),
            anna,
            invalid("mentions", "a message mentions at most 50 members"),
        ),
        (
            CHATTING,
            PostMessage("x", mentions=(LI, MARIA)),
            anna,
            invalid("mentions", f"{MARIA} is not a member of the conversation"),
        ),
        (
            CHATTING,
            PostMessage("x", attachments=tuple(Attachment(f"d{i}", FORWARDER) for i in range(11))),
            anna,
            invalid("attachments", "a message has at most 10 attachments"),
        ),
        (
            CHATTING,
            PostMessage("x", attachments=(Attachment("d1", FORWARDER), Attachment("d2", CLIENT))),
            anna,
            invalid("attachments[1]", "a document attached is one of the member's own company"),
        ),
        (
            CHATTING,
            PostMessage("x", attachments=(Attachment("d" * 65, FORWARDER),)),
            anna,
            length("attachments[0].document_id", 64),
        ),
        (
            WITH_MESSAGES,
            EditMessage(3, "x"),
            anna,
            Rejection(RejectionCode.NOT_FOUND, "no message 3 in the conversation", "seq"),
        ),
        (
            WITH_MESSAGES,
            DeleteMessage(0),
            anna,
            Rejection(RejectionCode.NOT_FOUND, "no message 0 in the conversation", "seq"),
        ),
        (
            WITH_MESSAGES,
            EditMessage(2, "x"),
            anna,
            Rejection(RejectionCode.FORBIDDEN, "only the author edits or deletes a message", "seq"),
        ),
        (WITH_MESSAGES, EditMessage(1, ""), anna, invalid("body", "a message is not empty")),
        (
            given(CHAT.decider, OPENED, *ACCEPTED, posted(1, ANNA, FORWARDER, "one"), MessageDeleted(1, AT, BOTH)),
            EditMessage(1, "x"),
            anna,
            Rejection(RejectionCode.ILLEGAL_STATE, "the message was deleted", "seq"),
        ),
        (
            WITH_MESSAGES,
            MarkRead(3),
            anna,
            Rejection(RejectionCode.INVALID, "the conversation's messages go up to 2", "seq"),
        ),
        (
            WITH_MESSAGES,
            MarkRead(-1),
            anna,
            Rejection(RejectionCode.INVALID, "the conversation's messages go up to 2", "seq"),
        ),
        (crowded(INVITED, 500), open_(ConversationKind.PARTNER), context(FORWARDER, "newcomer"), FULL),
        (crowded(CHATTING, 500), AddMember("newcomer", "viewer"), anna, FULL),
    ],
)
def test_each_refusal_says_its_code_reason_and_field(
    start: Given, command: Any, ctx: CommandContext, rejection: Rejection
) -> None:
    assert start.when(command, ctx).then_rejected(rejection.code) == rejection


def test_opening_a_channel_records_every_field_and_the_state_follows() -> None:
    state = NEW.when(CHANNEL, context(FORWARDER, ANNA)).then(
        ConversationOpened(
            FORWARDER, "ch-1", ConversationKind.CHANNEL, "General talk", "", "", "", ANNA, "", AT, (FORWARDER,)
        )
    )
    assert state == Conversation(
        ConversationStatus.OPEN, FORWARDER, "ch-1", ConversationKind.CHANNEL, "General talk",
        members=(Member(ANNA, FORWARDER, ""),),
    )  # fmt: skip
    assert guests(state) == () and state.invited == (FORWARDER,)


@pytest.mark.parametrize(
    ("command", "event"),
    [
        (
            open_(ConversationKind.CHANNEL, conversation_id="c" * 64, title="t" * 200),
            ConversationOpened(
                FORWARDER,
                "c" * 64,
                ConversationKind.CHANNEL,
                "t" * 200,
                "",
                "",
                "",
                ANNA,
                "operator",
                AT,
                (FORWARDER,),
            ),
        ),
        (
            open_(subject_type="purchase_order", subject_id="  po  " + "p" * 61),
            ConversationOpened(
                FORWARDER,
                "t-1",
                ConversationKind.THREAD,
                "",
                "purchase_order",
                "po " + "p" * 61,
                "",
                ANNA,
                "operator",
                AT,
                (FORWARDER,),
            ),
        ),
    ],
)
def test_identifiers_and_titles_at_their_limits_are_taken(command: OpenConversation, event: Any) -> None:
    NEW.when(command, anna).then(event)


def test_the_state_after_opening_accepting_and_posting_holds_every_member_and_message() -> None:
    # Folded here rather than taken from the module's givens: those are folded once, at import.
    invited = given(CHAT.decider, OPENED).state
    chatting = given(CHAT.decider, OPENED, *ACCEPTED).state
    with_messages = given(
        CHAT.decider, OPENED, *ACCEPTED, posted(1, ANNA, FORWARDER, "one"), posted(2, LI, CLIENT, "two")
    ).state
    assert invited == Conversation(
        ConversationStatus.OPEN, FORWARDER, "c-1", ConversationKind.PARTNER, "Container to Shanghai", "shipment",
        "s-1", CLIENT, False, (Member(ANNA, FORWARDER, "operator"),),
    )  # fmt: skip
    assert guests(invited) == (CLIENT,) and invited.companies == (FORWARDER,)
    assert chatting.companies == BOTH
    assert chatting == replace(
        invited, partner_accepted=True, members=(Member(ANNA, FORWARDER, "operator"), Member(LI, CLIENT, "owner"))
    )
    assert with_messages == replace(
        chatting,
        members=(Member(ANNA, FORWARDER, "operator", 1), Member(LI, CLIENT, "owner", 2)),
        messages=(Posted(ANNA), Posted(LI)),
    )
    removed = given(CHAT.decider, OPENED, *ACCEPTED, MemberRemoved(LI, CLIENT, LI, AT, BOTH)).state
    assert removed.members == (Member(ANNA, FORWARDER, "operator"),)
    read = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "x"), ReadMarked(ANNA, 1, (FORWARDER,)))
    assert read.state.members == (Member(ANNA, FORWARDER, "operator", 1), Member(LI, CLIENT, "owner", 1))
    deleted = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "x"), MessageDeleted(1, AT, BOTH))
    assert deleted.state.messages == (Posted(LI, deleted=True),)
    edited = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "x"), MessageEdited(1, "y", AT, BOTH))
    assert edited.state == given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "x")).state


def test_accepting_without_a_role_claim_records_an_empty_role() -> None:
    INVITED.when(AcceptConversation(), context(CLIENT, LI)).then(
        replace(ACCEPTED[0], accepted_role=""), replace(ACCEPTED[1], role="")
    )


def test_a_member_or_a_participant_already_in_changes_nothing_and_room_is_left_up_to_500() -> None:
    CHATTING.when(AddMember(LI, "owner"), li).then()
    crowded(CHATTING, 499).when(AddMember("newcomer", "viewer"), anna).then(
        MemberAdded("newcomer", FORWARDER, "viewer", ANNA, AT, BOTH)
    )
    crowded(INVITED, 499).when(open_(ConversationKind.PARTNER), context(FORWARDER, "newcomer")).then(
        MemberAdded("newcomer", FORWARDER, "", "newcomer", AT, (FORWARDER,))
    )
    CHATTING.when(AddMember("m" * 64, "r" * 32), li).then(MemberAdded("m" * 64, CLIENT, "r" * 32, LI, AT, BOTH))


def test_mentions_and_attachments_up_to_their_limits_are_taken_and_tidied() -> None:
    members = crowded(CHATTING, 50)
    mentions = tuple(m.user_id for m in members.state.members)
    members.when(PostMessage("all", mentions=mentions), anna).then(posted(1, ANNA, FORWARDER, "all", mentions=mentions))
    ten = tuple(Attachment(f"d{i}", FORWARDER) for i in range(10))
    CHATTING.when(PostMessage("docs", attachments=ten), anna).then(posted(1, ANNA, FORWARDER, "docs", attachments=ten))
    given_ = (Attachment("d" * 64, FORWARDER, "  Commercial \n invoice  " + "x" * 200), Attachment("d1", FORWARDER))
    tidied = (Attachment("d" * 64, FORWARDER, ("Commercial invoice " + "x" * 200)[:200]), Attachment("d1", FORWARDER))
    CHATTING.when(PostMessage("see", attachments=(*given_, given_[1])), anna).then(
        posted(1, ANNA, FORWARDER, "see", attachments=tidied)
    )


def test_a_reply_answers_an_existing_message_up_to_the_last() -> None:
    WITH_MESSAGES.when(PostMessage("re", reply_to=2), anna).then(posted(3, ANNA, FORWARDER, "re", reply_to=2))


def test_edits_and_deletes_carry_the_time_and_both_companies() -> None:
    later = replace(anna, issued_at=LATER)
    WITH_MESSAGES.when(EditMessage(1, "  ONE "), later).then(MessageEdited(1, "ONE", LATER, BOTH))
    WITH_MESSAGES.when(DeleteMessage(1), later).then(MessageDeleted(1, LATER, BOTH))


def test_a_read_marker_moves_only_forward_from_zero() -> None:
    WITH_MESSAGES.when(MarkRead(0), anna).then()
    WITH_MESSAGES.when(MarkRead(1), anna).then()  # Anna's marker is at her own message 1
    WITH_MESSAGES.when(MarkRead(2), anna).then(ReadMarked(ANNA, 2, (FORWARDER,)))
    read = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "x"))
    read.when(MarkRead(1), anna).then(ReadMarked(ANNA, 1, (FORWARDER,)))


def test_unread_counts_are_zero_for_one_who_is_not_a_member() -> None:
    assert unread_count(WITH_MESSAGES.state, MARIA) == 0
    assert unread_count(WITH_MESSAGES.state, ANNA) == 1


def test_what_is_not_a_chat_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a chat command: 'x'"):
        chat_decider.decide(Conversation(), "x", anna)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a chat event: 'x'"):
        chat_decider.evolve(Conversation(), "x")  # type: ignore[arg-type]
