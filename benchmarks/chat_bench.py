"""Benchmark of chat delivery: messages per second from the API to the other company's WebSocket, with p50/p99
latency at a steady rate, beside the platform's command baseline (a profile update from the API to its own
WebSocket, `engine_bench.api_to_push_latency`) measured in the same run on the same processes.

Run: `python -m benchmarks.chat_bench [--rate 20] [--messages 300] [--burst 300]` (starts the local stack if
needed; about a minute and a half with the defaults).

A forwarder and its client share a conversation; the forwarder posts, the client's socket receives. Steady:
one message every 1/rate seconds, latency from sending the POST to the event on the client's socket. Burst:
`--burst` messages with at most 32 in flight, messages/s from the first POST to the last delivery. The
baseline does the same with profile updates to the user's own socket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import websockets

from benchmarks.engine_bench import api_to_push_latency
from benchmarks.path_timing import percentile
from stack import services
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS
from wellwon.cli import prepare
from wellwon.topics import delete_namespace_topics

PASSWORD = "benchmark-pass-2026"
COMPANY = {
    "legal_name": 'ООО "Бенчмарк"', "name": "Bench", "country": "RU", "inn": "7707083893", "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": {"country": "RU", "city": "Moscow", "street": "Vavilova 19", "postal_code": "117312"},
}  # fmt: skip
IN_FLIGHT = 32


async def company_user(api: httpx.AsyncClient, label: str) -> tuple[dict[str, str], str]:
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    await api.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "first_name": label, "last_name": "B"}
    )
    tokens: dict[str, str] = {}
    for _ in range(100):  # the account becomes readable a moment after registering
        answer = await api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        if answer.status_code == 200:
            tokens = answer.json()
            break
        await asyncio.sleep(0.2)
    created = await api.post("/api/companies", headers=auth(tokens), json=COMPANY)
    assert created.status_code == 201, created.text
    company_id: str = created.json()["id"]
    switched = await api.post(f"/api/companies/{company_id}/switch", headers=auth(tokens))
    assert switched.status_code == 200, switched.text
    return switched.json(), company_id


def auth(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def conversation(api: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, str], str]:
    (forwarder, _), (client, client_id) = await asyncio.gather(company_user(api, "fwd"), company_user(api, "client"))
    opened = await api.post(
        "/api/chat/conversations", headers=auth(forwarder), json={"kind": "partner", "partner_company_id": client_id}
    )
    assert opened.status_code == 201, opened.text
    conversation_id: str = opened.json()["id"]
    accepted = await api.post(f"/api/chat/conversations/{conversation_id}/accept", headers=auth(client))
    assert accepted.status_code == 200, accepted.text
    return forwarder, client, conversation_id


async def deliveries(
    url: str,
    send: Callable[[int], Awaitable[Any]],
    match: Callable[[dict[str, Any]], int | None],
    count: int,
    rate: float | None,
) -> tuple[list[float], float]:
    """Send `count` (at `rate`/s, or a burst of IN_FLIGHT at a time); latencies, and deliveries per second."""
    sent: dict[int, float] = {}
    samples: list[float] = []
    last = 0.0
    async with websockets.connect(url) as socket:

        async def receive() -> None:
            nonlocal last
            async for message in socket:
                key = match(json.loads(message))
                if key is not None and key in sent:
                    last = time.monotonic()
                    samples.append(last - sent.pop(key))

        receiver = asyncio.create_task(receive())
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def one(n: int) -> None:
            async with limit:
                sent[n] = time.monotonic()
                await send(n)

        started = time.monotonic()
        tasks = []
        for n in range(count):
            tasks.append(asyncio.create_task(one(n)))
            if rate:
                await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 15
        while sent and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        receiver.cancel()
    return samples, len(samples) / max(last - started, 1e-9)


async def chat_run(processes: PlatformProcesses, count: int, rate: float | None) -> tuple[list[float], float]:
    async with httpx.AsyncClient(base_url=processes.base_url, timeout=60) as api:
        forwarder, client, conversation_id = await conversation(api)
        path = f"/api/chat/conversations/{conversation_id}/messages"

        def match(event: dict[str, Any]) -> int | None:
            if event["type"] != "chat.MessagePosted" or event["aggregate_id"] != conversation_id:
                return None
            body: str = event["payload"]["body"]
            return int(body.split()[-1]) if body.startswith("bench ") else None

        url = f"ws://127.0.0.1:{processes.api_port}/ws?token={client['access_token']}"
        return await deliveries(
            url, lambda n: api.post(path, headers=auth(forwarder), json={"body": f"bench {n}"}), match, count, rate
        )


async def profile_burst(processes: PlatformProcesses, count: int) -> tuple[list[float], float]:
    """The command baseline as a burst: profile updates to the user's own socket."""
    async with httpx.AsyncClient(base_url=processes.base_url, timeout=60) as api:
        tokens, _ = await company_user(api, "base")

        def match(event: dict[str, Any]) -> int | None:
            name = event["payload"].get("first_name") or ""
            return int(name[1:]) if event["type"].endswith("ProfileUpdated") and name.startswith("p") else None

        url = f"ws://127.0.0.1:{processes.api_port}/ws?token={tokens['access_token']}"
        return await deliveries(
            url, lambda n: api.patch("/api/auth/profile", headers=auth(tokens), json={"first_name": f"p{n}"}),
            match, count, None,
        )  # fmt: skip


async def main(rate: float, messages: int, burst: int) -> None:
    services.up()
    processes = PlatformProcesses(log_level="WARNING", extra_env={"COMMAND_TIMEOUT_SECONDS": "30"})
    await prepare(processes.settings, DOMAINS)
    try:
        processes.start_all()
        processes.wait_for_api(timeout=240)  # a loaded machine starts the API slowly
        await chat_run(processes, 20, rate)  # warm-up: groups joined, caches filled
        baseline, _, _ = await api_to_push_latency(processes, rate, messages)
        chat, chat_steady_rate = await chat_run(processes, messages, rate)
        _, baseline_burst = await profile_burst(processes, burst)
        _, chat_burst = await chat_run(processes, burst, None)
    finally:
        processes.stop_all()
        await delete_namespace_topics(processes.settings)

    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    c50, c99 = percentile(chat, 0.5), percentile(chat, 0.99)
    print(f"\nWellWon chat benchmark (one worker, one local broker, {processes.settings.partitions} partitions)")
    print(f"steady {rate:.0f}/s over {messages}, latency in seconds")
    print(f"{'path':58} {'p50':>8} {'p99':>8} {'p50 ratio':>10} {'p99 ratio':>10}")
    print(
        f"{'baseline: profile update, API -> engine -> sinks -> own WS':58} {b50:8.4f} {b99:8.4f} {1:10.2f} {1:10.2f}"
    )
    print(f"{'chat: message, API -> engine -> sinks -> other company WS':58} {c50:8.4f} {c99:8.4f} "
          f"{c50 / b50:10.2f} {c99 / b99:10.2f}")  # fmt: skip
    print(
        f"(samples: baseline {len(baseline)}, chat {len(chat)} of {messages}; chat delivered {chat_steady_rate:.1f}/s)"
    )
    print(f"burst of {burst}, {IN_FLIGHT} in flight: baseline {baseline_burst:.1f} commands/s, chat {chat_burst:.1f} "
          f"messages/s, ratio {chat_burst / baseline_burst:.2f}")  # fmt: skip
    figures = {
        "steady": {"rate": rate, "baseline_p50": b50, "baseline_p99": b99, "chat_p50": c50, "chat_p99": c99},
        "burst": {"baseline_per_second": baseline_burst, "chat_per_second": chat_burst},
    }
    print(orjson.dumps(figures).decode())


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="messages (and baseline commands) per second")
    parser.add_argument("--messages", type=int, default=300, help="messages in the steady run")
    parser.add_argument("--burst", type=int, default=300, help="messages in the burst run")
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.messages, args.burst))


if __name__ == "__main__":
    cli()
