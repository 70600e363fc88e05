"""Duty reconciliation on the real stack: declarations through the API, the engine and the duty process to payment
and release; the day's partition materialised against the namespace's Postgres and Kafka, its run recorded in a
Dagster instance on the namespace's own database; the findings arrive as commands, show on the declarations and
as refund claims, and a re-run of the day records none twice. The declarant hears of each finding (inbox, and one
digest email), and the company's compliance report for the month lists them, the overpayment as a refund claim.

Three declarations of one company, the same goods (tests/integration/test_customs.py): one assessed and paid
exactly as declared (no finding); one whose duty the authority assessed at another rate (100.00 RUB more) and
which was paid 250.00 RUB over (an overpayment, on the last payment type: payments are allocated in code order);
one paid 50.00 RUB short (a missing payment).
"""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pypdfium2 as pdfium
from dagster import AssetKey, DagsterInstance, RunsFilter, materialize

from pipelines.reconciliation import PIPELINE, duty_reconciliation
from pipelines.reports import run_now
from pipelines.resources import pipeline_command_id, platform_resources
from stack.dagster import CodeServer, prepare_home
from stack.processes import PlatformProcesses
from streams.customs.reconciliation import DifferenceClass, finding_key
from tests.integration.gateway_steps import gateway, gateway_key
from tests.integration.logistics_steps import poll
from tests.integration.observe import bearer, company_member, company_owner, sql
from tests.integration.test_compliance_reports import eventually_json, materialized
from tests.integration.test_customs import load_tariff
from tests.integration.test_customs_gateway import submitted_declaration
from tests.integration.test_notifications import addressed, email_of, inbox_kinds, mailbox, until_inbox, user_id_of
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
    colleague, _ = await company_member(api, owner, company_id, "admin", "reconciliation-colleague")
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
    unused = CodeServer("127.0.0.1", 0)  # no code server: the job runs in this process, on the instance alone
    prepare_home(tmp_path / "dagster", platform.settings, unused)
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

    recorded = {d: await recorded_findings(api, owner, d) for d in (over, short)}
    await declarant_is_told(platform, api, owner, colleague, recorded)
    await report_lists(platform, api, owner, company_id, recorded)


async def recorded_findings(api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str) -> dict[str, Any]:
    """The declaration's reference, registration number and findings (in payment type order), as the API answers."""
    body = (await api.get(f"/api/declarations/{declaration_id}", headers=bearer(owner))).json()
    findings = sorted(body["reconciliation_findings"], key=lambda f: (f["payment_code"], f["finding_id"]))
    return {"reference": body["header"]["reference"], "registration_number": body["registration_number"],
            "findings": findings}  # fmt: skip


async def declarant_is_told(
    platform: PlatformProcesses, api: httpx.AsyncClient, declarant: dict[str, str], colleague: dict[str, str],
    recorded: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    """Each finding in the declarant's inbox with its figures, and by email (a digest); not in a colleague's."""
    expected = [(d, f) for d, r in recorded.items() for f in r["findings"]]
    inbox = await until_inbox(api, declarant, ["reconciliation_finding"] * len(expected))
    for declaration_id, finding in expected:
        registration = recorded[declaration_id]["registration_number"]
        told = [n for n in inbox if n["aggregate_id"] == declaration_id
                and f"{finding['payment_code']}: {finding['difference_class']}" in n["body"]]  # fmt: skip
        assert len(told) == 1, (finding, inbox)
        assert registration in told[0]["title"] and told[0]["severity"] == "warning"
        assert f"{finding['difference']} " in told[0]["body"] and f"{finding['paid']})" in told[0]["body"]
    address = email_of(platform, await user_id_of(api, declarant))

    async def mailed() -> list[dict[str, Any]] | None:
        mails = addressed(mailbox(), address)
        return mails if sum(m["html"].count("<li>") for m in mails) >= len(expected) else None

    mails = await poll(mailed, timeout=90)
    assert sum(m["html"].count("<li>") for m in mails) == len(expected)
    text = "\n".join(m["text"] for m in mails)
    assert all(f"{f['payment_code']}: {f['difference_class']}" in text for _, f in expected), text
    assert await inbox_kinds(api, colleague) == []  # a member of the company, not the declarant


CLASS_WORDS = {"rate_changed": "изменена ставка", "missing_payment": "недоплата",
               "overpayment": "переплата: заявление на возврат"}  # fmt: skip


async def report_lists(
    platform: PlatformProcesses, api: httpx.AsyncClient, owner: dict[str, str], company_id: str,
    recorded: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    """The month's report (Russian, the tenant has no schedule): a sheet of the findings equal to them, in order,
    the overpayment's refund claim and the total in the PDF; a re-run gives the same files."""
    declarations = list(recorded)
    [(period_key,)] = sql(platform, """SELECT DISTINCT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM')
                                       FROM customs_reconciliation_findings WHERE declaration_id = ANY(%s)""",
                          declarations)  # fmt: skip
    instance = DagsterInstance.ephemeral()
    first = materialized(await asyncio.to_thread(run_now, company_id, period_key, platform.settings, instance))
    assert first["sections"]["reconciliation"] == sum(len(r["findings"]) for r in recorded.values())
    listed = await eventually_json(api, owner, "/api/reports", lambda body: body["total"] == 2)
    files = {i["filename"].rsplit(".", 1)[1]: (await api.get(i["download"], headers=bearer(owner))).content
             for i in listed["items"]}  # fmt: skip

    def amount(value: str) -> float:
        return float(Decimal(value))

    expected = [
        (r["reference"], r["registration_number"], f["reconciled_on"], f["payment_code"],
         CLASS_WORDS[f["difference_class"]], amount(f["calculated"]), amount(f["declared"]), amount(f["assessed"]),
         amount(f["paid"]), amount(f["difference"]),
         amount(f["difference"]) if f["difference_class"] == "overpayment" else None)
        for d, r in sorted(recorded.items(), key=lambda item: (item[1]["reference"], item[0])) for f in r["findings"]
    ]  # fmt: skip
    sheet = pl.read_excel(io.BytesIO(files["xlsx"]), sheet_name="Расхождения сверки")
    assert sheet.rows() == expected
    assert sheet.columns[-1] == "К возврату, руб." and sheet.columns[4] == "Расхождение"

    text = "".join(page.get_textpage().get_text_bounded() for page in pdfium.PdfDocument(files["pdf"]))
    assert "Расхождения сверки" in text and "переплата:" in text and "недоплата" in text
    assert f"Заявления на возврат, руб. {OVER:.2f}" in text, text
    assert recorded[declarations[0]]["registration_number"] in text

    again = materialized(await asyncio.to_thread(run_now, company_id, period_key, platform.settings, instance))
    assert {k: again[k]["sha256"] for k in ("pdf", "xlsx")} == {k: first[k]["sha256"] for k in ("pdf", "xlsx")}


async def _findings_are(
    api: httpx.AsyncClient, owner: dict[str, str], declaration_id: str, expected: list[tuple[str, str, str]]
) -> bool:
    return await findings_of(api, owner, declaration_id) == sorted(expected)


async def _all_decided(platform: PlatformProcesses, command_ids: list[str]) -> bool:
    query = "SELECT status, cardinality(event_ids) FROM command_outcomes WHERE command_id = ANY(%s::uuid[])"
    rows = sql(platform, query,
               command_ids)  # fmt: skip
    return len(rows) == len(command_ids) and all(status == "accepted" and events == 0 for status, events in rows)
