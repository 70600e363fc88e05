"""The conversation rules: who takes part, gap-free sequence numbers, own edits, tombstones, mentions, markers."""

from __future__ import annotations

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
from streams.chat.decider import MAX_BODY, unread_count
from streams.chat.domain import CHAT
from streams.chat.events import (
    ConversationAccepted,
    ConversationOpened,
    MemberAdded,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReadMarked,
)
from streams.decider import RejectionCode
from tests.unit.deciders import AT, context, given

FORWARDER, CLIENT, THIRD = "forwarder", "client", "third"
ANNA, BORIS, LI, MARIA = "anna", "boris", "li", "maria"  # Anna and Boris at the forwarder, Li and Maria at the client

anna = context(FORWARDER, ANNA, role="operator")
boris = context(FORWARDER, BORIS, role="viewer")
li = context(CLIENT, LI, role="owner")
maria = context(CLIENT, MARIA, role="accountant")

OPENED = ConversationOpened(
    FORWARDER, "c-1", ConversationKind.PARTNER, "Container to Shanghai", "shipment", "s-1", CLIENT,
    ANNA, "operator", AT, (FORWARDER, CLIENT),
)  # fmt: skip
BOTH = (FORWARDER, CLIENT)
ACCEPTED = (
    ConversationAccepted(CLIENT, LI, "owner", AT, BOTH),
    MemberAdded(LI, CLIENT, "owner", LI, AT, BOTH),
)


def posted(
    seq: int,
    author: str,
    company: str,
    body: str,
    reply_to: int = 0,
    mentions: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> MessagePosted:
    return MessagePosted(seq, author, company, body, reply_to, mentions, attachments, AT, BOTH)


CHATTING = given(CHAT.decider, OPENED, *ACCEPTED)


def test_opening_a_partner_conversation_invites_the_partner_and_makes_the_opener_a_member() -> None:
    opened = given(CHAT.decider).when(
        OpenConversation("c-1", ConversationKind.PARTNER, "Container to Shanghai", "shipment", "s-1", CLIENT),
        anna,
    ).then(OPENED)  # fmt: skip
    assert [m.user_id for m in opened.members] == [ANNA]
    assert opened.invited == BOTH and opened.companies == (FORWARDER,)


def test_opening_an_open_thread_again_joins_the_opener_and_then_changes_nothing() -> None:
    thread = ConversationOpened(
        FORWARDER, "t-1", ConversationKind.THREAD, "", "declaration", "d-1", "", ANNA, "operator", AT, (FORWARDER,)
    )
    again = OpenConversation("t-1", ConversationKind.THREAD, "", "declaration", "d-1")
    joined = (
        given(CHAT.decider, thread)
        .when(again, boris)
        .then(MemberAdded(BORIS, FORWARDER, "viewer", BORIS, AT, (FORWARDER,)))
    )
    given(CHAT.decider).with_state(**vars(joined)).when(again, boris).then()


def test_a_thread_is_about_an_object_and_a_channel_is_not() -> None:
    given(CHAT.decider).when(OpenConversation("t", ConversationKind.THREAD), anna).then_rejected(
        RejectionCode.INVALID, "subject_type"
    )
    given(CHAT.decider).when(
        OpenConversation("t", ConversationKind.THREAD, subject_type="invoice", subject_id="x"), anna
    ).then_rejected(RejectionCode.INVALID, "subject_type")
    given(CHAT.decider).when(
        OpenConversation("c", ConversationKind.CHANNEL, subject_type="shipment", subject_id="s"), anna
    ).then_rejected(RejectionCode.INVALID, "subject_type")
    given(CHAT.decider).when(OpenConversation("p", ConversationKind.PARTNER, partner_company_id=FORWARDER), anna
                             ).then_rejected(RejectionCode.INVALID, "partner_company_id")  # fmt: skip


def test_the_invited_company_only_accepts_until_it_has_and_a_third_company_is_not_let_in() -> None:
    invited = given(CHAT.decider, OPENED)
    invited.when(PostMessage("hello"), li).then_rejected(RejectionCode.ILLEGAL_STATE, reason_has="accept")
    invited.when(AcceptConversation(), anna).then_rejected(RejectionCode.ILLEGAL_STATE)
    invited.when(AcceptConversation(), li).then(*ACCEPTED)
    for command in (AcceptConversation(), PostMessage("hi"), MarkRead(0), AddMember("x", "owner")):
        invited.when(command, context(THIRD, "eve")).then_rejected(RejectionCode.NOT_FOUND, reason_has="no such")
    CHATTING.when(AcceptConversation(), maria).then()


def test_sequence_numbers_are_gap_free_and_each_event_is_shared_with_both_companies() -> None:
    state = CHATTING.when(PostMessage("  Booked on MSC Anna  "), anna).then(
        posted(1, ANNA, FORWARDER, "Booked on MSC Anna")
    )
    state = (
        given(CHAT.decider)
        .with_state(**vars(state))
        .when(PostMessage("Thanks", reply_to=1), li)
        .then(posted(2, LI, CLIENT, "Thanks", reply_to=1))
    )
    assert state.last_seq == 2
    given(CHAT.decider).with_state(**vars(state)).when(PostMessage("?", reply_to=3), li).then_rejected(
        RejectionCode.INVALID, "reply_to"
    )


def test_only_members_post_and_members_add_only_their_own_company_s_people() -> None:
    CHATTING.when(PostMessage("hi"), maria).then_rejected(RejectionCode.FORBIDDEN, reason_has="members")
    added = CHATTING.when(AddMember(MARIA, "accountant"), li).then(
        MemberAdded(MARIA, CLIENT, "accountant", LI, AT, BOTH)
    )
    assert added.member(MARIA) is not None and added.member(MARIA).company_id == CLIENT  # type: ignore[union-attr]
    CHATTING.when(RemoveMember(ANNA), li).then_rejected(RejectionCode.FORBIDDEN, "user_id")
    CHATTING.when(RemoveMember(LI), li).then(MemberRemoved(LI, CLIENT, LI, AT, BOTH))


def test_empty_and_oversized_messages_are_refused() -> None:
    CHATTING.when(PostMessage("   \n "), anna).then_rejected(RejectionCode.INVALID, "body", "not empty")
    CHATTING.when(PostMessage("x" * (MAX_BODY + 1)), anna).then_rejected(RejectionCode.INVALID, "body", "4000")
    CHATTING.when(PostMessage("x" * MAX_BODY), anna).then_accepted()


def test_html_is_kept_as_text() -> None:
    script = "<script>alert('x')</script>"
    CHATTING.when(PostMessage(script), anna).then(posted(1, ANNA, FORWARDER, script))


def test_a_mention_of_a_non_member_is_refused_naming_them() -> None:
    CHATTING.when(PostMessage("@Maria?", mentions=(MARIA,)), anna).then_rejected(
        RejectionCode.INVALID, "mentions", f"{MARIA} is not a member"
    )
    CHATTING.when(PostMessage("@Li", mentions=(LI, LI)), anna).then(posted(1, ANNA, FORWARDER, "@Li", mentions=(LI,)))


def test_attachments_are_documents_of_the_member_s_own_company() -> None:
    mine = Attachment("doc-1", FORWARDER, "Invoice")
    CHATTING.when(PostMessage("see", attachments=(mine,)), anna).then(
        posted(1, ANNA, FORWARDER, "see", attachments=(mine,))
    )
    for foreign in (Attachment("doc-2", CLIENT), Attachment("doc-3", THIRD)):
        CHATTING.when(PostMessage("see", attachments=(foreign,)), anna).then_rejected(
            RejectionCode.INVALID, "attachments[0]", "own company"
        )


WITH_MESSAGES = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, ANNA, FORWARDER, "one"), posted(2, LI, CLIENT, "two"))


def test_only_the_author_edits_and_deletes() -> None:
    WITH_MESSAGES.when(EditMessage(1, "ONE"), anna).then(MessageEdited(1, "ONE", AT, BOTH))
    WITH_MESSAGES.when(EditMessage(1, "mine now"), li).then_rejected(RejectionCode.FORBIDDEN, "seq")
    WITH_MESSAGES.when(DeleteMessage(2), anna).then_rejected(RejectionCode.FORBIDDEN, "seq")
    WITH_MESSAGES.when(EditMessage(3, "x"), anna).then_rejected(RejectionCode.NOT_FOUND, "seq")
    WITH_MESSAGES.when(EditMessage(1, " "), anna).then_rejected(RejectionCode.INVALID, "body")


def test_a_deleted_message_keeps_its_number_as_a_tombstone() -> None:
    deleted = WITH_MESSAGES.when(DeleteMessage(1), anna).then(MessageDeleted(1, AT, BOTH))
    after = given(CHAT.decider).with_state(**vars(deleted))
    assert deleted.last_seq == 2 and deleted.messages[0].deleted
    after.when(DeleteMessage(1), anna).then()
    after.when(EditMessage(1, "back"), anna).then_rejected(RejectionCode.ILLEGAL_STATE, "seq", "deleted")
    after.when(PostMessage("three"), anna).then(posted(3, ANNA, FORWARDER, "three"))


def test_read_markers_move_forward_only_and_count_others_unread_messages() -> None:
    state = WITH_MESSAGES.state
    assert unread_count(state, ANNA) == 1  # Li's message; Anna's own is read by posting it
    assert unread_count(state, LI) == 0  # Li posted after Anna's: both read
    read = WITH_MESSAGES.when(MarkRead(2), anna).then(ReadMarked(ANNA, 2, (FORWARDER,)))
    assert unread_count(read, ANNA) == 0
    given(CHAT.decider).with_state(**vars(read)).when(MarkRead(1), anna).then()
    WITH_MESSAGES.when(MarkRead(3), anna).then_rejected(RejectionCode.INVALID, "seq")
    deleted = given(CHAT.decider, OPENED, *ACCEPTED, posted(1, LI, CLIENT, "oops"), MessageDeleted(1, AT, BOTH))
    assert unread_count(deleted.state, ANNA) == 0
