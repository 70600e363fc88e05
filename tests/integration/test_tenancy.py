"""Companies, roles and tenant isolation against the real stack."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import psycopg
import pytest
import redis

from sinks.postgres.database import api_dsn
from sinks.postgres.projections import PROJECTIONS
from stack.processes import PlatformProcesses
from tests.document_samples import pdf_bytes
from tests.integration.document_steps import uploaded
from tests.integration.gateway_steps import gateway, gateway_key
from tests.integration.logistics_steps import ready_to_book
from tests.integration.observe import (
    RUSSIAN_COMPANY,
    PushListener,
    analytics,
    bearer,
    company_member,
    company_owner,
    events_of,
    eventually,
    login,
    pushed,
    register,
    sql,
    unique_email,
)
from tests.integration.test_customs import create as create_declaration
from tests.integration.test_customs import full_declaration

TENANT_TABLES = ("companies", "company_participants", "company_invitations", "audit_log")
# Every table the API's role reads under row-level security, whatever the domain.
ALL_TENANT_TABLES = tuple(t for p in PROJECTIONS for t in p.tenant_tables)


def tenant_snapshot(platform: PlatformProcesses, tenant_id: str) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sql(platform, f"SELECT * FROM {table} WHERE tenant_id = %s ORDER BY 1, 2", tenant_id)
        for table in ALL_TENANT_TABLES
    }


def sample(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A plausible value for an OpenAPI schema, so a request reaches the handler (not a 422)."""
    if "$ref" in schema:
        return sample(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return sample(options[0], spec) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: sample(prop, spec) for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}  # fmt: skip
    if kind == "array":
        return [sample(schema["items"], spec) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    pattern = schema.get("pattern", "")
    if "@" in pattern:
        return "somebody@example.com"
    if schema.get("format") == "date-time":
        return "2026-11-28T12:00:00Z"
    if schema.get("format") == "date":
        return "2026-11-28"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    text = "RU" if schema.get("maxLength") == 2 else "Sample text"
    return text if len(text) >= schema.get("minLength", 0) else "x" * schema["minLength"]


async def test_no_route_reveals_or_changes_another_tenants_data(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner_a, company_a = await company_owner(api, "tenant-a")
    owner_b, company_b = await company_owner(api, "tenant-b")
    _, member_b_id = await company_member(api, owner_b, company_b, "operator", "b-operator")
    invited = await api.post(
        f"/api/companies/{company_b}/invitations", headers=bearer(owner_b),
        json={"email": unique_email("b-invitee"), "role": "viewer"},
    )  # fmt: skip
    assert invited.status_code == 201, invited.text
    # Something of B's in every domain, so a 404 proves existence is not revealed.
    shipment_b = await ready_to_book(api, owner_b, f"B-{uuid.uuid4().hex[:8]}")
    warehouse = await api.post(
        "/api/warehouses", headers=bearer(owner_b), json={"code": "BW1", "name": "B", "country": "DE"}
    )
    assert warehouse.status_code == 201, warehouse.text
    declaration_b = await create_declaration(api, bearer(owner_b), full_declaration())
    partner = await api.post("/api/edi/partners", headers=bearer(owner_b),
                             json={"code": "BCARRIER", "name": "B's carrier", "sender_ids": ["BCARRIER"]})  # fmt: skip
    assert partner.status_code == 201, partner.text
    document_b = await uploaded(api, owner_b, pdf_bytes(1, "b"), linked_type="shipment", linked_id=shipment_b)
    channel_b = await api.post("/api/chat/conversations", headers=bearer(owner_b), json={"kind": "channel"})
    assert channel_b.status_code == 201, channel_b.text
    said = await api.post(f"/api/chat/conversations/{channel_b.json()['id']}/messages", headers=bearer(owner_b),
                          json={"body": "B only"})  # fmt: skip
    assert said.status_code == 201, said.text
    b_command = sql(platform, "SELECT command_id::text FROM command_outcomes WHERE tenant_id = %s LIMIT 1", company_b)
    b_ids = {
        "company_id": company_b,
        "user_id": member_b_id,
        "invitation_id": invited.json()["id"],
        "command_id": b_command[0][0],
        "shipment_id": shipment_b,
        "warehouse_id": warehouse.json()["id"],
        "declaration_id": declaration_b,
        "partner_id": partner.json()["id"],
        "role": "declarant",  # an enum in the path, not an id: a valid value so the id check is what answers
        "item_id": "1",
        "document_id": document_b["id"],
        "version": "1",  # a document's version and page: B's document has both
        "page": "1",
        "linked_type": "shipment",
        "linked_id": shipment_b,
        "conversation_id": channel_b.json()["id"],
        "seq": "1",  # B's message in B's channel
    }
    eventually(lambda: tenant_snapshot(platform, company_b)["audit_log"])
    before = tenant_snapshot(platform, company_b)

    gateway_a = gateway(await gateway_key(platform, company_a, name="gateway-a"))
    spec = (await api.get("/openapi.json")).json()
    tried = 0
    for path, operations in spec["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names or names == ["kind"]:
            continue  # no id in the path (a tariff table kind names the caller's own table): nothing of B to try
        # Ids this test does not know (routes of other domains) get one of B's ids: still B's, still 404.
        concrete = path
        for name in names:
            concrete = concrete.replace("{" + name + "}", b_ids.get(name, company_b))
        for method, operation in operations.items():
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = sample(content["application/json"]["schema"], spec)
                for name in names:  # a body that repeats a path id must repeat the same one
                    if isinstance(body, dict) and name in body:
                        body[name] = b_ids.get(name, company_b)
            # The customs authority's actions take its gateway's key (here: a credential for tenant A only).
            authority = re.search(r"/(register|release|reject)$", path) and path.startswith("/api/declarations")
            headers = gateway_a if authority else bearer(owner_a)
            answer = await api.request(method.upper(), concrete, headers=headers, json=body)
            assert answer.status_code == 404, f"{method.upper()} {path} as tenant A: {answer.status_code} {answer.text}"
            tried += 1
    assert tried >= 10

    # Lists and queries without ids show A's data only.
    mine = (await api.get("/api/companies", headers=bearer(owner_a))).json()
    assert [c["id"] for c in mine] == [company_a]
    audit = (await api.get("/api/audit", headers=bearer(owner_a))).json()["entries"]
    assert audit and all(e["aggregate_id"] != company_b for e in audit)
    assert (await api.get(f"/api/audit?aggregate_id={company_b}", headers=bearer(owner_a))).json()["entries"] == []
    panels = (await api.get("/api/analytics/dashboards/activity", headers=bearer(owner_a))).json()["panels"]
    busiest = next(p for p in panels if p["id"] == "busiest_aggregates")
    assert {row[1] for row in busiest["rows"]} == {company_a}

    # Subscribing: A's socket never receives B's events. Positive controls: B's own socket receives
    # B's change (so it was pushed), then A's socket receives A's own change, sent after B's.
    renamed = "company.CompanyDetailsUpdated"
    async with (
        PushListener(platform, owner_a["access_token"]) as pushes_a,
        PushListener(platform, owner_b["access_token"]) as pushes_b,
    ):
        changed = await api.patch(f"/api/companies/{company_b}", headers=bearer(owner_b), json={"name": "B renamed"})
        assert changed.status_code == 200, changed.text
        await pushes_b.wait_until(lambda got: pushed(got, renamed, company_b), "B's socket receives B's rename")
        mine = await api.patch(f"/api/companies/{company_a}", headers=bearer(owner_a), json={"name": "A renamed"})
        assert mine.status_code == 200, mine.text
        await pushes_a.wait_until(lambda got: pushed(got, renamed, company_a), "A's socket receives A's rename")
        assert [event for event in pushes_a.received if event["tenant_id"] == company_b] == []

    after = tenant_snapshot(platform, company_b)
    assert after["companies"][0][3] == "B renamed"  # B's own change went through...
    for table in ALL_TENANT_TABLES:  # ...and nothing A tried did
        if table not in ("companies", "audit_log"):
            assert after[table] == before[table], table
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1


async def test_the_api_database_role_sees_only_the_tenant_it_sets(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    # Its own two tenants, so the test holds alone and in any order.
    (_, a), (_, b) = await company_owner(api, "rls-a"), await company_owner(api, "rls-b")
    eventually(lambda: len(sql(platform, "SELECT id FROM companies WHERE id IN (%s, %s)", a, b)) == 2)
    with psycopg.connect(api_dsn(platform.settings)) as conn:
        for table in ALL_TENANT_TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table  # no tenant: nothing
        with conn.transaction():
            conn.execute("SELECT set_config('wellwon.tenant_id', %s, true)", (a,))
            for table in ALL_TENANT_TABLES:
                rows = conn.execute(f"SELECT DISTINCT tenant_id FROM {table}").fetchall()
                assert rows in ([(a,)], []), (table, rows)
            assert conn.execute("SELECT count(*) FROM companies WHERE id = %s", (b,)).fetchone() == (0,)
        # The role cannot switch row-level security off, nor write.
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("SET LOCAL row_security = off")
            conn.execute("SELECT * FROM companies")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("UPDATE companies SET legal_name = 'hijacked'")
        rolbypass = conn.execute("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        assert rolbypass == (False, False)


FORBIDDEN: dict[str, list[tuple[str, str, dict[str, Any] | None]]] = {
    "admin": [("POST", "/archive", {})],
    "operator": [
        ("PATCH", "", {"name": "Not allowed"}),
        ("POST", "/archive", {}),
        ("POST", "/participants", {"email": "x@example.com", "role": "viewer"}),
        ("POST", "/invitations", {"email": "x@example.com", "role": "viewer"}),
        ("GET", "/invitations", None),
    ],
    "accountant": [("PATCH", "", {"name": "Not allowed"}), ("DELETE", "/participants/{owner}", None)],
    "viewer": [
        ("PATCH", "", {"name": "Not allowed"}),
        ("POST", "/invitations", {"email": "x@example.com", "role": "viewer"}),
        ("PATCH", "/participants/{owner}", {"role": "viewer"}),
    ],
}


async def test_each_roles_forbidden_commands_get_403_and_emit_nothing(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "roles")
    owner_id = sql(platform, "SELECT user_id FROM company_participants WHERE tenant_id = %s", company_id)[0][0]
    events_before = len(await events_of(platform, company_id, "company"))
    for role, attempts in FORBIDDEN.items():
        tokens, _ = await company_member(api, owner, company_id, role, role)
        events_before += 1  # the ParticipantAdded of this member
        for method, suffix, body in attempts:
            url = f"/api/companies/{company_id}{suffix.replace('{owner}', owner_id)}"
            answer = await api.request(method, url, headers=bearer(tokens), json=body)
            assert answer.status_code == 403, f"{role} {method} {url}: {answer.status_code} {answer.text}"
            assert role in answer.text
    assert len(await events_of(platform, company_id, "company")) == events_before

    # Enforced in the stream too: a viewer's command with a forged "owner" claim is refused there.
    from api.command_bus import CommandBus, Issued
    from streams.company.commands import ArchiveCompany
    from streams.company.domain import COMPANY
    from streams.registry import DOMAINS, codec

    viewer_id = sql(platform, "SELECT user_id FROM company_participants WHERE tenant_id = %s AND role = 'viewer'",
                    company_id)[0][0]  # fmt: skip

    async def no_wait(_t: str, _i: str) -> int:
        return 1 << 62

    bus = CommandBus(platform.settings, codec(), DOMAINS, no_wait)
    await bus.start()
    try:
        _, outcome = await bus.send(
            COMPANY, company_id, ArchiveCompany("forged"), Issued(viewer_id, company_id, (("role", "owner"),))
        )
    finally:
        await bus.stop()
    assert outcome is not None and outcome.status == "rejected" and outcome.code == "forbidden"
    assert len(await events_of(platform, company_id, "company")) == events_before


async def test_removing_a_participant_ends_their_access_at_once(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company_id = await company_owner(api, "remover")
    member, member_id = await company_member(api, owner, company_id, "operator", "removed")
    assert (await api.get(f"/api/companies/{company_id}", headers=bearer(member))).status_code == 200
    renames = "company.CompanyDetailsUpdated"
    async with (
        PushListener(platform, member["access_token"]) as pushes,
        PushListener(platform, owner["access_token"]) as owner_pushes,
    ):
        renamed = await api.patch(f"/api/companies/{company_id}", headers=bearer(owner), json={"name": "Seen"})
        assert renamed.status_code == 200
        await pushes.wait_until(lambda got: pushed(got, renames, company_id), "the member sees the rename")
        removed = await api.delete(f"/api/companies/{company_id}/participants/{member_id}", headers=bearer(owner))
        assert removed.status_code == 204
        assert (await api.get(f"/api/companies/{company_id}", headers=bearer(member))).status_code == 401
        assert await pushes.wait_for_close() == 4401
        assert pushes.types()[-1] == "ParticipantRemoved"
        count = len(pushes.received)
        unseen = await api.patch(f"/api/companies/{company_id}", headers=bearer(owner), json={"name": "Unseen"})
        assert unseen.status_code == 200
        # Positive control: the owner's socket receives this second rename; the removed member's does not.
        await owner_pushes.wait_until(lambda got: len(pushed(got, renames, company_id)) == 2, "the owner sees both")
        assert len(pushes.received) == count
    refreshed = await api.post("/api/auth/refresh", json={"refresh_token": member["refresh_token"]})
    assert refreshed.status_code == 401  # the refresh token named the company too
    email = sql(platform, "SELECT email FROM user_accounts WHERE id = %s", member_id)[0][0]
    fresh = await login(api, email)  # a new login names no company: they belong to none
    assert (await api.post(f"/api/companies/{company_id}/switch", headers=bearer(fresh))).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inn": "7707083894"}, "inn"),  # wrong check digit
        ({"inn": "77070838"}, "inn"),  # wrong length
        ({"kpp": "77360100"}, "kpp"),
        ({"kpp": None}, "kpp"),  # required with a 10-digit INN
        ({"ogrn": "1027700132194"}, "ogrn"),
        ({"country": "R"}, "country"),
        ({"legal_address": {"country": "RU", "city": "Moscow", "street": "Vavilova 19", "postal_code": "12"}},
         "postal_code"),
        ({"bank_accounts": [{"bank_name": "Sber", "bic": "044525225", "correspondent_account": "30101810400000000225",
                             "settlement_account": "40702810938000000002"}]}, "settlement_account"),
    ],
)  # fmt: skip
async def test_invalid_identifiers_and_malformed_input_name_the_field(
    platform: PlatformProcesses, api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    email = unique_email("validation")
    await register(api, email)
    tokens = await login(api, email)
    answer = await api.post("/api/companies", headers=bearer(tokens), json={**RUSSIAN_COMPANY, **change})
    assert answer.status_code == 422, answer.text
    locations = [error["loc"] for error in answer.json()["detail"]]
    assert any(field in location for location in locations), locations


async def test_invitation_audit_and_switching(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company_id = await company_owner(api, "inviter")
    invitee = unique_email("invitee")
    invitee_id = (await register(api, invitee))["id"]
    invited = await api.post(f"/api/companies/{company_id}/invitations", headers=bearer(owner),
                             json={"email": invitee, "role": "accountant"})  # fmt: skip
    assert invited.status_code == 201, invited.text
    outbox = redis.from_url(platform.settings.redis_url)
    letters = [json.loads(m) for m in outbox.lrange(platform.settings.name("mail:outbox"), 0, -1)]
    token = next(m["tokens"]["invitation"] for m in letters if m["to"] == invitee and "invitation" in m["tokens"])

    stranger = await login(api, (await register(api, unique_email("stranger")))["email"])
    wrong_person = await api.post("/api/invitations/accept", headers=bearer(stranger), json={"token": token})
    assert wrong_person.status_code == 403
    invitee_tokens = await login(api, invitee)
    accepted = await api.post("/api/invitations/accept", headers=bearer(invitee_tokens), json={"token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["company_id"] == company_id
    me_there = await api.get(f"/api/companies/{company_id}/participants", headers=bearer(accepted.json()))
    assert {(p["user_id"], p["role"]) for p in me_there.json()} >= {(invitee_id, "accountant")}

    # A second company, and switching between them.
    second = await api.post("/api/companies", headers=bearer(owner), json={**RUSSIAN_COMPANY, "name": "Second"})
    assert second.status_code == 201
    listed = {c["id"]: c for c in (await api.get("/api/companies", headers=bearer(owner))).json()}
    assert set(listed) == {company_id, second.json()["id"]} and listed[company_id]["active"]
    switched = (await api.post(f"/api/companies/{second.json()['id']}/switch", headers=bearer(owner))).json()
    assert (await api.get(f"/api/companies/{company_id}", headers=bearer(switched))).status_code == 404
    assert (await api.get(f"/api/companies/{second.json()['id']}", headers=bearer(switched))).status_code == 200

    # The audit trail: who did what, from which command; filterable; not for accountants.
    trail = (await api.get("/api/audit", headers=bearer(owner))).json()["entries"]
    kinds = {entry["event_type"] for entry in trail}
    assert {"company.CompanyCreated", "company.ParticipantInvited", "company.InvitationAccepted"} <= kinds
    invite_entry = next(e for e in trail if e["event_type"] == "company.ParticipantInvited")
    assert invite_entry["command_id"] and "[redacted]" in json.dumps(invite_entry["changes"])
    by_invitee = (await api.get(f"/api/audit?actor_id={invitee_id}", headers=bearer(owner))).json()["entries"]
    assert {e["event_type"] for e in by_invitee} == {"company.InvitationAccepted", "company.ParticipantAdded"}
    assert (await api.get("/api/audit", headers=bearer(accepted.json()))).status_code == 403
    query = "SELECT count() FROM events FINAL WHERE tenant_id = {t:String}"
    eventually(lambda: analytics(platform, query, {"t": company_id})[0][0] >= 4)
