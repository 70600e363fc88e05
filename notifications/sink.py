"""The notification sink: reads the events topics, keeps who relates to what, and turns rules into notifications.

It runs in `sinks.runner.SinkRunner` like every sink (consumer group, retries, dead letters). Progress is the
consumer group's, committed after a batch's transaction: a batch seen twice writes nothing new, since an inbox
row is keyed by (event, person) and a delivery by (event, person, channel). Emails are not sent here: the
delivery loop (`notifications.delivery`) sends them after the event, from the rows written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import TopicPartition
from psycopg import AsyncConnection, AsyncCursor

from notifications.rules import RULES, Channel, Relation, Rule, facts_of, rules_for
from notifications.store import delivery_message_id, notification_id, preferences_of
from notifications.templates import render
from sinks.postgres.database import owner_dsn
from sinks.records import SinkRecord
from sinks.runner import DeadLetters, apply_each_aggregate
from wellwon.config import Settings
from wellwon.envelope import EVENT


@dataclass(frozen=True)
class Happening:
    """Something a rule notifies of: an event from the stream, or a finding of a check (an invoice overdue)."""

    event_id: str
    tenant_id: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime
    rule: Rule
    facts: dict[str, str]


@dataclass(frozen=True)
class SubjectFact:
    """What an event tells about its aggregate for later rules: who owns it or declared it, what it is called."""

    event: str
    relation: Relation | None = None  # the event's actor takes this relation
    label: Callable[[str, Any], str | None] | None = None  # (aggregate id, event) -> label


SUBJECT_FACTS: tuple[SubjectFact, ...] = (
    SubjectFact("shipment.ShipmentCreated", Relation.OWNER, lambda _, e: e.reference),
    SubjectFact("customs_declaration.DeclarationCreated", Relation.OWNER, lambda i, _: i[:8]),
    SubjectFact("customs_declaration.DeclarationSubmitted", Relation.DECLARANT),
    SubjectFact("customs_declaration.DeclarationRegistered", label=lambda _, e: e.registration_number),
    SubjectFact("edi_partner.PartnerRegistered", Relation.OWNER, lambda _, e: e.name),
    SubjectFact("edi_partner.PartnerSettingsChanged", label=lambda _, e: e.name),
)
RELATION_COLUMNS = {Relation.OWNER: "owner_id", Relation.DECLARANT: "declarant_id"}


async def note_subject(cur: AsyncCursor[Any], record: SinkRecord) -> None:
    envelope = record.envelope
    for fact in (f for f in SUBJECT_FACTS if f.event == envelope.schema_name):
        label = fact.label(envelope.aggregate_id, record.message) if fact.label else None
        person = envelope.actor_id if fact.relation else None
        column = RELATION_COLUMNS[fact.relation] if fact.relation else "owner_id"
        await cur.execute(
            f"""INSERT INTO notification_subjects (aggregate_type, aggregate_id, tenant_id, label, {column})
                VALUES (%s, %s, %s, %s, %s)
                ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET
                  tenant_id = coalesce(EXCLUDED.tenant_id, notification_subjects.tenant_id),
                  label = coalesce(EXCLUDED.label, notification_subjects.label),
                  {column} = coalesce(EXCLUDED.{column}, notification_subjects.{column})""",  # type: ignore[arg-type]
            (envelope.aggregate_type, envelope.aggregate_id, envelope.tenant_id, label, person),
        )


async def recipients(cur: AsyncCursor[Any], happening: Happening) -> tuple[str, list[str]]:
    """The subject's label and the people the rule names, among the company's participants today."""
    await cur.execute(
        "SELECT label, owner_id, coalesce(declarant_id, owner_id) FROM notification_subjects "
        "WHERE aggregate_type = %s AND aggregate_id = %s",
        (happening.aggregate_type, happening.aggregate_id),
    )
    subject = await cur.fetchone()
    label = (subject[0] if subject else None) or happening.facts.get("number") or happening.aggregate_id[:8]
    related = {Relation.OWNER: subject[1] if subject else None, Relation.DECLARANT: subject[2] if subject else None}
    audience = happening.rule.audience
    people = {p for r in audience.relations if (p := related[r])}
    await cur.execute("SELECT user_id, role FROM company_participants WHERE tenant_id = %s", (happening.tenant_id,))
    participants = {user: role for user, role in await cur.fetchall()}
    people |= {user for user, role in participants.items() if role in audience.roles}
    # Someone who left the company hears nothing more of it.
    return label, sorted(p for p in people if p in participants)


async def notify(cur: AsyncCursor[Any], happening: Happening) -> int:
    """Inbox rows and deliveries for everyone the rule names, per their preferences; how many people."""
    label, people = await recipients(cur, happening)
    if not people:
        return 0
    conn = cur.connection
    preferences = await preferences_of(conn, people)
    await cur.execute("SELECT id::text, locale FROM user_accounts WHERE id::text = ANY(%s)", (people,))
    locales = dict(await cur.fetchall())
    rule, now = happening.rule, datetime.now(UTC)
    for person in people:
        channels = preferences[person].channels_for(rule.kind)
        text = render(rule.kind, locales.get(person) or "en", label, happening.facts)
        if Channel.IN_APP in channels:
            await cur.execute(
                """INSERT INTO notifications (id, tenant_id, user_id, event_id, kind, severity, title, body,
                       aggregate_type, aggregate_id, created_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id, user_id) DO NOTHING""",
                (notification_id(happening.event_id, person), happening.tenant_id, person, happening.event_id,
                 rule.kind, str(rule.severity), text.title,
                 text.body, happening.aggregate_type, happening.aggregate_id, happening.occurred_at),
            )  # fmt: skip
        for channel in (c for c in channels if c is not Channel.IN_APP):
            await cur.execute(
                DELIVERY,
                (happening.event_id, person, str(channel), happening.tenant_id, rule.kind, rule.digest, text.title,
                 text.body, locales.get(person) or "en", delivery_message_id(happening.event_id, person, channel),
                 preferences[person].email_due(now), happening.aggregate_type, happening.aggregate_id),
            )  # fmt: skip
    return len(people)


DELIVERY = """INSERT INTO notification_deliveries (event_id, user_id, channel, tenant_id, kind, digest, title, body,
                  language, message_id, due_at, aggregate_type, aggregate_id)
              VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
              ON CONFLICT (event_id, user_id, channel) DO NOTHING"""
CHAT_MESSAGE = "chat.MessagePosted"


async def chat_to_telegram(cur: AsyncCursor[Any], record: SinkRecord) -> int:
    """A chat message, as a Telegram delivery to each other member who linked Telegram; how many.

    Not a rule: every message of a conversation goes to its linked members (their quiet hours hold it back),
    and a reply to it in Telegram comes back into the conversation (api/routers/telegram.py)."""
    envelope, message = record.envelope, record.message
    await cur.execute(
        """SELECT m.user_id, coalesce(a.locale, 'en') FROM chat_members m
           JOIN telegram_links l ON l.user_id = m.user_id LEFT JOIN user_accounts a ON a.id::text = m.user_id
           WHERE m.conversation_id = %s AND m.user_id <> %s ORDER BY m.user_id""",
        (envelope.aggregate_id, message.author_id),
    )
    members = await cur.fetchall()
    if not members:
        return 0
    await cur.execute(
        """SELECT (SELECT trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) FROM user_accounts
                   WHERE id::text = %s),
                  (SELECT coalesce(nullif(title, ''), owner_name) FROM chat_conversations WHERE id = %s)""",
        (message.author_id, envelope.aggregate_id),
    )
    author, conversation = await cur.fetchone() or (None, None)
    preferences = await preferences_of(cur.connection, [user for user, _ in members])
    facts = {"author": author or message.author_id[:8], "conversation": conversation or "", "body": message.body}
    for user, locale in members:
        text = render("chat_message", locale, "", facts)
        await cur.execute(
            DELIVERY,
            (envelope.message_id, user, str(Channel.TELEGRAM), envelope.tenant_id or message.company_id,
             "chat_message", False, text.title, text.body, locale,
             delivery_message_id(envelope.message_id, user, Channel.TELEGRAM),
             preferences[user].email_due(datetime.now(UTC)), envelope.aggregate_type, envelope.aggregate_id),
        )  # fmt: skip
    return len(members)


def happenings(record: SinkRecord, rules: tuple[Rule, ...] = RULES) -> list[Happening]:
    envelope = record.envelope
    if envelope.kind != EVENT or not envelope.tenant_id:
        return []
    return [
        Happening(envelope.message_id, envelope.tenant_id, envelope.aggregate_type, envelope.aggregate_id,
                  envelope.occurred_at, rule, facts_of(rule, record.message))
        for rule in rules_for(envelope.schema_name, record.message, rules)
    ]  # fmt: skip


class NotificationSink:
    gather_seconds = 0.0
    name = "notifications"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.conn: AsyncConnection[Any] | None = None

    async def start(self) -> None:
        self.conn = await AsyncConnection.connect(owner_dsn(self.settings))

    async def stop(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def positions(self) -> dict[TopicPartition, int] | None:
        return None  # the consumer group's: every write here is keyed, so a batch seen again adds nothing

    async def apply(self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int]) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = await AsyncConnection.connect(owner_dsn(self.settings))
        async with self.conn.transaction(), self.conn.cursor() as cur:
            for record in records:
                if record.envelope.kind != EVENT:
                    continue
                await note_subject(cur, record)
                if record.envelope.schema_name == CHAT_MESSAGE:
                    await chat_to_telegram(cur, record)
                for happening in happenings(record):
                    await notify(cur, happening)

    async def apply_isolating(
        self, records: list[SinkRecord], next_offsets: dict[TopicPartition, int], dead_letter: DeadLetters
    ) -> None:
        await apply_each_aggregate(self, records, dead_letter)

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError | OSError)
