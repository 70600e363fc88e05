"""User accounts end to end through the real stack: API -> Kafka -> Faust -> sinks -> reads and pushes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from stack.processes import PlatformProcesses
from streams.registry import codec
from tests.integration.observe import (
    PASSWORD,
    PushListener,
    analytics,
    bearer,
    event_types,
    events_of,
    eventually,
    login,
    register,
    sql,
    unique_email,
)


def account_row(platform: PlatformProcesses, account_id: str) -> tuple[object, ...]:
    rows = sql(
        platform,
        "SELECT email, first_name, last_name, phone, status, version, email_verified FROM user_accounts WHERE id = %s",
        account_id,
    )
    assert len(rows) == 1
    return rows[0]


def analytics_types(platform: PlatformProcesses, account_id: str) -> list[str]:
    rows = analytics(
        platform,
        "SELECT event_type FROM events FINAL WHERE aggregate_id = {id:String} ORDER BY aggregate_version",
        {"id": account_id},
    )
    return [row[0].split(".", 1)[1] for row in rows]


async def test_account_lifecycle_reaches_read_model_analytics_and_pushes(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("lifecycle")
    account_id = (await register(api, email))["id"]
    assert account_row(platform, account_id)[:5] == (email, "Ada", "Byron", None, "active")

    tokens = await login(api, email)
    async with PushListener(platform, tokens["access_token"]) as pushes:
        me = await api.get("/api/auth/me", headers=bearer(tokens))
        assert me.status_code == 200 and me.json()["email"] == email

        answer = await api.patch(
            "/api/auth/profile", headers=bearer(tokens), json={"first_name": "Augusta", "phone": "+44 20 7946 0000"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["first_name"] == "Augusta"
        assert account_row(platform, account_id)[1:4] == ("Augusta", "Byron", "+44 20 7946 0000")
        await pushes.wait_for(1)

        new_password = "an entirely new one"
        changed = await api.post(
            "/api/auth/change-password",
            headers=bearer(tokens),
            json={"current_password": PASSWORD, "new_password": new_password},
        )
        assert changed.status_code == 204, changed.text
        old = await api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401
        second = await login(api, email, new_password)

        logout = await api.post("/api/auth/logout", headers=bearer(tokens))
        assert logout.status_code == 204
        assert (await api.get("/api/auth/me", headers=bearer(tokens))).status_code == 401
        assert (await api.get("/api/auth/me", headers=bearer(second))).status_code == 200

        expected = [
            "UserAccountRegistered",
            "UserAuthenticated",
            "UserProfileUpdated",
            "UserPasswordChanged",
            "UserAuthenticated",
            "UserLoggedOut",
        ]

        # The socket joined after registration and login (versions 1 and 2); it sees everything after, then closes on
        # logout. The login's own push may still have been on its way when the socket joined (the API answers once
        # Postgres shows the login, not once the push sink has sent it), so that one may come too, and nothing else.
        def after_joining(received: list[dict[str, Any]]) -> list[str]:
            return [event["type"].split(".", 1)[1] for event in received if event["version"] > 2]

        await pushes.wait_until(lambda received: len(after_joining(received)) >= 4, "the events after joining")
        assert after_joining(pushes.received) == expected[2:]
        assert [event["version"] for event in pushes.received if event["version"] <= 2] in ([], [2])
        assert all("password_hash" not in event["payload"] for event in pushes.received)

    assert account_row(platform, account_id)[5] == len(expected)  # version: one per event
    assert eventually(lambda: analytics_types(platform, account_id) == expected)
    sessions = sql(platform, "SELECT count(*), count(revoked_at) FROM user_sessions WHERE account_id = %s", account_id)
    assert sessions == [(2, 1)]
    payloads = analytics(
        platform, "SELECT payload FROM events FINAL WHERE aggregate_id = {id:String}", {"id": account_id}
    )
    assert all("password_hash" not in json.loads(p[0]) for p in payloads)


async def test_email_verification_and_password_reset_by_token(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    import redis

    email = unique_email("tokens")
    account_id = (await register(api, email))["id"]
    outbox = redis.from_url(platform.settings.redis_url)
    letters = [json.loads(m) for m in outbox.lrange(platform.settings.name("mail:outbox"), 0, -1)]
    verify_token = next(letter["tokens"]["verify_email"] for letter in letters if letter["to"] == email)

    bad = await api.post("/api/auth/verify-email", json={"token": f"{account_id}.forged-secret"})
    assert bad.status_code == 401
    assert "UserEmailVerified" not in await event_types(platform, account_id)
    good = await api.post("/api/auth/verify-email", json={"token": verify_token})
    assert good.status_code == 204, good.text
    assert account_row(platform, account_id)[6] is True
    assert (await event_types(platform, account_id)).count("UserEmailVerified") == 1

    assert (await api.post("/api/auth/forgot-password", json={"email": email})).status_code == 202

    def reset_tokens() -> list[str]:  # the mail is sent after the answer, so that timing reveals nothing
        letters = [json.loads(m) for m in outbox.lrange(platform.settings.name("mail:outbox"), 0, -1)]
        tokens = [letter["tokens"]["reset_password"] for letter in letters if "reset_password" in letter["tokens"]]
        return [t for t in tokens if t.startswith(account_id)]

    reset_token = eventually(reset_tokens)[-1]
    reset = await api.post("/api/auth/reset-password", json={"token": reset_token, "new_password": "reset password 1"})
    assert reset.status_code == 204, reset.text
    again = await api.post("/api/auth/reset-password", json={"token": reset_token, "new_password": "reset password 2"})
    assert again.status_code == 401  # a reset token works once
    types = await event_types(platform, account_id)
    assert types[-2:] == ["PasswordResetRequested", "UserPasswordChanged"] and types.count("UserPasswordChanged") == 1
    assert (await api.post("/api/auth/login", json={"email": email, "password": PASSWORD})).status_code == 401
    await login(api, email, "reset password 1")
    # An unknown email gets the same answer, so the endpoint does not reveal who has an account.
    assert (await api.post("/api/auth/forgot-password", json={"email": unique_email()})).status_code == 202


async def test_delete_account_ends_sessions(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    email = unique_email("delete")
    account_id = (await register(api, email))["id"]
    tokens = await login(api, email)
    wrong = await api.post("/api/auth/delete-account", headers=bearer(tokens), json={"password": "not it at all"})
    assert wrong.status_code == 401
    assert await event_types(platform, account_id) == ["UserAccountRegistered", "UserAuthenticated"]
    deleted = await api.post("/api/auth/delete-account", headers=bearer(tokens), json={"password": PASSWORD})
    assert deleted.status_code == 204
    assert (await event_types(platform, account_id))[-1] == "UserAccountDeleted"
    assert account_row(platform, account_id)[4] == "deleted"
    assert (await api.get("/api/auth/me", headers=bearer(tokens))).status_code == 401
    assert (await api.post("/api/auth/login", json={"email": email, "password": PASSWORD})).status_code == 401


async def test_same_idempotency_key_twice_gives_one_event_and_the_same_answer(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("idempotent")
    account_id = (await register(api, email))["id"]
    tokens = await login(api, email)
    headers = {**bearer(tokens), "Idempotency-Key": "5b0d3c7e-7f57-4f4e-9b55-0a8f4d5e1c21"}
    first = await api.patch("/api/auth/profile", headers=headers, json={"last_name": "Lovelace"})
    again = await api.patch("/api/auth/profile", headers=headers, json={"last_name": "Lovelace"})
    other = await api.patch("/api/auth/profile", headers=headers, json={"last_name": "Somebody Else"})
    assert first.status_code == again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and first.json()["last_name"] == "Lovelace"
    assert other.status_code == 409, other.text  # the same key with another body is refused, not applied
    events = [e for e in await events_of(platform, account_id) if e.schema_name.endswith("UserProfileUpdated")]
    assert len(events) == 1
    outcome = await api.get(f"/api/commands/{events[0].causation_id}", headers=bearer(tokens))
    assert outcome.status_code == 200 and outcome.json()["status"] == "accepted"
    assert outcome.json()["event_ids"] == [events[0].message_id]


async def test_concurrent_registrations_of_one_email_let_exactly_one_succeed(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("race")
    bodies = [
        {"email": variant, "password": PASSWORD, "first_name": name, "last_name": "Racer"}
        for variant, name in ((email, "First"), (email.upper(), "Second"), (f"  {email} ", "Third"))
    ]
    answers = await asyncio.gather(*(api.post("/api/auth/register", json=body) for body in bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409], [a.text for a in answers]
    conflict = next(a for a in answers if a.status_code == 409)
    assert conflict.json()["detail"]["field"] == "email"
    assert len(sql(platform, "SELECT id FROM user_accounts WHERE email = %s", email)) == 1
    # One account under one id, whatever the spelling: the winner's registration is its only event.
    winner = next(a for a in answers if a.status_code == 201).json()
    assert {a.json()["id"] for a in answers if a.status_code == 201} == {winner["id"]}
    registered = await events_of(platform, winner["id"])
    assert [e.schema_name.rsplit(".", 1)[-1] for e in registered] == ["UserAccountRegistered"]
    assert codec().decode_payload(registered[0]).email == email


async def test_bad_input_is_refused_where_it_enters(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    malformed = await api.post(
        "/api/auth/register", content=b'{"email": "x@y.com", "password": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["type"] == "json_invalid"

    missing = await api.post("/api/auth/register", json={"email": "a@b.com", "password": PASSWORD})
    assert missing.status_code == 422
    assert {tuple(e["loc"]) for e in missing.json()["detail"]} == {("body", "first_name"), ("body", "last_name")}

    invalid = await api.post(
        "/api/auth/register", json={"email": "not-an-email", "password": "short", "first_name": "A", "last_name": "B"}
    )
    assert invalid.status_code == 422
    assert {e["loc"][-1] for e in invalid.json()["detail"]} == {"email", "password"}

    email = unique_email("bad")
    account_id = (await register(api, email))["id"]
    tokens = await login(api, email)
    unknown_field = await api.patch("/api/auth/profile", headers=bearer(tokens), json={"tenant_id": "x"})
    assert unknown_field.status_code == 422, unknown_field.text
    assert [e["loc"][-1] for e in unknown_field.json()["detail"]] == ["tenant_id"]
    assert await event_types(platform, account_id) == ["UserAccountRegistered", "UserAuthenticated"]

    wrong = await api.post("/api/auth/login", json={"email": email, "password": "wrong password"})
    assert wrong.status_code == 401
    nobody = await api.post("/api/auth/login", json={"email": unique_email(), "password": "wrong password"})
    assert nobody.status_code == 401 and nobody.json() == wrong.json()


async def test_expired_forged_and_misused_tokens_are_refused(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    email = unique_email("tokens")
    await register(api, email)
    tokens = await login(api, email)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    secret = platform.settings.jwt_secret

    expired = jwt.encode({**claims, "exp": datetime.now(UTC) - timedelta(seconds=1)}, secret, "HS256")
    forged = jwt.encode({**claims, "exp": datetime.now(UTC) + timedelta(hours=1)}, "somebody else's key", "HS256")
    tampered = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB")
    for token in (expired, forged, tampered, tokens["refresh_token"], "not.a.jwt"):
        answer = await api.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
    assert (await api.get("/api/auth/me")).status_code == 401

    refreshed = await api.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert (await api.get("/api/auth/me", headers=bearer(refreshed.json()))).status_code == 200
    bad_refresh = await api.post("/api/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert bad_refresh.status_code == 401


async def test_the_cli_sends_a_command_from_a_file(
    platform: PlatformProcesses, api: httpx.AsyncClient, tmp_path: Any
) -> None:
    from streams.registry import DOMAINS
    from wellwon.cli import send_from_file

    email = unique_email("cli")
    account_id = (await register(api, email))["id"]
    command = tmp_path / "command.json"
    command.write_text(
        json.dumps(
            {"domain": "user_account", "type": "UpdateProfile", "aggregate_id": account_id,
             "payload": {"locale": "de-DE"}, "actor_id": account_id}
        )
    )  # fmt: skip
    outcome = await send_from_file(platform.settings, command, DOMAINS)
    assert outcome["status"] == "accepted" and len(outcome["event_ids"]) == 1
    [updated] = [e for e in await events_of(platform, account_id) if e.message_id == outcome["event_ids"][0]]
    assert codec().decode_payload(updated).locale == "de-DE"
    eventually(lambda: sql(platform, "SELECT locale FROM user_accounts WHERE id = %s", account_id) == [("de-DE",)])
    command.write_text(json.dumps({"domain": "user_account", "type": "UpdateProfile", "aggregate_id": account_id,
                                   "payload": {"phone": "no"}}))  # fmt: skip
    rejected = await send_from_file(platform.settings, command, DOMAINS)
    assert (rejected["status"], rejected["field"]) == ("rejected", "phone")
    assert await event_types(platform, account_id) == ["UserAccountRegistered", "UserProfileUpdated"]
