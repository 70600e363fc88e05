"""What integration tests look at: the read model, the analytics table, the topics, the pushes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import websockets
from aiokafka import AIOKafkaConsumer

from sinks.clickhouse import analytics_client
from sinks.postgres.database import owner_dsn
from stack.processes import PlatformProcesses
from streams.registry import codec
from wellwon.envelope import Envelope, UnreadableRecord
from wellwon.topics import partitions_of

PASSWORD = "correct horse battery"


def unique_email(label: str = "user") -> str:
    return f"{label}.{uuid.uuid4().hex[:10]}@example.com"


async def register(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    answer = await api.post(
        "/api/auth/register", json={"email": email, "password": password, "first_name": "Ada", "last_name": "Byron"}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def login(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    answer = await api.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    tokens: dict[str, str] = answer.json()
    return tokens


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def sql(platform: PlatformProcesses, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(owner_dsn(platform.settings)) as conn:
        return conn.execute(query, params).fetchall()


def execute(platform: PlatformProcesses, statement: str) -> None:
    with psycopg.connect(owner_dsn(platform.settings)) as conn:
        conn.execute(statement)


def analytics(platform: PlatformProcesses, query: str, parameters: dict[str, Any] | None = None) -> list[Any]:
    client = analytics_client(platform.settings)
    try:
        return list(client.query(query, parameters=parameters or {}).result_rows)
    finally:
        client.close()


def eventually(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Polls until `check` returns a truthy value (or stops raising AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last result {result!r}")
        time.sleep(interval)


async def read_topic(platform: PlatformProcesses, topic: str) -> list[tuple[bytes | None, bytes | None, int]]:
    """Every record of a topic: (key, value, partition)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=platform.settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [platform.settings.name(topic)])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[bytes | None, bytes | None, int]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                found += [(r.key, r.value, tp.partition) for r in records if r.offset < ends[tp]]
        return found
    finally:
        await consumer.stop()


async def events_of(platform: PlatformProcesses, aggregate_id: str, domain: str = "user_account") -> list[Envelope]:
    envelopes = [readable(value) for key, value, _ in await read_topic(platform, f"{domain}.events")]
    return [e for e in envelopes if e is not None and e.aggregate_id == aggregate_id]


def readable(value: bytes | None) -> Envelope | None:
    """A record's envelope, or None for one that is not a WellWon record (the dead-letter tests put such
    records on the shared session's event topics on purpose)."""
    try:
        return codec().decode_envelope(value)
    except UnreadableRecord:
        return None


async def event_types(platform: PlatformProcesses, aggregate_id: str, domain: str = "user_account") -> list[str]:
    """The aggregate's event types in order, e.g. ["UserAccountRegistered", "UserAuthenticated"]."""
    return [e.schema_name.rsplit(".", 1)[-1] for e in await events_of(platform, aggregate_id, domain)]


class PushListener:
    """A WebSocket client collecting every pushed event in the background.

    Entering fails unless the handshake succeeded, so a test cannot pass on a socket that never
    opened. "Nothing arrived" is only asserted next to a positive control: `wait_until` the same
    socket received an event sent after the one that must not arrive.
    """

    def __init__(self, platform: PlatformProcesses, access_token: str):
        self.url = f"ws://127.0.0.1:{platform.api_port}/ws?token={access_token}"
        self.received: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self.failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()  # opened, or failed to
        self._opened = False

    async def __aenter__(self) -> PushListener:
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._settled.wait(), 10)
        if not self._opened:
            raise AssertionError(f"the WebSocket did not open: {self.failure!r}, close code {self.closed_with}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _listen(self) -> None:
        try:
            async with websockets.connect(self.url) as socket:
                self._opened = True
                self._settled.set()
                async for message in socket:
                    self.received.append(json.loads(message))
        except websockets.ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else None
        except (OSError, websockets.InvalidHandshake) as failed:
            self.failure = failed
        finally:
            self._settled.set()

    def types(self) -> list[str]:
        return [event["type"].split(".", 1)[1] for event in self.received]

    async def wait_until(self, check: Callable[[list[dict[str, Any]]], bool], what: str, timeout: float = 10.0) -> None:
        """Polls the received events until `check` holds, or fails naming `what` after `timeout`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not check(self.received):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{what} within {timeout}s; received {self.types()}")
            await asyncio.sleep(0.02)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_until(lambda received: len(received) >= count, f"expected {count} pushes", timeout)
        return self.received

    async def wait_for_close(self, timeout: float = 10.0) -> int:
        deadline = asyncio.get_running_loop().time() + timeout
        while self.closed_with is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the socket was not closed within {timeout}s; received {self.types()}")
            await asyncio.sleep(0.02)
        return self.closed_with


def pushed(received: list[dict[str, Any]], event_type: str, tenant_id: str | None = None) -> list[dict[str, Any]]:
    """The received events of a type (e.g. "company.CompanyDetailsUpdated"), of one tenant if given."""
    return [e for e in received if e["type"] == event_type and (tenant_id is None or e.get("tenant_id") == tenant_id)]


RUSSIAN_COMPANY = {
    "legal_name": 'ООО "Веллвон Тест"',
    "name": "Wellwon Test",
    "country": "RU",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": {"country": "RU", "city": "Moscow", "street": "Vavilova 19", "postal_code": "117312"},
}


async def company_owner(api: httpx.AsyncClient, label: str = "owner") -> tuple[dict[str, str], str]:
    """A new user who created a new company and switched to it: (tokens, company id)."""
    email = unique_email(label)
    await register(api, email)
    tokens = await login(api, email)
    created = await api.post("/api/companies", headers=bearer(tokens), json=RUSSIAN_COMPANY)
    assert created.status_code == 201, created.text
    company_id: str = created.json()["id"]
    switched = await api.post(f"/api/companies/{company_id}/switch", headers=bearer(tokens))
    assert switched.status_code == 200, switched.text
    return switched.json(), company_id


async def company_member(
    api: httpx.AsyncClient, owner: dict[str, str], company_id: str, role: str, label: str = "member"
) -> tuple[dict[str, str], str]:
    """A new user added to the company with the role, logged in there: (tokens, user id)."""
    email = unique_email(label)
    user_id: str = (await register(api, email))["id"]
    added = await api.post(
        f"/api/companies/{company_id}/participants", headers=bearer(owner), json={"email": email, "role": role}
    )
    assert added.status_code == 201, added.text
    tokens = await login(api, email)
    switched = await api.post(f"/api/companies/{company_id}/switch", headers=bearer(tokens))
    assert switched.status_code == 200, switched.text
    return switched.json(), user_id
