"""Failure and recovery against the real stack: kill -9, replay, dead letters."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict

import httpx
from aiokafka import AIOKafkaProducer

from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_postgres
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS, codec
from streams.user_account.commands import UpdateProfile
from tests.integration.observe import analytics, eventually, execute, login, read_topic, register, sql, unique_email
from wellwon.envelope import command_fields

ACCOUNTS = 20
UPDATES_PER_ACCOUNT = 60


def update_command(account_id: str, command_id: str, first_name: str) -> bytes:
    fields = command_fields("user_account", account_id, command_id, account_id)
    return codec().encode(fields, UpdateProfile(first_name=first_name))[1]


async def test_kill_9_of_the_stream_worker_loses_nothing_and_applies_nothing_twice(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    accounts = [(await register(api, unique_email("crash")))["id"] for _ in range(ACCOUNTS)]
    topic = platform.settings.name("user_account.commands")
    sent: list[str] = []
    producer = AIOKafkaProducer(bootstrap_servers=platform.settings.kafka_bootstrap, acks="all", linger_ms=5)
    await producer.start()

    async def load() -> None:
        for round_ in range(UPDATES_PER_ACCOUNT):
            for account_id in accounts:
                command_id = str(uuid.uuid4())
                await producer.send(
                    topic, update_command(account_id, command_id, f"n{round_}"), key=account_id.encode()
                )
                sent.append(command_id)
            await asyncio.sleep(0.03)

    loader = asyncio.create_task(load())
    try:
        while len(sent) < ACCOUNTS * UPDATES_PER_ACCOUNT // 3:
            await asyncio.sleep(0.01)
        platform.kill("streams")  # mid-load: in-flight batches, unflushed changelog, uncommitted offsets
        killed_at = len(sent)
        await asyncio.sleep(0.5)
        platform.start("streams")
        await loader
        await producer.flush()
    finally:
        await producer.stop()
    assert 0 < killed_at < len(sent)

    # Every command has exactly one recorded outcome, all accepted.
    def all_answered() -> bool:
        rows = sql(
            platform,
            "SELECT status, count(*) FROM command_outcomes WHERE command_id = ANY(%s::uuid[]) GROUP BY 1",
            sent,
        )
        return rows == [("accepted", len(sent))]

    eventually(all_answered, timeout=120, interval=0.5)

    expected_version = 1 + UPDATES_PER_ACCOUNT  # registered, then one event per update
    rows = sql(platform, "SELECT id::text, first_name, version FROM user_accounts WHERE id = ANY(%s::uuid[])", accounts)
    assert sorted(rows) == sorted((a, f"n{UPDATES_PER_ACCOUNT - 1}", expected_version) for a in accounts)

    # On the topic, each version of each aggregate is one event id (a re-run re-emits the same one),
    # and versions run 1..N without a gap: the state came back from the changelog, not from zero.
    by_version: dict[tuple[str, int], set[str]] = defaultdict(set)
    for _, value, _ in await read_topic(platform, "user_account.events"):
        envelope = codec().decode_envelope(value)
        if envelope.aggregate_id in accounts:
            by_version[(envelope.aggregate_id, envelope.aggregate_version)].add(envelope.message_id)
    assert all(len(ids) == 1 for ids in by_version.values())
    for account_id in accounts:
        versions = sorted(v for (a, v) in by_version if a == account_id)
        assert versions == list(range(1, expected_version + 1))

    # Analytics holds each event once, whatever the redeliveries.
    def analytics_counts() -> bool:
        counts = analytics(
            platform,
            "SELECT aggregate_id, count(), uniqExact(event_id) FROM events FINAL"
            " WHERE aggregate_id IN {ids:Array(String)} GROUP BY aggregate_id",
            {"ids": accounts},
        )
        return sorted(counts) == sorted((a, expected_version, expected_version) for a in accounts)

    eventually(analytics_counts, timeout=60, interval=0.5)

    # The recovered aggregate continues where it was: a login is its next version.
    answer_email = sql(platform, "SELECT email FROM user_accounts WHERE id = %s", accounts[0])[0][0]
    fresh = await login(api, answer_email, "correct horse battery")
    assert fresh["access_token"]
    assert sql(platform, "SELECT version FROM user_accounts WHERE id = %s", accounts[0]) == [(expected_version + 1,)]


async def test_dropped_postgres_read_model_is_rebuilt_by_replay(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("replay")
    await register(api, email)
    tokens = await login(api, email)
    await api.patch("/api/auth/profile", headers={"Authorization": f"Bearer {tokens['access_token']}"},
                    json={"locale": "ru-RU"})  # fmt: skip
    queries = {
        "user_accounts": "SELECT * FROM user_accounts ORDER BY id",
        "user_sessions": "SELECT * FROM user_sessions ORDER BY session_id",
        "command_outcomes": "SELECT command_id, status, code, reason, event_ids, aggregate_version"
        " FROM command_outcomes ORDER BY command_id",
        "aggregate_positions": "SELECT * FROM aggregate_positions ORDER BY 1, 2",
    }
    # Both snapshots must see the same topic contents: the live sink has settled when two reads agree.
    last: list[dict[str, list[tuple[object, ...]]]] = [{}]

    def settled() -> bool:
        now = {name: sql(platform, query) for name, query in queries.items()}
        same, last[0] = now == last[0], now
        return same

    eventually(settled, timeout=30, interval=0.3)
    before = last[0]
    assert before["user_accounts"]
    execute(platform, "DROP TABLE user_accounts, user_sessions, command_outcomes, aggregate_positions, sink_offsets")

    topics = [platform.settings.name(d.events_topic) for d in DOMAINS]
    topics += [platform.settings.name(d.results_topic) for d in DOMAINS]
    applied = await replay_postgres(platform.settings, codec(), PROJECTIONS, topics)
    assert applied > 0
    after = {name: sql(platform, query) for name, query in queries.items()}
    assert after == before

    # The live sink carries on after the rebuild.
    later = unique_email("after-replay")
    account_id = (await register(api, later))["id"]
    assert sql(platform, "SELECT email FROM user_accounts WHERE id = %s", account_id) == [(later,)]


async def test_unreadable_commands_go_to_the_dead_letter_topic_and_the_worker_keeps_going(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    topic = platform.settings.name("user_account.commands")
    producer = AIOKafkaProducer(bootstrap_servers=platform.settings.kafka_bootstrap, acks="all")
    await producer.start()
    marker = uuid.uuid4().hex
    try:
        await producer.send_and_wait(topic, b"\x01this is not avro " + marker.encode(), key=f"junk-{marker}".encode())
        await producer.send_and_wait(topic, b'{"json": "instead"}', key=f"json-{marker}".encode())
        await producer.send_and_wait(topic, None, key=f"tombstone-{marker}".encode())
    finally:
        await producer.stop()

    async def letters() -> dict[str, str]:
        found = {}
        for key, value, _ in await read_topic(platform, "user_account.commands.deadletter"):
            _, letter = codec().decode(value)
            if key and marker in key.decode():
                found[key.decode().split("-")[0]] = letter.reason
        return found

    deadline = time.monotonic() + 20
    reasons: dict[str, str] = {}
    while time.monotonic() < deadline and len(reasons) < 3:
        reasons = await letters()
        await asyncio.sleep(0.3)
    assert set(reasons) == {"junk", "json", "tombstone"}
    assert "not valid Avro" in reasons["junk"]
    assert "envelope" in reasons["json"]
    assert "empty record value" in reasons["tombstone"]

    # The worker is alive and still serving commands.
    email = unique_email("after-junk")
    await register(api, email)
    assert sql(platform, "SELECT count(*) FROM user_accounts WHERE email = %s", email) == [(1,)]


async def test_a_command_outliving_its_wait_answers_202_and_its_outcome_later(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("slow")
    await register(api, email)
    tokens = await login(api, email)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    platform.kill("streams")  # nobody decides commands for now
    try:
        answer = await api.patch("/api/auth/profile", headers=headers, json={"first_name": "Later"})
        assert answer.status_code == 202, answer.text
        command_id = answer.json()["command_id"]
        assert answer.headers["location"] == f"/api/commands/{command_id}"
        pending = await api.get(f"/api/commands/{command_id}", headers=headers)
        assert pending.json()["status"] == "pending"
    finally:
        platform.start("streams")

    async def outcome() -> dict[str, object]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body: dict[str, object] = (await api.get(f"/api/commands/{command_id}", headers=headers)).json()
            if body["status"] != "pending":
                return body
            await asyncio.sleep(0.3)
        raise AssertionError("no outcome")

    assert (await outcome())["status"] == "accepted"
    assert (await api.get("/api/auth/me", headers=headers)).json()["first_name"] == "Later"
    stranger = await login(api, (await register(api, unique_email("other")))["email"])
    assert (
        await api.get(f"/api/commands/{command_id}", headers={"Authorization": f"Bearer {stranger['access_token']}"})
    ).status_code == 404
