"""A conversation's events reach every company it is shared with: one tenant channel each, once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sinks.push import push_channels
from sinks.records import SinkRecord
from streams.chat.events import MessagePosted, ReadMarked
from wellwon.config import Settings
from wellwon.envelope import EVENT, Envelope

AT = datetime(2026, 1, 1, tzinfo=UTC)


def record(acting_tenant: str, message: object) -> SinkRecord:
    envelope = Envelope(
        "e-1", EVENT, "c", None, acting_tenant, "user-1", AT, "chat", "conv-1", 3, "chat.X", 1, b"",
    )  # fmt: skip
    return SinkRecord("chat.events", 0, 0, envelope, message)


def test_a_message_in_a_two_company_conversation_goes_to_both_tenants_channels_once() -> None:
    settings = dataclasses.replace(Settings(), namespace="ns")
    posted = MessagePosted(1, "user-1", "client", "hi", 0, (), (), AT, ("forwarder", "client"))
    channels = push_channels(settings, record("client", posted))
    assert sorted(channels) == sorted([settings.name("push:tenant:client"), settings.name("push:tenant:forwarder")])


def test_a_read_marker_stays_with_the_reader_s_company() -> None:
    settings = Settings()
    marked = ReadMarked("user-1", 3, ("client",))
    assert push_channels(settings, record("client", marked)) == [settings.name("push:tenant:client")]
