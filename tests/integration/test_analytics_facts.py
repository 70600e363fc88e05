"""Analytics facts against the read models: a generated month of two companies' work, reconciled per company.

One set-up for the module: two companies, shipments along different lanes and modes (some delivered, some
held up, some cancelled), customs declarations with goods items, and invoices, all sent through the API
concurrently. Then the ClickHouse fact tables must say what Postgres says, per company; a company's
dashboards show none of the other's rows; and a replay from the topics rebuilds the same read models and facts.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from dashboards.definitions import TENANT_TABLES
from sinks.clickhouse import analytics_database
from sinks.postgres.projections import PROJECTIONS
from sinks.replay import replay_all
from stack.processes import PlatformProcesses
from streams.registry import DOMAINS, codec
from tests.integration.logistics_steps import CONSIGNEE, SHIPPER
from tests.integration.observe import analytics, bearer, company_owner, sql
from tests.integration.test_customs import HEADER, ITEMS
from tests.integration.test_invoice import receivable

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
MILESTONES = ("picked_up", "departed", "arrived", "customs", "released", "delivered")


@dataclass(frozen=True)
class Plan:
    """One generated shipment: its lane, mode, how far it gets, and whether it is held up or cancelled."""

    reference: str
    origin: str
    destination: str
    mode: str
    reached: int  # milestones reached after booking (0: booked only; -1: not booked)
    exception: str | None = None
    cancelled: bool = False


def plans(prefix: str, lanes: tuple[tuple[str, str, str], ...], count: int) -> list[Plan]:
    return [
        Plan(
            f"{prefix}-{n:03d}",
            *lanes[n % len(lanes)],
            reached=(n % 8) - 1 if n % 8 != 7 else 6,
            exception=("delay", "damage", None)[n % 3] if 4 <= n % 8 <= 6 else None,
            cancelled=n % 8 == 0,
        )
        for n in range(count)
    ]


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    return dict(response.json())


async def shipment(api: httpx.AsyncClient, headers: dict[str, str], plan: Plan, day: int) -> None:
    start = START + timedelta(days=day % 20, hours=day)
    created = await ok(
        await api.post(
            "/api/shipments",
            headers=headers,
            json={"reference": plan.reference, "mode": plan.mode, "shipper": SHIPPER, "consignee": CONSIGNEE},
        )
    )
    path = f"/api/shipments/{created['id']}"
    leg = {"origin": plan.origin, "destination": plan.destination, "mode": plan.mode,
           "planned_arrival": (start + timedelta(days=5)).isoformat()}  # fmt: skip
    await ok(await api.put(f"{path}/route", headers=headers, json={"legs": [leg]}))
    cargo = {"description": "Parts", "package_count": 4, "package_type": "CT", "gross_weight_kg": "120"}
    await ok(await api.put(f"{path}/cargo/1", headers=headers, json=cargo))
    if plan.cancelled:
        await ok(await api.post(f"{path}/cancel", headers=headers, json={"reason": "customer withdrew"}))
        return
    if plan.reached < 0:
        return
    booking = {"carrier": {"name": "Carrier"}, "booking_reference": plan.reference, "booked_at": start.isoformat()}
    await ok(await api.post(f"{path}/booking", headers=headers, json=booking))
    for step, milestone in enumerate(MILESTONES[: plan.reached]):
        at = (start + timedelta(days=1 + step, hours=day % 7)).isoformat()
        await ok(await api.post(f"{path}/milestones", headers=headers, json={"milestone": milestone, "actual_at": at}))
    if plan.exception:
        await ok(
            await api.post(f"{path}/exceptions", headers=headers, json={"kind": plan.exception, "reason": "generated"})
        )


async def declaration(api: httpx.AsyncClient, headers: dict[str, str], n: int) -> None:
    header = {**HEADER, "procedure_code": ("40", "10", "40")[n % 3], "reference": f"GEN-{n}"}
    await ok(await api.post("/api/declarations", headers=headers, json={"header": header, "items": ITEMS[: 1 + n % 4]}))


async def invoice(api: httpx.AsyncClient, headers: dict[str, str], n: int) -> None:
    currency = "RUB"  # a foreign currency would need the customer's SWIFT code
    await ok(
        await api.post(
            "/api/invoices", headers=headers, json={"content": receivable(f"{1000 + 37 * n}.00", currency=currency)}
        )
    )


@dataclass
class Company:
    headers: dict[str, str]
    tenant: str
    shipments: int
    declarations: int
    invoices: int


async def generate(
    api: httpx.AsyncClient, label: str, lanes: tuple[tuple[str, str, str], ...], sizes: tuple[int, int, int]
) -> Company:
    owner, tenant = await company_owner(api, label)
    headers = bearer(owner)
    shipments, declarations, invoices = sizes
    await asyncio.gather(
        *(shipment(api, headers, p, n) for n, p in enumerate(plans(label.upper(), lanes, shipments))),
        *(declaration(api, headers, n) for n in range(declarations)),
        *(invoice(api, headers, n) for n in range(invoices)),
    )
    return Company(headers, tenant, shipments, declarations, invoices)


@pytest.fixture(scope="module")
def companies(platform: PlatformProcesses) -> tuple[Company, Company]:
    async def both() -> tuple[Company, Company]:
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=60) as api:
            a = await generate(
                api,
                "facts-a",
                (("DEHAM", "RULED", "sea"), ("CNSHA", "RUVVO", "sea"), ("CNSHA", "RUMOW", "air")),
                (16, 6, 6),
            )
            b = await generate(api, "facts-b", (("TRIST", "RUNVS", "road"),), (8, 3, 4))
            return a, b

    return asyncio.run(both())


def invoice_figures(invoices: list[Any]) -> dict[str, Any]:
    """Invoices per kind, status and currency, and the total and outstanding sums per currency."""
    currencies = {currency for _, _, currency, *_ in invoices}
    return {
        "invoices": Counter((kind, status, currency) for kind, status, currency, *_ in invoices),
        "invoiced": {
            currency: (
                sum(Decimal(total) for _, _, c, total, _ in invoices if c == currency),
                sum(Decimal(outstanding) for _, _, c, _, outstanding in invoices if c == currency),
            )
            for currency in currencies
        },
    }


def postgres(platform: PlatformProcesses, tenant: str) -> dict[str, Any]:
    """What the read models say about one company, in the shape the facts are compared in."""
    shipments = sql(platform, "SELECT id, status, mode, state FROM shipments WHERE tenant_id = %s", tenant)
    declarations = sql(
        platform, "SELECT status, procedure_code, item_count FROM customs_declarations WHERE tenant_id = %s", tenant
    )
    invoices = sql(
        platform, "SELECT kind, status, currency, total, outstanding FROM invoices WHERE tenant_id = %s", tenant
    )
    return {
        "shipments": Counter((status, mode) for _, status, mode, _ in shipments),
        "exceptions": sum(len(state.get("exceptions") or ()) for *_, state in shipments),
        "declarations": Counter((status, procedure) for status, procedure, _ in declarations),
        "items": sum(count for *_, count in declarations),
        **invoice_figures(invoices),
    }


def clickhouse(platform: PlatformProcesses, tenant: str) -> dict[str, Any]:
    """The same figures from the fact tables, read as the dashboards read them (merged, the tenant's only)."""
    database = analytics_database(platform.settings)
    scoped = ", ".join(
        f"{name} AS (SELECT {reads} FROM `{database}`.{table} FINAL WHERE tenant_id = {{tenant:String}})"
        for name, table, reads in TENANT_TABLES
    )

    def rows(query: str) -> list[Any]:
        return analytics(platform, f"WITH {scoped} {query}", {"tenant": tenant})

    invoices = rows("SELECT kind, status, currency, total, outstanding FROM tenant_invoices")
    return {
        "shipments": Counter(
            {(s, m): n for s, m, n in rows("SELECT status, mode, count() FROM tenant_shipments GROUP BY 1, 2")}
        ),
        "exceptions": rows("SELECT sum(length(exceptions)) FROM tenant_shipments")[0][0],
        "declarations": Counter(
            {
                (s, p): n
                for s, p, n in rows("SELECT status, procedure_code, count() FROM tenant_declarations GROUP BY 1, 2")
            }
        ),
        "items": rows("SELECT count() FROM tenant_declaration_items WHERE NOT removed")[0][0],
        **invoice_figures(invoices),
    }


def reconciled(platform: PlatformProcesses, company: Company, timeout: float = 60) -> dict[str, Any]:
    """Polls until the read model holds everything generated and the facts say the same; the figures."""
    deadline = time.monotonic() + timeout
    while True:
        read, facts = postgres(platform, company.tenant), clickhouse(platform, company.tenant)
        complete = (
            read["shipments"].total() == company.shipments
            and read["declarations"].total() == company.declarations
            and read["invoices"].total() == company.invoices
        )
        if complete and read == facts:
            return facts
        assert time.monotonic() < deadline, f"facts never matched the read models:\n{read}\n{facts}"
        time.sleep(0.5)


def test_facts_equal_the_read_models_per_company(
    platform: PlatformProcesses, companies: tuple[Company, Company]
) -> None:
    a, b = companies
    figures_a, figures_b = reconciled(platform, a), reconciled(platform, b)
    # The generated month is varied enough to mean something: several statuses, exceptions, procedures.
    assert len({status for status, _ in figures_a["shipments"]}) >= 4
    assert figures_a["exceptions"] > 0 and figures_a["items"] > figures_a["declarations"].total()
    assert {procedure for _, procedure in figures_a["declarations"]} == {"10", "40"}
    assert {mode for _, mode in figures_b["shipments"]} == {"road"}


def test_a_companys_dashboards_show_none_of_anothers_rows(
    platform: PlatformProcesses, companies: tuple[Company, Company]
) -> None:
    a, b = companies
    reconciled(platform, a), reconciled(platform, b)
    since = (START - timedelta(days=1)).date().isoformat()
    with httpx.Client(base_url=platform.base_url, timeout=60) as api:
        for company, lanes in ((a, {"DE → RU", "CN → RU"}), (b, {"TR → RU"})):
            logistics = api.get("/api/analytics/dashboards/logistics", headers=company.headers, params={"since": since})
            assert logistics.status_code == 200, logistics.text
            panels = {p["id"]: p for p in logistics.json()["panels"]}
            assert sum(n for _, n in panels["shipments_by_status"]["rows"]) == company.shipments
            assert {row[0] for row in panels["lead_time_by_lane"]["rows"]} == lanes
            customs = api.get("/api/analytics/dashboards/customs", headers=company.headers, params={"since": since})
            by_status = {p["id"]: p for p in customs.json()["panels"]}["declarations_by_status"]["rows"]
            assert sum(row[2] for row in by_status) == company.declarations
        # A parameter narrows the figures, bound as a value: B's road shipments under mode=sea are none.
        sea = api.get("/api/analytics/dashboards/logistics", headers=b.headers, params={"since": since, "mode": "sea"})
        assert {p["id"]: p for p in sea.json()["panels"]}["shipments_by_status"]["rows"] == []
        # Bad input is refused with a reason, before any query.
        for params, reason in (
            ({"mode": "teleport"}, "mode"),
            ({"since": "2026-13-01"}, "since"),
            ({"since": "2026-02-01", "until": "2026-01-01"}, "after"),
            ({"currency": "rub"}, "currency"),
            ({"currency": "RUB"}, "takes no currency"),  # logistics has no currency
        ):
            refused = api.get("/api/analytics/dashboards/logistics", headers=a.headers, params=params)
            assert refused.status_code == 422 and reason in refused.text, (params, refused.text)


def test_a_replay_of_both_at_once_rebuilds_the_same_read_models_and_facts(
    platform: PlatformProcesses, companies: tuple[Company, Company]
) -> None:
    """`wellwon replay all`: Postgres here, ClickHouse in a forked process, both from the topics."""
    a, b = companies
    before = reconciled(platform, a), reconciled(platform, b)
    events = [platform.settings.name(d.events_topic) for d in DOMAINS]
    results = [platform.settings.name(d.results_topic) for d in DOMAINS]
    heard: list[tuple[int, int]] = []
    applied = replay_all(platform.settings, codec(), PROJECTIONS, events, results, lambda *p: heard.append(p))
    assert applied[0] > applied[1] > 0  # Postgres also applies the outcomes on the results topics
    assert heard and heard[-1][0] == heard[-1][1]  # the last report: every record of the two, read
    assert (postgres(platform, a.tenant), postgres(platform, b.tenant)) == before
    assert (clickhouse(platform, a.tenant), clickhouse(platform, b.tenant)) == before
