"""Idempotency-Key on command routes: replayed answers, refused reuse, one command id across a Kafka outage."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.idempotency import KeyedRequest
from stack import services
from stack.processes import PlatformProcesses, free_port
from streams.registry import DOMAINS
from streams.user_account.decider import account_id_for_email
from tests.integration.observe import PASSWORD, bearer, events_of, login, register, sql, unique_email
from wellwon.envelope import Envelope


def keyed(tokens: dict[str, str], key: str) -> dict[str, str]:
    return {**bearer(tokens), "Idempotency-Key": key}


def of_command(events: list[Envelope], command_id: str) -> list[Envelope]:
    return [e for e in events if e.causation_id == command_id]


async def test_same_key_and_body_replays_the_first_answer_and_another_body_is_refused(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("idem")
    account_id = (await register(api, email))["id"]
    tokens = await login(api, email)
    key = f"rename-{uuid.uuid4()}"

    first = await api.patch("/api/auth/profile", headers=keyed(tokens, key), json={"first_name": "Grace"})
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers
    # Somebody else renames meanwhile: the replay must still be the first answer, not today's state.
    other = await api.patch("/api/auth/profile", headers=bearer(tokens), json={"first_name": "Ada"})
    assert other.status_code == 200, other.text

    again = await api.patch("/api/auth/profile", headers=keyed(tokens, key), json={"first_name": "Grace"})
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.json()["first_name"] == "Grace"

    changed = await api.patch("/api/auth/profile", headers=keyed(tokens, key), json={"first_name": "Hopper"})
    assert changed.status_code == 409
    assert "Idempotency-Key" in changed.json()["detail"]

    # The same key from another user is that user's own key: it runs.
    stranger_email = unique_email("idem")
    await register(api, stranger_email)
    stranger = await login(api, stranger_email)
    theirs = await api.patch("/api/auth/profile", headers=keyed(stranger, key), json={"first_name": "Hopper"})
    assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers

    command_id = KeyedRequest(f"-/{account_id}", key).next_command_id()
    events = await events_of(platform, account_id)
    assert [e.schema_name.rsplit(".", 1)[-1] for e in of_command(events, command_id)] == ["UserProfileUpdated"]
    me = await api.get("/api/auth/me", headers=bearer(tokens))
    assert me.json()["first_name"] == "Ada"  # the replay changed nothing


async def test_a_failure_is_replayed_and_a_bad_key_is_refused(api: httpx.AsyncClient) -> None:
    email = unique_email("idem")
    await register(api, email)
    tokens = await login(api, email)
    key = str(uuid.uuid4())
    wrong = {"current_password": "not the password", "new_password": "a new long password"}
    first = await api.post("/api/auth/change-password", headers=keyed(tokens, key), json=wrong)
    assert first.status_code == 401
    again = await api.post("/api/auth/change-password", headers=keyed(tokens, key), json=wrong)
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (401, first.json(), "true")

    bad = await api.patch("/api/auth/profile", headers=keyed(tokens, "has space"), json={"first_name": "X"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


# The scenario, on a private broker: the shared stack's Kafka is never killed. ------------------------


class PrivateKafka:
    def __init__(self, folder: Path):
        self.port, self.controller_port = free_port(), free_port()
        self.folder = folder
        self.process: Any = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> None:  # a restart after kill -9 recovers its logs first
        self.process = services._kafka(self.port, self.controller_port, self.folder)()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert self.process.poll() is None, (self.folder / "service.log").read_text()[-2000:]
            time.sleep(0.2)
        raise AssertionError("private Kafka did not start: " + (self.folder / "service.log").read_text()[-2000:])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def private_kafka(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateKafka]:
    folder = Path(tempfile.mkdtemp(prefix="wellwon-kafka-"))
    broker = PrivateKafka(folder)
    broker.start()
    monkeypatch.setenv("KAFKA_BOOTSTRAP", broker.bootstrap)
    try:
        yield broker
    finally:
        if broker.process is not None and broker.process.poll() is None:
            broker.kill()
        shutil.rmtree(folder, ignore_errors=True)


def patch_until_answered(client: httpx.Client, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    """A client that retries with the same key until it has an answer (honouring 409's Retry-After)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            answer = client.patch("/api/auth/profile", headers=headers, json=body, timeout=30)
            if answer.status_code == 409 and "retry-after" in answer.headers:
                time.sleep(min(float(answer.headers["retry-after"]), 5))
            elif answer.status_code < 500:
                return answer
        except httpx.TimeoutException:
            pass
        assert time.monotonic() < deadline, "no answer within two minutes"


def sign_up(client: httpx.Client) -> tuple[str, dict[str, str]]:
    """A new account, logged in, once the freshly started platform has caught up (its first answers may be 202)."""
    email = unique_email("outage")
    body = {"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B"}
    registered = client.post("/api/auth/register", json=body, headers={"Idempotency-Key": email}, timeout=180)
    assert registered.status_code in (201, 202), registered.text
    deadline = time.monotonic() + 300
    while True:
        with contextlib.suppress(httpx.TimeoutException):
            logged_in = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=180)
            if logged_in.status_code == 200:
                return account_id_for_email(email), logged_in.json()
        assert time.monotonic() < deadline, "could not log in within five minutes"
        time.sleep(0.5)


def test_a_request_cut_off_by_a_kafka_outage_and_retried_later_is_applied_once(
    private_kafka: PrivateKafka,
) -> None:
    from wellwon.cli import prepare

    processes = PlatformProcesses(
        extra_env={"KAFKA_BOOTSTRAP": private_kafka.bootstrap, "COMMAND_TIMEOUT_SECONDS": "30"}
    )
    asyncio.run(prepare(processes.settings, DOMAINS))
    processes.start_all()
    try:
        processes.wait_for_api(timeout=300)  # a fresh broker on a busy box elects its leaders slowly
        with httpx.Client(base_url=processes.base_url, timeout=30) as client:
            account_id, tokens = sign_up(client)
            version_before = sql(processes, "SELECT version FROM user_accounts WHERE id = %s", account_id)[0][0]
            names = [f"Name{i:03d}" for i in range(90)]
            cut_off = 30
            for i, name in enumerate(names[:cut_off]):
                answer = patch_until_answered(client, keyed(tokens, f"profile-{i}"), {"first_name": name})
                assert answer.status_code == 200, answer.text

            private_kafka.kill()
            cut_headers, cut_body = keyed(tokens, f"profile-{cut_off}"), {"first_name": names[cut_off]}
            with pytest.raises(httpx.TimeoutException):  # the client gives up: it cannot know what happened
                client.patch("/api/auth/profile", headers=cut_headers, json=cut_body, timeout=3)
            still_running = client.patch("/api/auth/profile", headers=cut_headers, json=cut_body, timeout=10)
            assert still_running.status_code == 409 and int(still_running.headers["retry-after"]) >= 1
            private_kafka.start()

            for i, name in enumerate(names[cut_off + 1 :], start=cut_off + 1):
                for exited in processes.exited():  # what a supervisor does; `wellwon run` gets one (issue 8)
                    processes.start(exited)
                answer = patch_until_answered(client, keyed(tokens, f"profile-{i}"), {"first_name": name})
                assert answer.status_code in (200, 202), answer.text  # 202: applied later than the wait

            retried = patch_until_answered(client, cut_headers, cut_body)
            assert retried.status_code in (200, 202), retried.text

        command_id = KeyedRequest(f"-/{account_id}", f"profile-{cut_off}").next_command_id()
        events = [
            e for e in asyncio.run(events_of(processes, account_id)) if e.schema_name.endswith("UserProfileUpdated")
        ]
        applied = of_command(events, command_id)
        assert len(applied) == 1, [(e.aggregate_version, e.causation_id) for e in applied]
        assert len(events) == len(names)
        assert len({e.causation_id for e in events}) == len(names)
        version, first_name = sql(processes, "SELECT version, first_name FROM user_accounts WHERE id = %s", account_id)[
            0
        ]
        assert version == version_before + len(names)
        last = max(events, key=lambda e: e.aggregate_version)
        if applied[0].aggregate_version < last.aggregate_version:
            # Applied when Kafka came back, before the later updates: the newest name stands.
            assert first_name == names[-1]
        else:
            # The first attempt never reached Kafka: the retry was its only application.
            assert first_name == names[cut_off]
    finally:
        processes.stop_all()
