"""No record stops a sink: an event Postgres cannot store goes to the sink's dead-letter topic, live and by replay.

The event (a NUL in a text field) is put straight on the events topic, bypassing API and decider,
followed by a later event of the same aggregate, by a record that is no event at all (it cannot be
decoded), and by good events of other aggregates.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_postgres
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS, codec
from streams.user_account.events import UserAccountRegistered, UserProfileUpdated
from tests.integration.observe import execute, read_topic, register, sql, unique_email
from wellwon.envelope import DeadLetter, Envelope, command_fields, event_fields
from wellwon.topics import SINK_DEAD_LETTER_TOPICS


def event_value(aggregate_id: str, version: int, event: Any) -> tuple[str, bytes]:
    """An event record as the engine would write it (its id, its value), caused by a made-up command."""
    command = Envelope(
        **command_fields("user_account", aggregate_id, str(uuid.uuid4()), aggregate_id),
        schema_name="",
        schema_version=0,
        payload=b"",
    )
    event_id = str(uuid.uuid4())
    _, value = codec().encode(event_fields(command, event_id, version), event)
    return event_id, value


def registered(label: str, first_name: str) -> UserAccountRegistered:
    return UserAccountRegistered(unique_email(label), "hash", first_name, "Tester", "token-hash")


async def dead_letters(platform: PlatformProcesses) -> list[DeadLetter]:
    letters = []
    for _, value, _ in await read_topic(platform, SINK_DEAD_LETTER_TOPICS["postgres"]):
        _, letter = codec().decode(value)
        letters.append(letter)
    return letters


async def letters_naming(platform: PlatformProcesses, ids: list[str], count: int, timeout: float = 30) -> list[str]:
    """The reasons of the dead letters naming any of the event ids, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        reasons = [r.reason for r in await dead_letters(platform) if any(i in r.reason for i in ids)]
        if len(reasons) >= count or time.monotonic() > deadline:
            return reasons
        await asyncio.sleep(0.3)


async def letters_of(platform: PlatformProcesses, value: bytes, count: int, timeout: float = 30) -> list[DeadLetter]:
    """The dead letters carrying exactly this record value, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        letters = [letter for letter in await dead_letters(platform) if letter.value == value]
        if len(letters) >= count or time.monotonic() > deadline:
            return letters
        await asyncio.sleep(0.3)


def accounts(platform: PlatformProcesses, *ids: str) -> dict[str, str]:
    rows = sql(platform, "SELECT id, first_name FROM user_accounts WHERE id = ANY(%s)", list(ids))
    return {str(i): name for i, name in rows}


async def wait_for_accounts(platform: PlatformProcesses, *ids: str, timeout: float = 30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while (found := accounts(platform, *ids)).keys() != set(ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return found


async def test_an_event_postgres_cannot_store_is_dead_lettered_and_the_rest_flows_live_and_by_replay(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    topic = platform.settings.name("user_account.events")
    bad, good_1, good_2 = (str(uuid.uuid4()) for _ in range(3))
    bad_created, bad_created_value = event_value(bad, 1, registered("nul", "a\x00b"))
    bad_later, bad_later_value = event_value(bad, 2, UserProfileUpdated(first_name="fine"))
    unreadable = f"no event at all {uuid.uuid4()}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=platform.settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, bad_created_value, key=bad.encode())
        await producer.send_and_wait(topic, bad_later_value, key=bad.encode())
        await producer.send_and_wait(topic, unreadable, key=b"garbage")
        for account in (good_1, good_2):
            await producer.send_and_wait(
                topic, event_value(account, 1, registered("good", "Good"))[1], key=account.encode()
            )
    finally:
        await producer.stop()

    # Live: the good aggregates are projected, the bad one is not, and the API still works.
    assert await wait_for_accounts(platform, good_1, good_2) == {good_1: "Good", good_2: "Good"}
    reasons = await letters_naming(platform, [bad_created, bad_later], 2)
    assert len(reasons) == 2, reasons
    created_reason = next(r for r in reasons if bad_created in r)
    assert "DataError" in created_reason and "NUL" in created_reason and f"user_account {bad} v1" in created_reason
    later_reason = next(r for r in reasons if bad_later in r)
    assert "waits for its event v1" in later_reason  # the fold must not skip v1: v2 is parked, not applied
    assert accounts(platform, bad) == {}
    [garbage] = await letters_of(platform, unreadable, 1)
    assert (garbage.source_topic, garbage.key) == (topic, b"garbage") and garbage.reason, garbage
    newcomer = unique_email("after-nul")
    assert (await register(api, newcomer))["id"]
    assert sql(platform, "SELECT count(*) FROM user_accounts WHERE email = %s", newcomer) == [(1,)]

    # Replay after dropping the read models: the same result, and the bad events dead-lettered again.
    execute(platform, "DROP TABLE user_accounts, user_sessions, aggregate_positions, sink_offsets CASCADE")
    topics = [platform.settings.name(d.events_topic) for d in DOMAINS]
    topics += [platform.settings.name(d.results_topic) for d in DOMAINS]
    assert await replay_postgres(platform.settings, codec(), PROJECTIONS, topics) > 0
    assert accounts(platform, good_1, good_2) == {good_1: "Good", good_2: "Good"}
    assert accounts(platform, bad) == {}
    assert sql(platform, "SELECT count(*) FROM user_accounts WHERE email = %s", newcomer) == [(1,)]
    assert len(await letters_naming(platform, [bad_created, bad_later], 4)) == 4
    # The undecodable record too: dead-lettered again by the replay, at the same place, which went on past it.
    live, replayed = await letters_of(platform, unreadable, 2)
    assert (replayed.source_topic, replayed.source_partition, replayed.source_offset, replayed.reason) == (
        live.source_topic,
        live.source_partition,
        live.source_offset,
        live.reason,
    )
