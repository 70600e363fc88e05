"""Compliance reports on the real stack: a tenant's declarations, documents and invoices entered through the API,
its report run for the period (as an operator's "run now"), stored as the tenant's documents, read back (the PDF
rendered by pdftoppm and read by the platform's Tesseract, the XLSX by polars), mailed with both files, and
re-run to the same bytes; and the schedule firing on a real Dagster daemon's tick.

The daemon's code location is tests/integration/report_schedule_location.py: the reports pipeline with a schedule
ticking every minute, in the platform's namespace (the daemon reads the same read models and sends to the same
engine).
"""

from __future__ import annotations

import asyncio
import base64
import io
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import polars as pl
import pytest
import redis
from dagster import DagsterInstance
from PIL import Image

from pipelines.reports import report_document_id, run_now
from recognition.engines import Tesseract
from recognition.pages import prepare_for_ocr
from reports.content import assemble
from reports.periods import last_completed, period_of
from reports.read import report_rows
from reports.render import frame
from stack.dagster import running_daemon
from stack.processes import PlatformProcesses
from streams.report_schedule.commands import Cadence
from tests.document_samples import pdf_bytes
from tests.integration.document_steps import uploaded
from tests.integration.observe import bearer, company_owner
from tests.integration.test_customs import DOCUMENTS, create, full_declaration
from tests.integration.test_invoice import _draft, receivable
from tests.integration.trade_steps import command
from wellwon.config import Settings

LOCATION = "tests.integration.report_schedule_location"
WAIT_SECONDS = 600.0  # a loaded 2-core machine: the daemon, its code server and the run's process start Python


def noon_timezone() -> str:
    """An IANA zone where it is about noon now: a day (and the month it is in) that will not end during the test."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12  # hours east of UTC, -12..11
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # Etc names flip the sign


def outbox(settings: Settings, to: str) -> list[dict[str, Any]]:
    import json

    client = redis.from_url(settings.redis_url)
    try:
        letters = [json.loads(m) for m in client.lrange(settings.name("mail:outbox"), 0, -1)]
    finally:
        client.close()
    return [letter for letter in letters if letter["to"] == to]


async def eventually_json(api: httpx.AsyncClient, tokens: dict[str, str], path: str, done: Any) -> Any:
    deadline = time.monotonic() + 60
    while True:
        answer = await api.get(path, headers=bearer(tokens))
        assert answer.status_code == 200, answer.text
        if done(answer.json()):
            return answer.json()
        assert time.monotonic() < deadline, f"{path}: {answer.text}"
        await asyncio.sleep(0.3)


def ocr_text(pdf: bytes, folder: Path) -> str:
    """The PDF's first page as pdftoppm renders it, read by the platform's own Tesseract (Russian)."""
    (folder / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "report.pdf", "page"], cwd=folder,
                   check=True, timeout=60)  # fmt: skip
    page = Image.open(next(folder.glob("page*.png"))).convert("L")
    lines = Tesseract().read(prepare_for_ocr(page), "ru", 1)
    return "\n".join(line.text for line in lines).replace("ё", "е")


@pytest.fixture(scope="module")
async def reported(platform: PlatformProcesses, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A tenant with a declaration, an expiring permit and an overdue invoice, its report run for this month."""
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as api:
        return await report_a_tenant(platform, api, tmp_path_factory)


async def report_a_tenant(
    platform: PlatformProcesses, api: httpx.AsyncClient, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    owner, company = await company_owner(api, "reports")
    headers = bearer(owner)
    timezone = noon_timezone()
    contact = f"compliance-{company[:8]}@example.com"
    scheduled = await api.put("/api/reports/schedule", headers=headers, json={
        "cadence": "monthly", "timezone": timezone, "contacts": [contact], "language": "ru", "enabled": False,
    })  # fmt: skip  # run now only: the schedule's daemon test below expects its own tenant's run alone
    assert scheduled.status_code in (200, 202), scheduled.text

    short_contract = {**DOCUMENTS["contract"], "expires_on": "2025-04-01"}
    header = {**full_declaration()["header"], "reference": f"REP-{company[:6]}"}
    declaration = {**full_declaration(), "header": header, "documents": [DOCUMENTS["invoice"], short_contract]}
    declaration_id = await create(api, headers, declaration)
    today = date.today()
    now_there = datetime.now(UTC).astimezone(ZoneInfo(timezone))
    period_key = f"{now_there.year}-{now_there.month:02d}"
    # Expiring after the period's end (within the report's 30 days), whatever day of the month the test runs.
    permit_expires = period_of(period_key, timezone).last_day + timedelta(days=10)
    permit = await uploaded(api, owner, pdf_bytes(1, "permit"), document_type="permit", filename="permit.pdf",
                            title="Разрешение на ввоз")  # fmt: skip
    expiry = await api.put(f"/api/documents/{permit['id']}/expiry", headers=headers,
                           json={"expires_on": permit_expires.isoformat()})  # fmt: skip
    assert expiry.status_code in (200, 202), expiry.text
    due_on = (today - timedelta(days=3)).isoformat()
    invoice_id = await _draft(api, owner, {"content": receivable("4321.00", due_on=due_on)})
    issued = await command(
        api, owner, f"/api/invoices/{invoice_id}/issue", {"issued_on": (today - timedelta(days=20)).isoformat()},
        read=f"/api/invoices/{invoice_id}",
    )  # fmt: skip

    await eventually_json(api, owner, "/api/reports/schedule", lambda s: s["configured"])
    instance = DagsterInstance.ephemeral()
    first = await asyncio.to_thread(run_now, company, period_key, platform.settings, instance)
    return {
        "owner": owner, "company": company, "contact": contact, "period": period_of(period_key, timezone),
        "declaration_id": declaration_id, "reference": header["reference"], "permit": permit, "invoice": issued,
        "first": first, "instance": instance, "folder": tmp_path_factory.mktemp("report"),
    }  # fmt: skip


def evaluated_tick(instance: DagsterInstance, settings: Settings, at: datetime) -> Any:
    """The reports schedule's answer for a tick at `at`, as the daemon's code server would compute it."""
    from dagster import build_schedule_context

    from pipelines.pipeline import definitions_of
    from pipelines.reports import reports_pipeline

    defs = definitions_of((reports_pipeline("* * * * *"),), settings)
    schedule = defs.get_schedule_def("compliance_reports")
    resources = {"read_models": defs.get_repository_def().get_top_level_resources()["read_models"]}
    with build_schedule_context(instance=instance, scheduled_execution_time=at, resources=resources) as context:
        return schedule.evaluate_tick(context)


def materialized(result: Any) -> dict[str, Any]:
    metadata = result.asset_materializations_for_node("compliance_report")[0].metadata
    return {name: value.value for name, value in metadata.items()}


async def test_the_report_is_stored_as_the_tenants_documents_and_reads_back_as_its_data(
    platform: PlatformProcesses, api: httpx.AsyncClient, reported: dict[str, Any]
) -> None:
    owner, company, period = reported["owner"], reported["company"], reported["period"]
    assert reported["first"].success
    listed = await eventually_json(api, owner, "/api/reports", lambda body: body["total"] == 2)
    by_type = {item["content_type"]: item for item in listed["items"]}
    pdf_item, xlsx_item = (
        by_type["application/pdf"],
        by_type["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    )
    assert pdf_item["id"] == report_document_id(company, period.key, "pdf")
    assert pdf_item["filename"] == f"compliance-report-{period.key}.pdf" and pdf_item["latest_version"] == 1
    pdf = (await api.get(pdf_item["download"], headers=bearer(owner))).content
    xlsx = (await api.get(xlsx_item["download"], headers=bearer(owner))).content
    document = (await api.get(f"/api/documents/{pdf_item['id']}", headers=bearer(owner))).json()
    assert document["document_type"] == "compliance_report"

    # The XLSX is the data: every sheet equals the section assembled from the read models now.
    data = assemble(company, period, "ru", await report_rows(platform.settings, company, period))
    for section in data.sections:
        back = pl.read_excel(io.BytesIO(xlsx), sheet_name=section.title[:31])
        assert back.columns == list(section.headers) and back.rows() == frame(section).rows(), section.key
    declarations = pl.read_excel(io.BytesIO(xlsx), sheet_name="Декларации")
    assert declarations["Номер"].to_list() == [reported["reference"]]
    overdue = pl.read_excel(io.BytesIO(xlsx), sheet_name="Просроченные счета")
    invoice = reported["invoice"]
    days_overdue = (period.last_day - date.fromisoformat(invoice["due_on"])).days + 1  # to the period's end
    assert overdue.rows() == [
        (invoice["number"], invoice["counterparty"], "RUB", float(invoice["outstanding"]), invoice["due_on"],
         days_overdue)
    ]  # fmt: skip
    compliance = pl.read_excel(io.BytesIO(xlsx), sheet_name="Открытые требования")
    assert ("истекает", "Разрешение на ввоз") in [(r[0], r[1]) for r in compliance.rows()]
    assert any(r[1] == reported["reference"] and r[4] == "2025-04-01" for r in compliance.rows())

    # The PDF, as a page image read by OCR: the title, the company and each section, in Cyrillic.
    text = ocr_text(pdf, reported["folder"])
    for expected in (
        "Отчет о соблюдении требований",
        "Веллвон Тест",
        "Декларации",
        "Открытые требования",
        "Необработанные сообщения EDI",
        "Просроченные счета",
    ):
        assert expected in text, f"{expected!r} not in the OCR text:\n{text}"  # fmt: skip


async def test_another_tenant_cannot_reach_the_report(api: httpx.AsyncClient, reported: dict[str, Any]) -> None:
    stranger, _ = await company_owner(api, "reports-stranger")
    pdf_id = report_document_id(reported["company"], reported["period"].key, "pdf")
    assert (await api.get("/api/reports", headers=bearer(stranger))).json() == {"items": [], "total": 0}
    assert (await api.get(f"/api/documents/{pdf_id}", headers=bearer(stranger))).status_code == 404
    content = await api.get(f"/api/documents/{pdf_id}/versions/1/content", headers=bearer(stranger))
    assert content.status_code == 404
    own = await api.get(f"/api/documents/{pdf_id}/versions/1/content", headers=bearer(reported["owner"]))
    assert own.status_code == 200 and own.content.startswith(b"%PDF")


async def test_the_report_is_mailed_with_both_files_and_a_rerun_reproduces_it(
    platform: PlatformProcesses, api: httpx.AsyncClient, reported: dict[str, Any]
) -> None:
    owner, contact = reported["owner"], reported["contact"]
    first = materialized(reported["first"])
    letters = outbox(platform.settings, contact)
    assert len(letters) == 1 and reported["period"].key in letters[0]["subject"]
    attached = {a["filename"]: (a["content_type"], base64.b64decode(a["base64"])) for a in letters[0]["attachments"]}
    base = f"compliance-report-{reported['period'].key}"
    assert set(attached) == {f"{base}.pdf", f"{base}.xlsx"}
    listed = await eventually_json(api, owner, "/api/reports", lambda body: body["total"] == 2)
    for item in listed["items"]:
        stored = (await api.get(item["download"], headers=bearer(owner))).content
        assert attached[item["filename"]] == (item["content_type"], stored)

    # Run the period again: the same bytes, so no new version of either document; mailed again.
    again = await asyncio.to_thread(
        run_now, reported["company"], reported["period"].key, platform.settings, reported["instance"]
    )
    second = materialized(again)
    for kind in ("pdf", "xlsx"):
        assert second[kind]["sha256"] == first[kind]["sha256"] and second[kind]["stored"] is False
        assert second[kind]["version"] == 1
    assert len(outbox(platform.settings, contact)) == 2
    relisted = (await api.get("/api/reports", headers=bearer(owner))).json()
    assert sorted(i["latest_version"] for i in relisted["items"]) == [1, 1]


async def test_the_schedule_fires_on_a_daemon_tick_once_per_tenant_and_period(
    platform: PlatformProcesses, api: httpx.AsyncClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    owner, company = await company_owner(api, "reports-daily")
    timezone, contact = noon_timezone(), f"daily-{company[:8]}@example.com"
    scheduled = await api.put("/api/reports/schedule", headers=bearer(owner), json={
        "cadence": "daily", "timezone": timezone, "contacts": [contact], "language": "en",
    })  # fmt: skip
    assert scheduled.status_code in (200, 202), scheduled.text
    await eventually_json(api, owner, "/api/reports/schedule", lambda s: s["timezone"] == timezone)
    key = f"{company}:{last_completed(Cadence.DAILY, timezone, datetime.now(UTC)).key}"

    with running_daemon(tmp_path_factory.mktemp("dagster"), platform.settings, module=LOCATION) as dagster:
        run = await asyncio.to_thread(dagster.finished_run, key, WAIT_SECONDS)
        assert run.status.value == "SUCCESS", dagster.log_tail()
        assert run.tags["dagster/schedule_name"] == "compliance_reports" and run.tags["dagster/run_key"] == key
        # A later tick (the schedule's run key holds for one tick only) requests no second run of the period: the
        # schedule is evaluated as the daemon would, against its instance, rather than waiting a minute for a tick.
        later = evaluated_tick(dagster.instance, platform.settings, datetime.now(UTC) + timedelta(minutes=1))
        assert key not in {request.run_key for request in later.run_requests or ()}, later
        assert len(dagster.runs_of(key)) == 1

    letters = outbox(platform.settings, contact)
    assert len(letters) == 1 and letters[0]["subject"].startswith("Compliance report")
    assert sorted(a["content_type"] for a in letters[0]["attachments"]) == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]  # fmt: skip
    listed = await eventually_json(api, owner, "/api/reports", lambda body: body["total"] == 2)
    assert {i["id"] for i in listed["items"]} == {
        report_document_id(company, key.rsplit(":", 1)[1], kind) for kind in ("pdf", "xlsx")
    }
