"""Superset set up from the dashboards' definitions gives, chart by chart, the platform's own figures for the company.

Runs where Superset's virtualenv is installed (`wellwon superset up` makes it, a few minutes; the suite does not):
two companies' work is generated, Superset is set up for the first, and every chart's saved query, run through
Superset's chart data API against ClickHouse, must return the rows the query layer (`run_panel`) returns for that
company, and none of the other's. A second set-up changes nothing but updates in place.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from dashboards.definitions import DASHBOARDS
from dashboards.query import bind, run_panel
from sinks.clickhouse import analytics_client, analytics_database
from stack import superset
from stack.processes import PlatformProcesses
from tests.integration.test_analytics_facts import Company, generate, reconciled

pytestmark = pytest.mark.skipif(
    not (superset.VENV / "bin" / "superset").exists(),
    reason=f"Superset's virtualenv is not installed ({superset.VENV}): `wellwon superset up` installs it",
)


@pytest.fixture(scope="module")
def companies(platform: PlatformProcesses) -> tuple[Company, Company]:
    async def both() -> tuple[Company, Company]:
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=60) as api:
            # Few records, so that no panel reaches its LIMIT (where ties would make the rows a matter of chance).
            a = await generate(
                api, "superset-a", (("DEHAM", "RULED", "sea"), ("CNSHA", "RUVVO", "sea"), ("CNSHA", "RUMOW", "air")),
                (3, 2, 2),
            )  # fmt: skip
            b = await generate(api, "superset-b", (("TRIST", "RUNVS", "road"),), (2, 1, 1))
            return a, b

    a, b = asyncio.run(both())
    reconciled(platform, a), reconciled(platform, b)
    return a, b


@pytest.fixture(scope="module")
def running_superset() -> Iterator[None]:
    """Superset for the test; stopped after it unless it was already running (a developer's own)."""
    already = superset.pid() is not None
    yield
    if not already:
        superset.stop()


def comparable(value: Any, ours: Any) -> Any:
    """Superset's JSON value in the query layer's terms: temporal columns come as epoch milliseconds, decimals as
    floats."""
    if isinstance(ours, str) and isinstance(value, int | float) and re.match(r"\d{4}-\d\d-\d\d", ours):
        moment = datetime.fromtimestamp(value / 1000, UTC)
        return moment.date().isoformat() if len(ours) == 10 else moment.replace(tzinfo=None).isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def platform_value(value: Any) -> Any:
    return round(float(value), 6) if isinstance(value, Decimal | float) else value


def rows_of(answer: dict[str, Any], ours: list[list[Any]]) -> list[list[Any]]:
    """A chart data answer's rows in the query layer's column order and types."""
    (result,) = answer["result"]
    names = result["colnames"]
    samples = ours[0] if ours else [None] * len(names)
    return [[comparable(record[n], s) for n, s in zip(names, samples, strict=True)] for record in result["data"]]


def test_superset_charts_give_the_query_layers_rows_for_the_company_and_none_of_anothers(
    platform: PlatformProcesses, companies: tuple[Company, Company], running_superset: None
) -> None:
    a, b = companies
    site = superset.up(platform.settings, a.tenant, "Superset A")
    database = analytics_database(platform.settings)
    today = datetime.now(UTC).date()
    client = analytics_client(platform.settings, database)
    api = superset.SupersetApi(site.url, superset.ADMIN_PASSWORD_FILE.read_text().strip())
    shown: dict[str, list[list[Any]]] = {}
    try:
        for dashboard in DASHBOARDS.values():
            parameters = bind(dashboard, {}, today)
            for panel in dashboard.panels:
                ours = run_panel(client, database, a.tenant, panel, parameters)
                expected = [[platform_value(v) for v in row] for row in ours["rows"]]
                if limit := re.search(r"LIMIT (\d+)", panel.sql):
                    assert len(expected) < int(limit.group(1)), f"{panel.id} reached its LIMIT: seed fewer records"
                answer = api.call("GET", f"/api/v1/chart/{site.charts[(dashboard.id, panel.id)]}/data/")
                if ours["rows"]:  # the query layer names no columns for an empty result
                    assert answer["result"][0]["colnames"] == ours["columns"], panel.id
                got = rows_of(answer, ours["rows"])
                assert sorted(got, key=repr) == sorted(expected, key=repr), panel.id
                shown[panel.id] = got
        others = run_panel(client, database, b.tenant, DASHBOARDS["activity"].panels[3])["rows"]
    finally:
        client.close()

    # The comparison means something: the generated work shows on most charts, and it is A's.
    assert sum(1 for rows in shown.values() if rows) >= 8, {k: len(v) for k, v in shown.items()}
    assert a.tenant in {row[1] for row in shown["busiest_aggregates"]}
    assert sum(row[1] for row in shown["shipments_by_status"]) == a.shipments
    assert {row[0] for row in shown["lead_time_by_lane"]} == {"DE → RU", "CN → RU"}
    # None of B's rows: not its company, not its records, not its lane.
    values = {repr(value) for rows in shown.values() for row in rows for value in row}
    assert repr(b.tenant) not in values
    assert not {repr(aggregate_id) for _, aggregate_id, _ in others} & values
    assert "'TR → RU'" not in values

    # Again: the same dashboards and charts, updated in place.
    again = superset.up(platform.settings, a.tenant, "Superset A")
    assert (again.database_id, again.dashboards, again.charts) == (site.database_id, site.dashboards, site.charts)
    prefix = f"wellwon_{a.tenant.replace('-', '')}_"
    datasets = {d["id"] for d in api.listed("dataset") if d["table_name"].startswith(prefix)}
    assert len(datasets) == len(site.charts) == sum(len(d.panels) for d in DASHBOARDS.values())
    assert sorted(c["id"] for c in api.listed("chart") if c["datasource_id"] in datasets) == sorted(
        site.charts.values()
    )
    layout = api.call("GET", f"/api/v1/dashboard/{site.dashboards['logistics']}")["result"]["position_json"]
    assert {f'"chartId": {site.charts[("logistics", p.id)]}' for p in DASHBOARDS["logistics"].panels} <= {
        m.group(0) for m in re.finditer(r'"chartId": \d+', layout)
    }
