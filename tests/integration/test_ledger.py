"""The ledger on the real stack: API commands and saga-style commands through the engine, read models, isolation.

Proves: accounts, manual entries, FX deals and reversals through the API; idempotent transfer ids
(same fields: no second movement; other fields: 409 naming the field); bad money refused with the
field (422) and limits (409) with nothing moved; two-phase transfers sent as a saga sends them
(straight to the commands topic); the Postgres balances equal the decider's state folded from the
events topic; the trial balance balances in Postgres and in ClickHouse; another tenant sees none
of it; an operator may not post.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from stack.processes import PlatformProcesses
from streams.ledger.commands import AccountRef, PostPendingTransfer, RecordTransfers, TransferSpec, VoidPendingTransfer
from streams.ledger.decider import ledger_id_for
from streams.ledger.domain import LEDGER
from streams.money import format_amount
from streams.registry import codec
from tests.integration.observe import analytics, bearer, company_member, company_owner, eventually, read_topic
from wellwon.envelope import command_fields


def transfer(transfer_id: str, debit: str, credit: str, amount: str, currency: str = "RUB") -> dict[str, Any]:
    def ref(account: str) -> dict[str, str]:
        chart, _, sub = account.partition(":")
        return {"chart": chart, "sub": sub}

    return {"transfer_id": transfer_id, "debit": ref(debit), "credit": ref(credit), "amount": amount,
            "currency": currency}  # fmt: skip


def entry(*transfers: dict[str, Any]) -> dict[str, Any]:
    return {"transfers": list(transfers)}


async def balances(api: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, str]:
    accounts = await api.get("/api/ledger/accounts", headers=bearer(tokens))
    assert accounts.status_code == 200, accounts.text
    return {a["account_id"]: a["balance"] for a in accounts.json()}


async def send_as_saga(platform: PlatformProcesses, tenant_id: str, *commands: Any) -> None:
    """Commands straight onto the ledger's commands topic, as another domain's saga sends them."""
    ledger_id = ledger_id_for(tenant_id)
    producer = AIOKafkaProducer(bootstrap_servers=platform.settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for command in commands:
            fields = command_fields("ledger", ledger_id, str(uuid.uuid4()), "saga:test", tenant_id)
            await producer.send_and_wait(
                platform.settings.name("ledger.commands"), codec().encode(fields, command)[1], key=ledger_id.encode()
            )
    finally:
        await producer.stop()


async def decider_state(platform: PlatformProcesses, tenant_id: str) -> Any:
    """The ledger as the decider folds its events from the events topic."""
    ledger_id = ledger_id_for(tenant_id)
    messages = [codec().decode(value) for _, value, _ in await read_topic(platform, "ledger.events")]
    return LEDGER.decider.fold([event for envelope, event in messages if envelope.aggregate_id == ledger_id])


async def test_the_ledger_through_the_api_and_the_engine(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, company = await company_owner(api, "ledger")
    headers = bearer(owner)
    opened = await api.post(
        "/api/ledger/accounts", headers=headers, json={"chart": "51", "currency": "RUB", "sub": "sber", "name": "Sber"}
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["account_id"] == "51:RUB:sber" and opened.json()["balance"] == "0.00"
    usd = await api.post("/api/ledger/accounts", headers=headers, json={"chart": "52", "currency": "USD", "sub": "vtb"})
    assert usd.status_code == 201, usd.text

    capital = entry(
        transfer("capital:rub", "51:sber", "80", "1000000"), transfer("capital:usd", "52:vtb", "80", "20000", "USD")
    )
    funded = await api.post("/api/ledger/transfers", headers=headers, json=capital)
    assert funded.status_code == 201, funded.text
    assert [t["amount"] for t in funded.json()["transfers"]] == ["1000000.00", "20000.00"]
    again = await api.post("/api/ledger/transfers", headers=headers, json=capital)  # a retry: nothing moves twice
    assert again.status_code == 201, again.text
    assert (await balances(api, owner))["51:RUB:sber"] == "1000000.00"

    conflicting = await api.post(
        "/api/ledger/transfers", headers=headers, json=entry(transfer("capital:rub", "51:sber", "80", "1000001"))
    )
    assert conflicting.status_code == 409 and conflicting.json()["detail"]["field"] == "transfers[0].amount", (
        conflicting.text
    )
    for bad, field in (
        (transfer("x1", "60:s1", "51:sber", "10.505"), "transfers[0].amount"),
        (transfer("x2", "60:s1", "52:vtb", "10", "ZZZ"), "transfers[0].currency"),
        (transfer("x3", "60:s1", "51:sber", "-1"), "transfers[0].amount"),
    ):
        refused = await api.post("/api/ledger/transfers", headers=headers, json=entry(bad))
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", field], refused.text
    over = await api.post(
        "/api/ledger/transfers", headers=headers,
        json=entry(transfer("ok-part", "60:s1", "51:sber", "10"), transfer("too-much", "60:s1", "51:sber", "999999")),
    )  # fmt: skip
    assert over.status_code == 409 and over.json()["detail"]["field"] == "transfers[1].amount", over.text
    assert (await api.get("/api/ledger/transfers/ok-part", headers=headers)).status_code == 404  # linked: none applied

    fx = entry(
        transfer("fx-1:usd", "57:fx", "52:vtb", "1000", "USD"), transfer("fx-1:rub", "51:sber", "57:fx", "92500.50")
    )
    assert (await api.post("/api/ledger/transfers", headers=headers, json=fx)).status_code == 201
    paid = await api.post(
        "/api/ledger/transfers", headers=headers, json=entry(transfer("pay-1", "60:s1", "51:sber", "5000"))
    )
    assert paid.status_code == 201, paid.text
    reversed_ = await api.post(
        "/api/ledger/transfers/pay-1/reversal", headers=headers, json={"reason": "wrong supplier"}
    )
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["transfers"][0]["debit_account"] == "51:RUB:sber"

    # A customs duty as its saga books it: reserved, then posted in part; another reservation voided.
    duty, bank = AccountRef("76", "customs"), AccountRef("51", "sber")
    await send_as_saga(
        platform, company,
        RecordTransfers((TransferSpec("duty-1:reserve", duty, bank, Decimal("300"), "RUB", pending=True),)),
        RecordTransfers((TransferSpec("duty-2:reserve", duty, bank, Decimal("70"), "RUB", pending=True),)),
        PostPendingTransfer("duty-1:post", "duty-1:reserve", Decimal("250")),
        VoidPendingTransfer("duty-2:void", "duty-2:reserve"),
        PostPendingTransfer("duty-1:post-again", "duty-1:reserve"),  # refused: resolved already
    )  # fmt: skip

    async def projection_matches_decider() -> bool:
        state = await decider_state(platform, company)
        if "duty-2:void" not in state.transfers:
            return False
        rows = (await api.get("/api/ledger/accounts", headers=headers)).json()
        by_id = {r["account_id"]: r for r in rows}
        for key, account in state.accounts.items():
            row = by_id[key]
            for column in ("debits_posted", "credits_posted", "debits_pending", "credits_pending"):
                assert row[column] == format_amount(getattr(account, column), account.currency), (key, column)
        return set(by_id) == set(state.accounts)

    await eventually_async(projection_matches_decider)
    final = await balances(api, owner)
    assert final["51:RUB:sber"] == "1092250.50"  # 1,000,000 + 92,500.50 (USD sold) - 5,000 + 5,000 - 250 (duty)
    assert final["76:RUB:customs"] == "250.00"
    duty_row = (await api.get("/api/ledger/transfers/duty-1:reserve", headers=headers)).json()
    assert duty_row["resolution"] == "posted"

    today = datetime.now(UTC).date().isoformat()
    for currency in ("RUB", "USD"):
        trial = await api.get("/api/ledger/trial-balance", headers=headers, params={"currency": currency, "on": today})
        assert trial.status_code == 200 and trial.json()["balanced"], trial.text
        assert trial.json()["total_debits"] == trial.json()["total_credits"] != "0.00"
    statement = await api.get(
        "/api/ledger/accounts/51:RUB:sber/statement", headers=headers, params={"from": today, "to": today}
    )
    assert statement.status_code == 200, statement.text
    assert statement.json()["entries"][-1]["balance"] == statement.json()["closing_balance"] == "1092250.50"

    rub_total = (await api.get("/api/ledger/trial-balance", headers=headers, params={"currency": "RUB"})).json()[
        "total_debits"
    ]

    def clickhouse_balanced() -> bool:
        rows = analytics(
            platform,
            """SELECT currency, sum(debit), sum(credit) FROM ledger_entries FINAL
               WHERE tenant_id = {t:String} GROUP BY currency""",
            {"t": company},
        )
        sums = {currency: (debit, credit) for currency, debit, credit in rows}
        return "RUB" in sums and sums["RUB"][0] == sums["RUB"][1] == round(float(rub_total) * 100)

    eventually(clickhouse_balanced, timeout=30)

    # Another company sees nothing of it; an operator of this one may read nothing it may not, and post nothing.
    stranger, _ = await company_owner(api, "stranger")
    assert await balances(api, stranger) == {}
    assert (await api.get("/api/ledger/accounts/51:RUB:sber", headers=bearer(stranger))).status_code == 404
    assert (await api.get("/api/ledger/transfers/pay-1", headers=bearer(stranger))).status_code == 404
    assert (await api.get("/api/ledger/trial-balance", headers=bearer(stranger))).json()["accounts"] == []
    operator, _ = await company_member(api, owner, company, "operator")
    forbidden = await api.post(
        "/api/ledger/transfers", headers=bearer(operator), json=entry(transfer("op", "60:s1", "51:sber", "1"))
    )
    assert forbidden.status_code == 403, forbidden.text


async def eventually_async(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await check():
                return
        except (AssertionError, KeyError):
            if time.monotonic() > deadline:
                raise
        assert time.monotonic() < deadline, "the projection did not match the decider in time"
        await asyncio.sleep(0.3)
