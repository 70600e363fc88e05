"""Notifications against the real stack: each rule reaches the right people through the right channels (inbox rows
through the API, emails read back from maildev's REST API), preferences and quiet hours hold, and a notification
worker killed with -9 mid-burst, then restarted, sends every email once per Message-ID (at most the one in flight
at the kill is handed over again, with the same Message-ID).

The session's platform runs the worker with a 15-second digest window and an overdue check every 3 seconds
(tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from stack.processes import PlatformProcesses
from tests.integration.gateway_steps import gateway, gateway_key
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_member, company_owner, sql
from tests.integration.test_customs import create, full_declaration
from tests.integration.test_logistics_edi import fixture, maersk, result_of, submit
from tests.integration.trade_steps import SUPPLIER
from wellwon.config import setting

VLADIVOSTOK = "Asia/Vladivostok"


def email_of(platform: PlatformProcesses, user_id: str) -> str:
    [(email,)] = sql(platform, "SELECT email FROM user_accounts WHERE id::text = %s", user_id)
    return str(email)


def deliveries(platform: PlatformProcesses, user_id: str) -> list[tuple[Any, ...]]:
    return sql(
        platform,
        "SELECT kind, status, due_at, sent_at, message_id FROM notification_deliveries WHERE user_id = %s ORDER BY id",
        user_id,
    )


async def inbox(api: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, Any]:
    answer = await api.get("/api/notifications", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def inbox_kinds(api: httpx.AsyncClient, tokens: dict[str, str]) -> list[str]:
    return sorted(n["kind"] for n in (await inbox(api, tokens))["notifications"])


async def until_inbox(api: httpx.AsyncClient, tokens: dict[str, str], kinds: list[str]) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        found = (await inbox(api, tokens))["notifications"]
        return found if sorted(n["kind"] for n in found) == sorted(kinds) else None

    return await poll(arrived, timeout=60)


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    """What the first test sets up and the last one checks (quiet hours end while the others run)."""
    return {}


async def user_id_of(api: httpx.AsyncClient, tokens: dict[str, str]) -> str:
    me = await api.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


def quiet_hours_ending_soon(zone: str, seconds: int = 45) -> dict[str, str]:
    """Quiet hours in `zone` that began an hour ago and end `seconds` from now (local wall-clock times)."""
    local = datetime.now(UTC).astimezone(ZoneInfo(zone)).replace(microsecond=0)
    start, end = local - timedelta(hours=1), local + timedelta(seconds=seconds)
    end += timedelta(seconds=1 if end.second == 0 else 0)  # the API answers HH:MM for a whole minute
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M:%S"), "timezone": zone}


async def put_preferences(api: httpx.AsyncClient, tokens: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await api.put("/api/notifications/preferences", headers=bearer(tokens), json=body)


async def raise_exception(api: httpx.AsyncClient, owner: dict[str, str], reference: str, reason: str) -> str:
    created = await api.post("/api/shipments", headers=bearer(owner), json={"reference": reference, "mode": "sea"})
    assert created.status_code == 201, created.text
    shipment_id: str = created.json()["id"]
    damage = {"kind": "damage", "reason": reason}
    raised = await api.post(f"/api/shipments/{shipment_id}/exceptions", headers=bearer(owner), json=damage)
    assert raised.status_code == 200, raised.text
    return shipment_id


async def reject_declaration(
    platform: PlatformProcesses,
    api: httpx.AsyncClient,
    company_id: str,
    creator: dict[str, str],
    submitter: dict[str, str],
) -> None:
    """Created and validated by `creator`, submitted by `submitter` (its declarant), rejected by customs."""
    declaration_id = await create(api, bearer(creator), full_declaration())
    validated = await api.post(f"/api/declarations/{declaration_id}/validate", headers=bearer(creator))
    assert validated.status_code == 200 and validated.json()["status"] == "validated", validated.text
    submitted = await api.post(f"/api/declarations/{declaration_id}/submit", headers=bearer(submitter))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    key = await gateway_key(platform, company_id)
    reason = {"reason": "Goods code 8413 does not match the invoice"}
    rejected = await api.post(f"/api/declarations/{declaration_id}/reject", headers=gateway(key), json=reason)
    assert rejected.status_code == 200, rejected.text


async def overdue_payable(api: httpx.AsyncClient, accountant: dict[str, str]) -> None:
    """A supplier invoice due last January, unpaid: the worker's overdue check finds it."""
    line = {"line_no": 1, "description": "Pump", "quantity": "1", "unit": "796", "unit_price": "100"}
    content = {"counterparty": SUPPLIER["bank"], "currency": "EUR", "due_on": "2026-01-31", "lines": [line]}
    payable = {"supplier_invoice_number": "OVR-1", "issued_on": "2026-01-01", "content": content}
    invoice = await api.post("/api/invoices/payables", headers=bearer(accountant), json=payable)
    assert invoice.status_code in (201, 202), invoice.text


async def dead_letter_twice(api: httpx.AsyncClient, owner: dict[str, str]) -> None:
    """Two broken interchanges sent together, so both fall within one digest window."""
    _, partner_key = await maersk(api, owner)
    broken = fixture("iftsta_d96a_broken_count.edi")
    sent = await asyncio.gather(submit(api, partner_key, broken), submit(api, partner_key, broken))
    for message_id in sent:
        assert (await result_of(api, partner_key, message_id))["status"] == "dead_lettered"


def mailbox() -> list[dict[str, Any]]:
    """Everything maildev (the local stack's SMTP server) holds."""
    answer = httpx.get(f"{setting('MAILDEV_URL')}/api/email", timeout=30)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def addressed(mails: list[dict[str, Any]], address: str) -> list[dict[str, Any]]:
    return [m for m in mails if any(to["address"] == address for to in m["to"])]


async def test_each_rule_notifies_the_right_people_through_their_channels(
    platform: PlatformProcesses, api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    owner, company_id = await company_owner(api, "notified-owner")
    (
        (operator, operator_id),
        (admin, admin_id),
        (accountant, accountant_id),
        (no_mail, no_mail_id),
        (outsider, _),
    ) = await asyncio.gather(
        company_member(api, owner, company_id, "operator", "notified-operator"),
        company_member(api, owner, company_id, "admin", "notified-admin"),
        company_member(api, owner, company_id, "accountant", "notified-accountant"),
        company_member(api, owner, company_id, "accountant", "no-mail"),
        company_owner(api, "notified-outsider"),
    )
    owner_id = await user_id_of(api, owner)

    # Preferences: one accountant reads overdue invoices in the inbox only; the operator has quiet hours now.
    off = await put_preferences(api, no_mail, {"channels": {"invoice_overdue": ["in_app"]}})
    assert off.status_code == 200 and off.json()["channels"]["invoice_overdue"] == ["in_app"], off.text
    quiet = quiet_hours_ending_soon(VLADIVOSTOK)
    held = await put_preferences(api, operator, {"quiet_hours": quiet})
    assert held.status_code == 200 and held.json()["quiet_hours"] == quiet, held.text
    telegram = await put_preferences(api, operator, {"channels": {"edi_dead_letter": ["telegram"]}})
    assert telegram.status_code == 422, telegram.text  # not linked to Telegram
    mars = await put_preferences(
        api, operator, {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/X"}}
    )
    assert mars.status_code == 422, mars.text
    assert (await api.get("/api/notifications/preferences", headers=bearer(operator))).json()["quiet_hours"] == quiet

    # The four rules at once: a shipment exception (its owner and the operators), a declaration rejected (its
    # declarant, who submitted it, not the operator who created it), an invoice overdue (the accountants), two
    # EDI interchanges dead-lettered (the partner's owner, in one digest email).
    shipment_id, *_ = await asyncio.gather(
        raise_exception(api, owner, "NTF-0001", "Crushed <script>alert(1)</script> pallet"),
        reject_declaration(platform, api, company_id, operator, admin),
        overdue_payable(api, accountant),
        dead_letter_twice(api, owner),
    )

    # Quiet hours: the operator's email waits for their end on Vladivostok's wall clock; the inbox does not wait.
    await until_inbox(api, operator, ["shipment_exception"])
    operator_email = email_of(platform, operator_id)
    [(kind, state, due_at, _, _)] = deliveries(platform, operator_id)
    assert (kind, state) == ("shipment_exception", "pending") and addressed(mailbox(), operator_email) == []
    local_end = datetime.strptime(quiet["end"], "%H:%M:%S").time()
    assert due_at.astimezone(ZoneInfo(VLADIVOSTOK)).time() == local_end and due_at > datetime.now(UTC)
    world.update(operator_id=operator_id, operator_email=operator_email, due_at=due_at)

    owner_inbox = await until_inbox(api, owner, ["edi_dead_letter", "edi_dead_letter", "shipment_exception"])
    await until_inbox(api, admin, ["declaration_rejected"])
    await until_inbox(api, accountant, ["invoice_overdue"])
    await until_inbox(api, no_mail, ["invoice_overdue"])
    exception = next(n for n in owner_inbox if n["kind"] == "shipment_exception")
    assert exception["title"] == "Shipment NTF-0001: exception" and exception["severity"] == "warning"
    assert "<script>alert(1)</script>" in exception["body"]  # stored as text; the console renders it escaped
    assert exception["aggregate_id"] == shipment_id and exception["read_at"] is None

    owner_email, admin_email = email_of(platform, owner_id), email_of(platform, admin_id)
    accountant_email = email_of(platform, accountant_id)

    async def all_mailed() -> list[dict[str, Any]] | None:
        mails = mailbox()
        counts = [len(addressed(mails, a)) for a in (owner_email, admin_email, accountant_email)]
        return mails if counts == [2, 1, 1] else None

    mails = await poll(all_mailed, timeout=60)
    owner_mails = {m["subject"]: m for m in addressed(mails, owner_email)}
    shipment_mail = owner_mails["Shipment NTF-0001: exception"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shipment_mail["html"] and "<script>" not in shipment_mail["html"]
    assert "<script>alert(1)</script>" in shipment_mail["text"]
    digest = owner_mails["2 notifications: EDI from Maersk A/S: an interchange was not applied"]
    assert digest["html"].count("<li>") == 2
    [declaration_mail] = addressed(mails, admin_email)
    assert declaration_mail["subject"].startswith("Declaration ") and "does not match" in declaration_mail["text"]
    [overdue_mail] = addressed(mails, accountant_email)
    assert overdue_mail["subject"] == "Invoice OVR-1 is overdue" and "2026-01-31" in overdue_mail["text"]
    # Preferences: the second accountant got the inbox row but no email.
    assert deliveries(platform, no_mail_id) == []

    # Nobody else heard of anything: the outsider's company, the operator of other rules.
    assert await inbox_kinds(api, outsider) == []
    assert await inbox_kinds(api, operator) == ["shipment_exception"]
    assert {(await inbox(api, admin))["unread"], (await inbox(api, accountant))["unread"]} == {1}

    # Read state, and isolation: another person's notification is not found for the outsider or a colleague.
    assert (await inbox(api, owner))["unread"] == 3
    stranger = await api.post(f"/api/notifications/{exception['id']}/read", headers=bearer(outsider))
    colleague = await api.post(f"/api/notifications/{exception['id']}/read", headers=bearer(operator))
    assert stranger.status_code == 404 and colleague.status_code == 404
    assert (await api.post(f"/api/notifications/{exception['id']}/read", headers=bearer(owner))).status_code == 204
    assert (await inbox(api, owner))["unread"] == 2
    assert (await api.post("/api/notifications/read-all", headers=bearer(owner))).json() == {"marked": 2}
    assert (await inbox(api, owner))["unread"] == 0 and (await inbox(api, operator))["unread"] == 1
    unread_only = await api.get("/api/notifications?unread_only=true", headers=bearer(owner))
    assert unread_only.json()["notifications"] == []


async def test_a_worker_killed_mid_burst_sends_every_email_once_per_message_id(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "burst-owner")
    owner_id = await user_id_of(api, owner)
    created = await api.post("/api/shipments", headers=bearer(owner), json={"reference": "BURST-1", "mode": "road"})
    assert created.status_code == 201, created.text
    shipment_id = created.json()["id"]
    limit = asyncio.Semaphore(10)

    async def raise_one(n: int) -> None:
        async with limit:
            delay = {"kind": "delay", "reason": f"Delay {n}", "exception_id": f"B{n:03d}"}
            answer = await api.post(f"/api/shipments/{shipment_id}/exceptions", headers=bearer(owner), json=delay)
            assert answer.status_code in (200, 202), answer.text

    def sent() -> int:
        query = "SELECT count(*) FROM notification_deliveries WHERE user_id = %s AND status = 'sent'"
        return int(sql(platform, query, owner_id)[0][0])

    # 50 exceptions raised while the worker sends: it is killed with -9 once the first emails went out.
    burst = asyncio.gather(*(raise_one(n) for n in range(50)))
    deadline = time.monotonic() + 60
    while (at_kill := sent()) < 3:
        assert time.monotonic() < deadline, "no email went out"
        await asyncio.sleep(0.02)
    platform.kill("notifications")
    platform.start("notifications")
    await burst
    assert at_kill < 50, "the burst was over before the kill: nothing was tested"

    async def all_sent() -> int | None:
        return 50 if sent() == 50 else None

    await poll(all_sent, timeout=80)
    expected = {
        m for (m,) in sql(platform, "SELECT message_id FROM notification_deliveries WHERE user_id = %s", owner_id)
    }
    assert len(expected) == 50
    received = Counter(m["headers"]["message-id"] for m in addressed(mailbox(), email_of(platform, owner_id)))
    # Every event's email, once per Message-ID. Sending is one at a time, so only the email in flight at the kill
    # (accepted by SMTP, not yet marked sent) can be handed over again: with the same Message-ID, by which the
    # receiving side recognises it.
    assert set(received) == expected, (at_kill, len(received))
    assert sum(received.values()) - len(expected) <= 1, (at_kill, received.most_common(3))
    listed = await api.get("/api/notifications?limit=200", headers=bearer(owner))
    assert len(listed.json()["notifications"]) == 50 and listed.json()["unread"] == 50  # one inbox row per event


async def test_an_email_held_by_quiet_hours_goes_when_they_end(
    platform: PlatformProcesses, world: dict[str, Any]
) -> None:
    due_at = world["due_at"]

    async def delivered() -> list[dict[str, Any]] | None:
        return addressed(mailbox(), world["operator_email"]) or None

    [mail] = await poll(delivered, timeout=120)
    [(_, state, _, sent_at, message_id)] = deliveries(platform, world["operator_id"])
    assert state == "sent" and sent_at >= due_at and mail["headers"]["message-id"] == message_id
