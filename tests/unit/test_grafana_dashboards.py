"""The Grafana export's structure, checked as Grafana's ClickHouse plugin reads it (it cannot run here)."""

from __future__ import annotations

import json

from dashboards.definitions import DASHBOARDS, TENANT_TABLES, Chart
from dashboards.grafana import PLUGIN, grafana_dashboard


def test_every_dashboard_asks_for_its_clickhouse_data_source_and_a_company() -> None:
    for dashboard in DASHBOARDS.values():
        exported = json.loads(json.dumps(grafana_dashboard(dashboard, "wellwon")))  # plain JSON, nothing else
        (source,) = exported["__inputs"]
        assert (source["type"], source["pluginId"]) == ("datasource", PLUGIN)
        reference = {"type": PLUGIN, "uid": "${" + source["name"] + "}"}
        assert [v["name"] for v in exported["templating"]["list"]] == ["tenant"]
        assert exported["uid"] == f"wellwon-{dashboard.id}"
        assert len(exported["panels"]) == len(dashboard.panels)
        for panel, definition in zip(exported["panels"], dashboard.panels, strict=True):
            assert panel["title"] == definition.title
            assert panel["datasource"] == reference
            (target,) = panel["targets"]
            assert target["datasource"] == reference
            assert target["editorType"] == "sql"
            series = definition.chart is Chart.LINE
            assert (target["queryType"], target["format"]) == (("timeSeries", 0) if series else ("table", 1))
            assert target["rawSql"].endswith(definition.sql)
            # Each table a panel may read is bound to the variable, and only through Grafana's quoting.
            for name, table in TENANT_TABLES:
                assert (
                    f"{name} AS (SELECT * FROM `wellwon`.{table} FINAL WHERE tenant_id = ${{tenant:sqlstring}})"
                    in (target["rawSql"])
                )
        assert {panel["type"] for panel in exported["panels"]} <= {"timeseries", "barchart", "table", "stat"}


def test_panels_are_laid_out_two_abreast_without_overlapping() -> None:
    for dashboard in DASHBOARDS.values():
        cells = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in grafana_dashboard(dashboard, "wellwon")["panels"]]
        assert len(set(cells)) == len(cells)
        assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in grafana_dashboard(dashboard, "w")["panels"])
