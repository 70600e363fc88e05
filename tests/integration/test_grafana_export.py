"""The dashboards exported for Grafana run on the platform's ClickHouse and give the console's figures.

Grafana cannot run here, so its part is played exactly: the `${tenant:sqlstring}` variable is put in the
way Grafana's sqlstring format does (quoted, quotes doubled, backslashes doubled), then the exported
`rawSql` runs on the real ClickHouse engine and is compared with the API's answer for the same company.
"""

from __future__ import annotations

import re

import httpx

from dashboards.definitions import DASHBOARDS
from dashboards.grafana import grafana_dashboard
from sinks.clickhouse import analytics_database
from stack.processes import PlatformProcesses
from tests.integration.observe import analytics, bearer, company_owner, eventually


def grafana_sqlstring(value: str) -> str:
    """Grafana's `sqlstring` variable format."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def exported_rows(platform: PlatformProcesses, dashboard_id: str, panel_id: str, tenant: str) -> list[list[object]]:
    exported = grafana_dashboard(DASHBOARDS[dashboard_id], analytics_database(platform.settings))
    panel_index = [p.id for p in DASHBOARDS[dashboard_id].panels].index(panel_id)
    raw_sql = exported["panels"][panel_index]["targets"][0]["rawSql"]
    # As Grafana would: the company, the other variables left empty (all), the time range the last 90 days.
    bound = raw_sql.replace("${tenant:sqlstring}", grafana_sqlstring(tenant))
    bound = re.sub(r"\$\{\w+:sqlstring\}", grafana_sqlstring(""), bound)
    bound = bound.replace("$__fromTime", "(now() - INTERVAL 90 DAY)").replace("$__toTime", "now()")
    return [list(row) for row in analytics(platform, bound)]


async def test_exported_panels_give_the_consoles_figures_for_the_company_in_the_variable(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner_a, company_a = await company_owner(api, "grafana-a")
    owner_b, company_b = await company_owner(api, "grafana-b")
    renamed = await api.patch(f"/api/companies/{company_b}", headers=bearer(owner_b), json={"name": "B again"})
    assert renamed.status_code == 200, renamed.text

    def console(owner: dict[str, str], panel_id: str) -> list[list[object]]:
        answer = httpx.get(
            f"{platform.base_url}/api/analytics/dashboards/activity", headers=bearer(owner), timeout=30
        ).json()
        return [list(row) for row in next(p for p in answer["panels"] if p["id"] == panel_id)["rows"]]

    def changes(owner: dict[str, str], company: str) -> int:
        rows = console(owner, "busiest_aggregates")
        return next((int(str(r[2])) for r in rows if r[1] == company), 0)

    # B's rename reached ClickHouse: B's company has more events than A's, so the figures differ per company.
    eventually(lambda: changes(owner_b, company_b) > changes(owner_a, company_a) > 0 or None, timeout=30)
    for owner, company in ((owner_a, company_a), (owner_b, company_b)):
        for panel_id in ("busiest_aggregates", "events_by_type"):
            exported = sorted(exported_rows(platform, "activity", panel_id, company), key=repr)
            assert exported == sorted(console(owner, panel_id), key=repr)
    assert {row[1] for row in exported_rows(platform, "activity", "busiest_aggregates", company_a)} == {company_a}

    # Every exported panel of every dashboard runs on the engine as exported.
    for dashboard in DASHBOARDS.values():
        for panel in dashboard.panels:
            exported_rows(platform, dashboard.id, panel.id, company_a)

    # The variable is a value, never SQL: a company id that tries to break out matches no company.
    assert exported_rows(platform, "activity", "busiest_aggregates", f"{company_a}' OR '1'='1") == []
    assert exported_rows(platform, "activity", "busiest_aggregates", "x\\' OR 1=1 --") == []
