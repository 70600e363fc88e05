"""Duty reconciliation on the real stack: declarations through the API, the engine and the duty process to payment
and release; the day's partition materialised against the namespace's Postgres and Kafka, its run recorded in a
Dagster instance on the namespace's own database; the findings arrive as commands, show on the declarations and
as refund claims, and a re-run of the day records none twice.

Three declarations of one company, the same goods (tests/integration/test_customs.py): one assessed and paid
exactly as declared (no finding); one whose duty the authority assessed at another rate (100.00 RUB more) and
which was paid 250.00 RUB over (an overpayment, on the last payment type: payments are allocated in code order);
one paid 50.00 RUB short (a missing payment).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from dagster import AssetKey, DagsterInstance, RunsFilter, materialize

from pipelines.reconciliation import PIPELINE, duty_reconciliation
from pipelines.resources import pipeline_command_id, platform_resources
from stack.dagster import prepare_home
from stack.processes import PlatformProcesses
from streams.customs.reconciliation import DifferenceClass, finding_key
from tests.integration.gateway_steps import gateway, gateway_key
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_owner, sql
from tests.integration.test_customs import load_tariff
from tests.integration.test_customs_gateway import submitted_declaration
from tests.integration.test_sagas import REGISTRATION, open_rouble_account
from wellwon.envelope import now

OVER, SHORT, RATE_EXTRA = Decimal("250.00"), Decimal("50.00"), Decimal("100.00")
DUTY = "2010"


async def declared_totals(api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str) -> dict[str, Decimal]:
    answer = await api.get(f"/api/declarations/{declaration_id}/calculation", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    return {code: Decimal(total) for code, total in answer.json()["totals"].items()}


async def paid_and_released(
    api: httpx.AsyncClient, owner: dict[str, str], key: str, payments_due: Decimal, assessed: list[dict[str, Any]]
) -> str:
    """A declaration submitted, registered with `payments_due`, paid by the duty process, released with `assessed`."""
    declaration_id = await submitted_declaration(api, owner)
    registration = {**REGISTRATION, "payments_due": str(payments_due)}
    registered = await api.post(f"/api/declarations/{declaration_id}/register", headers=gateway(key), json=registration)
    assert registered.status_code in (200, 202), registered.text

    async def paid() -> bool:
        body = (await api.get(f"/api/declarations/{declaration_id}", headers=bearer(owner))).json()
        return bool(body.get("duty_paid"))

    assert await poll(paid, timeout=60)
    released = await api.post(
        f"/api/declarations/{declaration_id}/release", headers=gateway(key), json={"assessed": assessed}
    )
    assert released.status_code == 200 and released.json()["status"] == "released", released.text
    return declaration_id


def as_assessed(totals: dict[str, Decimal], duty_extra: Decimal = Decimal(0), rate: str = "") -> list[dict[str, Any]]:
    return [
        {"payment_code": code, "amount": str(amount + (duty_extra if code == DUTY else 0)),
         **({"rate": rate} if code == DUTY and rate else {})}
        for code, amount in totals.items()
    ]  # fmt: skip


async def findings_of(api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str) -> list[tuple[str, str, str]]:
    body = (await api.get(f"/api/declarations/{declaration_id}", headers=bearer(owner))).json()
    return sorted((f["payment_code"], f["difference_class"], f["difference"]) for f in body["reconciliation_findings"])


def reconcile(instance: DagsterInstance, platform: PlatformProcesses, day: str) -> Any:
    result = materialize(
        [duty_reconciliation], partition_key=day, resources=platform_resources(platform.settings), instance=instance
    )
    assert result.success
    return result


async def test_a_day_s_releases_are_reconciled_into_findings_and_refund_claims_once(
    platform: PlatformProcesses, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner, company_id = await company_owner(api, "reconciliation")
    await load_tariff(api, bearer(owner))
    await open_rouble_account(api, owner, "100000000.00")
    key = await gateway_key(platform, company_id)
    probe = await submitted_declaration(api, owner)
    totals = await declared_totals(api, owner, probe)
    total = sum(totals.values(), Decimal(0))
    last_type = max(totals)

    exact, over, short = await asyncio.gather(
        paid_and_released(api, owner, key, total, as_assessed(totals)),
        paid_and_released(api, owner, key, total + RATE_EXTRA + OVER, as_assessed(totals, RATE_EXTRA, "12%")),
        paid_and_released(api, owner, key, total - SHORT, as_assessed(totals)),
    )

    day = now().date().isoformat()
    prepare_home(tmp_path / "dagster", platform.settings)
    with DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        first = reconcile(instance, platform, day)
        # The run and its materialisation, in the namespace's Dagster database.
        [run] = instance.get_runs(RunsFilter(tags={"dagster/partition": day}))
        assert run.run_id == first.run_id and run.status.value == "SUCCESS"
        materialized = instance.get_latest_materialization_event(AssetKey("duty_reconciliation"))
        assert materialized is not None and materialized.run_id == first.run_id
        metadata = materialized.asset_materialization.metadata  # type: ignore[union-attr]
        assert metadata["declarations"].value >= 3 and metadata["findings"].value >= 3

        expected = {
            over: [(DUTY, "rate_changed", str(RATE_EXTRA)), (last_type, "overpayment", str(OVER))],
            short: [(last_type, "missing_payment", str(-SHORT))],
        }
        for declaration_id, findings in expected.items():
            assert await poll(lambda d=declaration_id, f=findings: _findings_are(api, owner, d, f), timeout=60)

        # The day again: the same findings are sent (new command ids) and the declarations record nothing new.
        second = reconcile(instance, platform, day)
        assert second.run_id != first.run_id
        sent_again = [
            pipeline_command_id(PIPELINE, f"{d}|{finding_key(now().date(), code, DifferenceClass(cls))}",
                                second.run_id, "record")
            for d, findings in expected.items() for code, cls, _ in findings
        ]  # fmt: skip
        assert await poll(lambda: _all_decided(platform, sent_again), timeout=60)  # the positive control
    for declaration_id, findings in expected.items():
        assert await findings_of(api, owner, declaration_id) == sorted(findings)
    assert await findings_of(api, owner, exact) == []  # assessed and paid as declared
    rows = sql(platform, "SELECT count(*) FROM customs_reconciliation_findings WHERE declaration_id = ANY(%s)",
               [exact, over, short])  # fmt: skip
    assert rows == [(3,)]

    claims = await api.get("/api/customs/refund-claims", headers=bearer(owner))
    assert claims.status_code == 200, claims.text
    body = claims.json()
    assert [(c["declaration_id"], c["payment_code"], Decimal(c["amount"])) for c in body["claims"]] == [
        (over, last_type, OVER)
    ]
    assert Decimal(body["total"]) == OVER
    assert Decimal(body["claims"][0]["paid"]) - Decimal(body["claims"][0]["assessed"]) == OVER
    # Another company sees none of them.
    stranger, _ = await company_owner(api, "reconciliation-stranger")
    theirs = (await api.get("/api/customs/refund-claims", headers=bearer(stranger))).json()
    assert theirs == {"claims": [], "total": "0"}


async def _findings_are(
    api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str, expected: list[tuple[str, str, str]]
) -> bool:
    return await findings_of(api, owner, declaration_id) == sorted(expected)


async def _all_decided(platform: PlatformProcesses, command_ids: list[str]) -> bool:
    query = "SELECT status, cardinality(event_ids) FROM command_outcomes WHERE command_id = ANY(%s::uuid[])"
    rows = sql(platform, query,
               command_ids)  # fmt: skip
    return len(rows) == len(command_ids) and all(status == "accepted" and events == 0 for status, events in rows)
