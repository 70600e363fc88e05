"""Failure and recovery against the real stack: kill -9, replay, dead letters."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_postgres
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS, codec
from streams.user_account.commands import UpdateProfile
from tests.integration.observe import analytics, eventually, execute, login, read_topic, register, sql, unique_email
from wellwon.envelope import command_fields
from wellwon.topics import streams_app_id

ACCOUNTS = 20
UPDATES_PER_ACCOUNT = 60


def update_command(account_id: str, command_id: str, first_name: str) -> bytes:
    fields = command_fields("user_account", account_id, command_id, account_id)
    return codec().encode(fields, UpdateProfile(first_name=first_name))[1]


async def updates_with_a_fault(
    platform: PlatformProcesses, accounts: list[str], fault: Callable[[], Awaitable[None]]
) -> list[str]:
    """UPDATES_PER_ACCOUNT rounds of profile updates straight onto the commands topic, `fault` run a third of the way
    through (mid-load: in-flight batches, unflushed changelog, uncommitted offsets); the ids of the commands sent."""
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
        while len(sent) < len(accounts) * UPDATES_PER_ACCOUNT // 3:
            await asyncio.sleep(0.01)
        await fault()
        faulted_at = len(sent)
        await loader
        await producer.flush()
    finally:
        await producer.stop()
    assert 0 < faulted_at < len(sent)
    return sent


def all_accepted_once(platform: PlatformProcesses, sent: list[str], timeout: float) -> None:
    """Every command sent has exactly one recorded outcome, all accepted (waiting up to `timeout`)."""

    def all_answered() -> bool:
        rows = sql(
            platform,
            "SELECT status, count(*) FROM command_outcomes WHERE command_id = ANY(%s::uuid[]) GROUP BY 1",
            sent,
        )
        return rows == [("accepted", len(sent))]

    eventually(all_answered, timeout=timeout, interval=0.5)


async def assert_each_applied_once(platform: PlatformProcesses, accounts: list[str], sent: list[str]) -> None:
    all_accepted_once(platform, sent, timeout=120)

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


async def test_kill_9_of_the_stream_worker_loses_nothing_and_applies_nothing_twice(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    accounts = [(await register(api, unique_email("crash")))["id"] for _ in range(ACCOUNTS)]

    async def kill_and_restart() -> None:
        platform.kill("streams")
        await asyncio.sleep(0.5)  # commands go on arriving while no worker runs
        platform.start("streams")

    sent = await updates_with_a_fault(platform, accounts, kill_and_restart)
    await assert_each_applied_once(platform, accounts, sent)

    # The recovered aggregate continues where it was: a login is its next version.
    expected_version = 1 + UPDATES_PER_ACCOUNT
    answer_email = sql(platform, "SELECT email FROM user_accounts WHERE id = %s", accounts[0])[0][0]
    fresh = await login(api, answer_email, "correct horse battery")
    assert fresh["access_token"]
    assert sql(platform, "SELECT version FROM user_accounts WHERE id = %s", accounts[0]) == [(expected_version + 1,)]


async def consumer_group_members(platform: PlatformProcesses) -> int:
    """How many members the stream workers' consumer group has, once it is stable (0 while it rebalances)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=platform.settings.kafka_bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([streams_app_id(platform.settings)])
        _, _, state, _, _, members, *_ = response.groups[0]
        return len(members) if state == "Stable" else 0
    finally:
        await admin.close()


async def test_kill_9_of_one_of_two_stream_workers_loses_nothing_and_applies_nothing_twice(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    """The second worker (its own name, its own local store) takes half the partitions; killed -9 mid-load, its
    partitions move to the first worker after the session timeout, which resumes them from the changelog."""
    accounts = [(await register(api, unique_email("pair")))["id"] for _ in range(ACCOUNTS)]
    second = PlatformProcesses(
        namespace=platform.namespace, api_port=platform.api_port, extra_env={"STREAMS_WORKER_NAME": "worker-2"}
    )
    second.start("streams")
    try:
        deadline = time.monotonic() + 90
        while await consumer_group_members(platform) != 2:
            assert time.monotonic() < deadline, "the second worker never joined the group"
            await asyncio.sleep(0.5)

        async def kill_the_second() -> None:
            second.kill("streams")

        sent = await updates_with_a_fault(platform, accounts, kill_the_second)
        await assert_each_applied_once(platform, accounts, sent)
    finally:
        second.stop_all()


async def test_commands_behind_a_commit_that_ran_ahead_of_the_stored_offsets_are_read_again(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    """A kill -9 can leave the group's committed offsets past the offsets stored with the aggregates (the changelog's
    tail was lost, the commit was not). The worker must read the commands in between again, not start at the commit."""
    accounts = [(await register(api, unique_email("ahead")))["id"] for _ in range(8)]
    topic = platform.settings.name("user_account.commands")
    platform.stop("streams")
    producer = AIOKafkaProducer(bootstrap_servers=platform.settings.kafka_bootstrap, acks="all")
    await producer.start()
    sent: list[str] = []

    async def one_round(name: str) -> None:
        for account_id in accounts:
            command_id = str(uuid.uuid4())
            await producer.send_and_wait(topic, update_command(account_id, command_id, name), key=account_id.encode())
            sent.append(command_id)

    try:
        for round_ in range(3):
            await one_round(f"skipped{round_}")
        # The group's offsets move to the end of the topic, past the three rounds no worker has applied.
        group = AIOKafkaConsumer(
            bootstrap_servers=platform.settings.kafka_bootstrap,
            group_id=streams_app_id(platform.settings),
            enable_auto_commit=False,
        )
        await group.start()
        try:
            partitions = [TopicPartition(topic, p) for p in range(platform.settings.partitions)]
            group.assign(partitions)
            ends = await group.end_offsets(partitions)
            await group.commit({tp: offset for tp, offset in ends.items() if offset})
        finally:
            await group.stop()
        platform.start("streams")
        await one_round("last")  # the first record each partition reads shows the gap
    finally:
        await producer.stop()

    all_accepted_once(platform, sent, timeout=90)
    rows = sql(platform, "SELECT id::text, first_name, version FROM user_accounts WHERE id = ANY(%s::uuid[])", accounts)
    assert sorted(rows) == sorted((a, "last", 1 + 4) for a in accounts)


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
