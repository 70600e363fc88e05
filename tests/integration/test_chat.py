"""Chat on the real stack: a forwarder and its client talk about a shipment; each reads the conversation, neither
the other's other data, and a third company nothing; messages arrive live on both sides and a client that was
away catches up exactly by sequence number; bad messages are refused with a reason."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import httpx
import psycopg

from sinks.postgres.database import api_dsn
from stack.processes import PlatformProcesses
from tests.document_samples import pdf_bytes
from tests.integration.document_steps import uploaded
from tests.integration.logistics_steps import ready_to_book
from tests.integration.observe import PushListener, bearer, company_member, company_owner, sql
from tests.integration.trade_steps import settled

POSTED = "chat.MessagePosted"


async def ok(api: httpx.AsyncClient, tokens: dict[str, str], method: str, path: str, read: str, **kw: Any) -> Any:
    """A command route's answer (waiting out a 202 under load by reading `read`)."""
    answer = await api.request(method, path, headers=bearer(tokens), **kw)
    assert answer.status_code in (200, 201, 202), f"{method} {path}: {answer.status_code} {answer.text}"
    return (await settled(api, tokens, answer, read)).json()


async def post(api: httpx.AsyncClient, tokens: dict[str, str], conversation: str, body: str, **more: Any) -> Any:
    path = f"/api/chat/conversations/{conversation}/messages"
    return await api.post(path, headers=bearer(tokens), json={"body": body, **more})


async def shared_shipment_conversation(
    api: httpx.AsyncClient,
) -> tuple[dict[str, str], str, dict[str, str], str, str, str]:
    """A forwarder's shipment, a conversation about it with its client, accepted by the client:
    (forwarder tokens, forwarder company, client tokens, client company, shipment id, conversation id)."""
    (forwarder, forwarder_id), (client, client_id) = await asyncio.gather(
        company_owner(api, "chat-forwarder"), company_owner(api, "chat-client")
    )
    shipment = await ready_to_book(api, forwarder, f"CH-{uuid.uuid4().hex[:8]}")
    opened = await ok(
        api, forwarder, "POST", "/api/chat/conversations", "/api/chat/conversations",
        json={"kind": "partner", "title": "Container to Shanghai", "subject_type": "shipment", "subject_id": shipment,
              "partner_company_id": client_id},
    )  # fmt: skip
    conversation = opened["id"] if "id" in opened else opened["aggregate_id"]
    await ok(
        api, client, "POST", f"/api/chat/conversations/{conversation}/accept", f"/api/chat/conversations/{conversation}"
    )
    return forwarder, forwarder_id, client, client_id, shipment, conversation


async def test_two_companies_chat_on_a_shipment_and_a_third_sees_nothing(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    forwarder, forwarder_id, client, client_id, shipment, conversation = await shared_shipment_conversation(api)
    third, third_id = await company_owner(api, "chat-third")
    path = f"/api/chat/conversations/{conversation}"

    # Opening again is the same conversation (idempotent); both companies see it, the client as accepted.
    same = {"kind": "partner", "subject_type": "shipment", "subject_id": shipment, "partner_company_id": client_id}
    again = await api.post("/api/chat/conversations", headers=bearer(forwarder), json=same)
    assert again.status_code == 201 and again.json()["id"] == conversation, again.text
    seen_by_client = (await api.get(path, headers=bearer(client))).json()
    assert seen_by_client["company_status"] == "accepted" and seen_by_client["owner_company_id"] == forwarder_id
    assert {m["company_id"] for m in seen_by_client["members"]} == {forwarder_id, client_id}
    anna = next(m["user_id"] for m in seen_by_client["members"] if m["company_id"] == forwarder_id)

    # Live: the forwarder's message reaches the client's socket within a second; the client's reply the forwarder's.
    async with (
        PushListener(platform, client["access_token"]) as client_socket,
        PushListener(platform, forwarder["access_token"]) as forwarder_socket,
    ):
        started = time.monotonic()
        first = await post(api, forwarder, conversation, "<script>alert('x')</script> booked on MSC Anna")
        assert first.status_code == 201, first.text
        await client_socket.wait_until(
            lambda got: [e for e in got if e["type"] == POSTED and e["aggregate_id"] == conversation],
            "the client's socket receives the forwarder's message", timeout=1.0 + (time.monotonic() - started),
        )  # fmt: skip
        delivered = time.monotonic() - started
        assert delivered < 1.0, f"delivered after {delivered:.2f}s"
        reply = await post(api, client, conversation, "Thanks!", reply_to=1, mentions=[anna])
        assert reply.status_code == 201, reply.text
        await forwarder_socket.wait_until(
            lambda got: [e for e in got if e["type"] == POSTED and e["payload"]["seq"] == 2],
            "the reply reaches the forwarder",
        )
        assert [
            e for e in client_socket.received if e["aggregate_id"] == shipment
        ] == []  # the shipment's own events stay

    # Both read the same messages; the script is text, kept as given.
    for side in (forwarder, client):
        items = (await api.get(f"{path}/messages", headers=bearer(side))).json()["items"]
        assert [(m["seq"], m["body"]) for m in items] == [
            (1, "<script>alert('x')</script> booked on MSC Anna"), (2, "Thanks!")]  # fmt: skip
        assert items[1]["reply_to"] == 1

    # Neither sees the other's other data through the conversation: the client cannot read the shipment it is about.
    assert (await api.get(f"/api/shipments/{shipment}", headers=bearer(client))).status_code == 404
    assert shipment not in {s["id"] for s in (await api.get("/api/shipments", headers=bearer(client))).json()["items"]}
    listed = (await api.get("/api/chat/conversations", headers=bearer(client))).json()["items"]
    assert [c["id"] for c in listed] == [conversation]

    # Edit own only, delete keeps a tombstone, read markers and unread counts.
    assert (await api.put(f"{path}/messages/1", headers=bearer(client), json={"body": "mine"})).status_code == 403
    edited = await api.put(f"{path}/messages/2", headers=bearer(client), json={"body": "Thanks, noted"})
    assert edited.status_code == 200 and edited.json()["body"] == "Thanks, noted", edited.text
    assert (await api.get("/api/chat/unread", headers=bearer(forwarder))).json() == {"unread": 1}
    deleted = await api.delete(f"{path}/messages/2", headers=bearer(client))
    assert deleted.status_code == 200 and deleted.json()["deleted"] and deleted.json()["body"] == "", deleted.text
    assert (await api.get("/api/chat/unread", headers=bearer(forwarder))).json() == {"unread": 0}
    logged = sql(platform, "SELECT count(*) FROM chat_messages WHERE conversation_id = %s", conversation)
    assert logged == [(2,)]  # the tombstone keeps its number

    # Bad input is refused with a reason.
    document_of_client = await uploaded(api, client, pdf_bytes(1, "client's"))
    colleague, colleague_id = await company_member(api, forwarder, forwarder_id, "operator", "chat-colleague")
    refusals = {
        "empty": ({"body": "   "}, 422, "not empty"),
        "oversized": ({"body": "x" * 4001}, 422, "4000"),
        "mention of a non-member": ({"body": "@you", "mentions": [colleague_id]}, 422, "not a member"),
        "another company's document": (
            {"body": "see", "attachments": [document_of_client["id"]]},
            422,
            "no such document",
        ),
    }
    for what, (body, code, reason) in refusals.items():
        refused = await api.post(f"{path}/messages", headers=bearer(forwarder), json=body)
        assert refused.status_code == code and reason in refused.text, (what, refused.status_code, refused.text)
    assert (await post(api, colleague, conversation, "me too?")).status_code == 403  # not a member yet
    added = await api.post(f"{path}/members", headers=bearer(forwarder), json={"user_id": colleague_id})
    assert added.status_code == 200, added.text
    assert (
        await api.post(f"{path}/members", headers=bearer(client), json={"user_id": colleague_id})
    ).status_code == 422
    mentioned = await post(api, forwarder, conversation, "@colleague", mentions=[colleague_id])
    assert mentioned.status_code == 201 and mentioned.json()["mentions"] == [colleague_id], mentioned.text

    # A third company gets 404 on every chat route with this conversation, and lists nothing.
    spec = (await api.get("/openapi.json")).json()
    ids = {"conversation_id": conversation, "seq": "1", "user_id": colleague_id}
    tried = 0
    for route, operations in spec["paths"].items():
        if not route.startswith("/api/chat/conversations/{"):
            continue
        concrete = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], route)
        for method in operations:
            body = {"body": "hi", "seq": 1, "user_id": colleague_id} if method in ("post", "put") else None
            body = {k: v for k, v in (body or {}).items() if k in _fields(spec, operations[method])} if body else None
            answer = await api.request(method.upper(), concrete, headers=bearer(third), json=body)
            assert answer.status_code == 404, f"{method.upper()} {route} as a third company: {answer.status_code}"
            tried += 1
    assert tried >= 9
    assert (await api.get("/api/chat/conversations", headers=bearer(third))).json() == {"items": [], "unread_total": 0}
    assert (await api.get("/api/chat/unread", headers=bearer(third))).json() == {"unread": 0}

    # The database itself: the API's role sees the one copy of the conversation as either company, never as a third.
    with psycopg.connect(api_dsn(platform.settings)) as conn:
        for company, visible in ((forwarder_id, 1), (client_id, 1), (third_id, 0), ("", 0)):
            with conn.transaction():
                conn.execute("SELECT set_config('wellwon.tenant_id', %s, true)", (company,))
                counts = [
                    conn.execute(f"SELECT count(*) FROM {table} WHERE conversation_id = %s", (conversation,)).fetchone()
                    for table in ("chat_conversation_companies", "chat_members", "chat_messages")
                ]
                shown = conn.execute(
                    "SELECT count(*) FROM chat_conversations WHERE id = %s", (conversation,)
                ).fetchone()
                assert shown == (visible,), company
                assert all(count != (0,) for count in counts) if visible else counts == [(0,)] * 3, (company, counts)


def _fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


async def test_a_client_away_for_30_messages_catches_up_exactly(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    forwarder, _, client, _, _, conversation = await shared_shipment_conversation(api)
    path = f"/api/chat/conversations/{conversation}/messages"
    seen: dict[int, str] = {}
    async with PushListener(platform, client["access_token"]) as socket:
        assert (await post(api, forwarder, conversation, "before")).status_code == 201
        await socket.wait_until(lambda got: [e for e in got if e["type"] == POSTED], "the first message arrives live")
        seen.update({e["payload"]["seq"]: e["payload"]["body"] for e in socket.received if e["type"] == POSTED})
    # Away: 30 messages, sent together.
    answers = await asyncio.gather(*(post(api, forwarder, conversation, f"update {n}") for n in range(30)))
    assert all(a.status_code in (201, 202) for a in answers), [a.text for a in answers if a.status_code >= 300]
    async with PushListener(platform, client["access_token"]) as socket:
        # Back: catch up after the highest seen; then one more arrives live; together: each exactly once.
        deadline = time.monotonic() + 30
        while (caught := (await api.get(path, headers=bearer(client), params={"after_seq": max(seen)})).json())[
            "last_seq"
        ] < 31:
            assert time.monotonic() < deadline, caught["last_seq"]
            await asyncio.sleep(0.2)
        caught_up = caught["items"]
        assert [m["seq"] for m in caught_up] == list(range(2, 32))
        assert sorted(m["body"] for m in caught_up) == sorted(f"update {n}" for n in range(30))
        for message in caught_up:
            assert message["seq"] not in seen
            seen[message["seq"]] = message["body"]
        assert (await post(api, forwarder, conversation, "after")).status_code == 201
        await socket.wait_until(lambda got: [e for e in got if e["type"] == POSTED], "the next message arrives live")
        live = [e["payload"]["seq"] for e in socket.received if e["type"] == POSTED]
        assert live == [32]
        seen[32] = "after"
    assert sorted(seen) == list(range(1, 33))
    assert len({b for b in seen.values()}) == 32
