"""Customs-gateway credentials against the real stack: issued by an operator, scoped, per tenant, revocable, audited.

Each credential here is issued the way an operator issues one (`wellwon gateways issue`: a command
through Kafka, the decider, the Postgres projection); the API admits register, release and reject
only with a live credential's key, for its tenants and its scopes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from sinks.postgres.database import api_dsn
from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_postgres
from stack.processes import PlatformProcesses
from streams.customs_gateway.operators import issue_gateway_credential, revoke_gateway_credential
from streams.registry import DOMAINS, codec
from tests.integration.gateway_steps import credential_id, gateway, gateway_key, revoke
from tests.integration.logistics_steps import poll
from tests.integration.observe import analytics, bearer, company_owner, eventually, execute, read_topic, sql
from tests.integration.test_customs import create, full_declaration
from wellwon.api_keys import key_hash

REGISTRATION = {"registration_number": "10702070/170325/0012345", "registered_on": "2025-03-17"}


async def submitted_declaration(api: httpx.AsyncClient, owner: dict[str, str]) -> str:
    declaration_id = await create(api, bearer(owner), full_declaration())
    validated = await api.post(f"/api/declarations/{declaration_id}/validate", headers=bearer(owner))
    assert validated.status_code == 200 and validated.json()["status"] == "validated", validated.text
    answer = await api.post(f"/api/declarations/{declaration_id}/submit", headers=bearer(owner))
    assert answer.status_code == 200 and answer.json()["status"] == "submitted", answer.text
    return declaration_id


def status_and_version(platform: PlatformProcesses, declaration_id: str) -> tuple[str, int]:
    query = "SELECT status, version FROM customs_declarations WHERE id = %s"
    [(status, version)] = sql(platform, query, declaration_id)
    return str(status), int(version)


def wellwon(platform: PlatformProcesses, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command line, in the test's namespace."""
    return subprocess.run(
        [sys.executable, "-m", "wellwon.cli", *args], env=platform.env, capture_output=True, text=True, timeout=120
    )


async def test_an_issued_credential_registers_and_releases_and_the_audit_names_it(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "gateway-audit")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id, scopes=("register", "release"))

    # The tenant's owner, however privileged, is no gateway.
    as_owner = await api.post(f"/api/declarations/{declaration_id}/register", headers=bearer(owner), json=REGISTRATION)
    assert as_owner.status_code == 401, as_owner.text

    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=REGISTRATION)
    assert registered.status_code == 200 and registered.json()["status"] == "registered", registered.text
    released = await api.post(f"/api/declarations/{declaration_id}/release", headers=gateway(key))
    assert released.status_code == 200 and released.json()["status"] == "released", released.text

    async def registration_entry() -> dict[str, Any] | None:
        trail = await api.get("/api/audit", headers=bearer(owner), params={"aggregate_id": declaration_id})
        assert trail.status_code == 200, trail.text
        entries = [e for e in trail.json()["entries"] if e["event_type"].endswith(".DeclarationRegistered")]
        return entries[0] if entries else None

    entry = await poll(registration_entry)
    assert entry["actor_id"] == credential_id(key)
    history = (await api.get(f"/api/declarations/{declaration_id}/history", headers=bearer(owner))).json()
    actors = {h["event"]: h["actor_id"] for h in history}
    assert actors["DeclarationRegistered"] == actors["DeclarationReleased"] == credential_id(key)
    assert actors["DeclarationSubmitted"] != credential_id(key)


async def test_a_scope_the_credential_lacks_is_forbidden_and_sends_nothing(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "gateway-scope")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id, scopes=("register",))

    answer = await api.post(f"/api/declarations/{declaration_id}/reject", headers=gateway(key), json={"reason": "x"})
    assert answer.status_code == 403 and "may not reject" in answer.json()["detail"], answer.text
    # Positive control: the same key does what it is scoped for; the refused reject left no trace before it.
    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=REGISTRATION)
    assert registered.status_code == 200, registered.text
    events = [r for r in await read_topic(platform, "customs_declaration.commands") if r[0] == declaration_id.encode()]
    sent = [value for _, value, _ in events if value is not None]
    assert not any(b"RejectDeclaration" in value for value in sent)
    assert any(b"RegisterDeclaration" in value for value in sent)
    assert status_and_version(platform, declaration_id)[0] == "registered"


async def test_a_credential_of_tenant_a_cannot_reach_tenant_b(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    _, company_a = await company_owner(api, "gateway-a")
    owner_b, company_b = await company_owner(api, "gateway-b")
    declaration_b = await submitted_declaration(api, owner_b)
    before = status_and_version(platform, declaration_b)
    key_a = await gateway_key(platform, company_a)

    for action, body in (("register", REGISTRATION), ("release", None), ("reject", {"reason": "x"})):
        answer = await api.post(f"/api/declarations/{declaration_b}/{action}", headers=gateway(key_a), json=body)
        assert answer.status_code == 404 and answer.json()["detail"] == "no such declaration", answer.text
    assert status_and_version(platform, declaration_b) == before

    # A credential for both tenants finds B's declaration through its tenants, and acts in B.
    key_ab = await gateway_key(platform, company_a, company_b)
    answer = await api.post(f"/api/declarations/{declaration_b}/register", headers=gateway(key_ab), json=REGISTRATION)
    assert answer.status_code == 200 and answer.json()["status"] == "registered", answer.text
    [(tenant,)] = sql(platform, "SELECT tenant_id FROM customs_declarations WHERE id = %s", declaration_b)
    assert tenant == company_b


async def test_forged_tokens_users_and_wrong_keys_get_401(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api, "gateway-forged")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id)
    at = datetime.now(UTC)
    forged = jwt.encode(
        {"sub": "fts", "tid": company_id, "typ": "customs_gateway", "iat": at, "exp": at + timedelta(hours=1)},
        platform.settings.jwt_secret,
        "HS256",
    )
    attempts = {
        "forged JWT as bearer": {"Authorization": f"Bearer {forged}"},
        "forged JWT as key": gateway(forged),
        "owner's token": bearer(owner),
        "no credentials": {},
        "right id, wrong secret": gateway(f"{credential_id(key)}.not-the-secret"),
        "unknown key": gateway("6f1c2a4e-0000-4000-8000-000000000001.whatever"),
        "key without its id": gateway(key.partition(".")[2]),
    }
    for what, headers in attempts.items():
        answer = await api.post(f"/api/declarations/{declaration_id}/register", headers=headers, json=REGISTRATION)
        assert answer.status_code == 401, f"{what}: {answer.status_code} {answer.text}"
    assert status_and_version(platform, declaration_id)[0] == "submitted"
    answer = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=REGISTRATION)
    assert answer.status_code == 200, answer.text  # positive control: the real key


async def test_the_operators_command_line_issues_lists_and_revokes(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "gateway-cli")
    declaration_id = await submitted_declaration(api, owner)
    issued = wellwon(platform, "gateways", "issue", "--name", "FTS central", "--tenant", company_id,
                     "--scope", "register", "--scope", "release")  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip().splitlines()[-1]
    assert key.startswith(credential_id(key) + ".") and len(key) > 60

    listed = wellwon(platform, "gateways", "list")
    assert listed.returncode == 0, listed.stderr
    [credential] = [c for c in map(json.loads, listed.stdout.splitlines()) if c["id"] == credential_id(key)]
    assert credential["name"] == "FTS central" and credential["tenant_ids"] == [company_id]
    assert credential["scopes"] == ["register", "release"] and credential["revoked_at"] is None
    assert key.partition(".")[2] not in listed.stdout and key_hash(key) not in listed.stdout

    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=REGISTRATION)
    assert registered.status_code == 200, registered.text

    revoked = wellwon(platform, "gateways", "revoke", credential_id(key), "--reason", "gateway decommissioned")
    assert revoked.returncode == 0, revoked.stderr
    # The CLI returns once the revocation is projected: the very next request is refused.
    [(revoked_at,)] = sql(platform, "SELECT revoked_at FROM customs_gateway_credentials WHERE id = %s",
                          credential_id(key))  # fmt: skip
    assert revoked_at is not None
    answer = await api.post(f"/api/declarations/{declaration_id}/release", headers=gateway(key))
    assert answer.status_code == 401, answer.text
    assert status_and_version(platform, declaration_id)[0] == "registered"

    again = wellwon(platform, "gateways", "revoke", credential_id(key), "--reason", "twice")
    assert again.returncode != 0 and "revoked already" in again.stderr
    with pytest.raises(SystemExit, match="no such companies"):
        await issue_gateway_credential(platform.settings, "typo", ["no-such-company"], ["register"])


async def test_a_revoked_or_expired_key_stops_working(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api, "gateway-revoke")
    declaration_id = await submitted_declaration(api, owner)
    key = await gateway_key(platform, company_id)
    await revoke(platform, key)
    query = "SELECT 1 FROM customs_gateway_credentials WHERE id = %s AND revoked_at IS NOT NULL"
    eventually(lambda: sql(platform, query, credential_id(key)))
    answer = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=REGISTRATION)
    assert answer.status_code == 401, answer.text
    outcome = await revoke_gateway_credential(platform.settings, credential_id(key), "again")
    assert outcome["status"] == "rejected" and outcome["code"] == "illegal_state", outcome

    # An expiring key works until its time, then is refused with nothing else changed.
    expires_at = datetime.now(UTC) + timedelta(seconds=10)
    expiring, outcome = await issue_gateway_credential(platform.settings, "FTS", [company_id], ["register"], expires_at)
    assert outcome["status"] == "accepted", outcome
    draft_id = await create(api, bearer(owner), full_declaration())
    answer = await api.post(f"/api/declarations/{draft_id}/register", headers=gateway(expiring), json=REGISTRATION)
    assert answer.status_code == 409, answer.text  # admitted; the decider refuses to register a draft

    async def refused() -> bool:
        answer = await api.post(f"/api/declarations/{draft_id}/register", headers=gateway(expiring), json=REGISTRATION)
        assert answer.status_code in (401, 409), answer.text
        return answer.status_code == 401

    await poll(refused, timeout=40)
    assert datetime.now(UTC) >= expires_at


async def test_the_key_hash_is_kept_and_the_key_is_nowhere(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    _, company_id = await company_owner(api, "gateway-secret")
    key = await gateway_key(platform, company_id)
    secret = key.partition(".")[2].encode()

    [(stored,)] = sql(platform, "SELECT key_hash FROM customs_gateway_credentials WHERE id = %s", credential_id(key))
    assert stored == key_hash(key)
    [(rows_with_key,)] = sql(platform, "SELECT count(*) FROM customs_gateway_credentials c WHERE c::text LIKE %s",
                             f"%{secret.decode()}%")  # fmt: skip
    assert rows_with_key == 0
    records = [
        value
        for topic in ("customs_gateway.commands", "customs_gateway.events", "customs_gateway.results")
        for _, value, _ in await read_topic(platform, topic)
        if value is not None
    ]
    assert any(key_hash(key).encode() in value for value in records)  # the hash travels...
    assert not any(secret in value for value in records)  # ...the key never does

    # The API's role cannot list credentials; it finds one only by its key's hash.
    with psycopg.connect(api_dsn(platform.settings)) as conn:
        assert conn.execute("SELECT count(*) FROM customs_gateway_credentials").fetchone() == (0,)
        found = conn.execute("SELECT credential_id FROM customs_gateway_of_key(%s)", (key_hash(key),)).fetchall()
        assert found == [(credential_id(key),)]
    # Analytics keep the issuance, without the hash.
    query = "SELECT payload FROM events FINAL WHERE aggregate_id = {id:String}"
    [(payload,)] = eventually(lambda: analytics(platform, query, {"id": credential_id(key)}))
    assert company_id in payload and key_hash(key) not in payload and "key_hash" not in payload


async def test_openapi_declares_the_gateway_key(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    scheme = spec["components"]["securitySchemes"]["CustomsGatewayKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Gateway-Key"}
    for action in ("register", "release", "reject"):
        operation = spec["paths"][f"/api/declarations/{{declaration_id}}/{action}"]["post"]
        assert operation["security"] == [{"CustomsGatewayKey": []}]


async def test_credentials_and_revocations_survive_a_replay(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "gateway-replay")
    declaration_id = await submitted_declaration(api, owner)
    active, revoked = await gateway_key(platform, company_id), await gateway_key(platform, company_id)
    await revoke(platform, revoked)
    before = sql(platform, "SELECT * FROM customs_gateway_credentials ORDER BY id")

    execute(platform, "DROP TABLE customs_gateway_credentials")
    topics = [platform.settings.name(d.events_topic) for d in DOMAINS]
    topics += [platform.settings.name(d.results_topic) for d in DOMAINS]
    assert await replay_postgres(platform.settings, codec(), PROJECTIONS, topics) > 0

    assert sql(platform, "SELECT * FROM customs_gateway_credentials ORDER BY id") == before
    with psycopg.connect(api_dsn(platform.settings)) as conn:  # rebuilt, and still hidden from the API's role
        assert conn.execute("SELECT count(*) FROM customs_gateway_credentials").fetchone() == (0,)
    answer = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(revoked), json=REGISTRATION)
    assert answer.status_code == 401, answer.text
    answer = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(active), json=REGISTRATION)
    assert answer.status_code == 200, answer.text
