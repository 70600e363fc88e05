"""The Grafana export's structure, checked as Grafana's ClickHouse plugin reads it (it cannot run here)."""

from __future__ import annotations

import json
import re

from dashboards.definitions import DASHBOARDS, TENANT_TABLES, Chart
from dashboards.grafana import PLUGIN, grafana_dashboard


def test_every_dashboard_asks_for_its_clickhouse_data_source_a_company_and_its_parameters() -> None:
    for dashboard in DASHBOARDS.values():
        exported = json.loads(json.dumps(grafana_dashboard(dashboard, "wellwon")))  # plain JSON, nothing else
        (source,) = exported["__inputs"]
        assert (source["type"], source["pluginId"]) == ("datasource", PLUGIN)
        reference = {"type": PLUGIN, "uid": "${" + source["name"] + "}"}
        variables = [v["name"] for v in exported["templating"]["list"]]
        # The period is Grafana's time range; every other parameter a variable.
        assert variables == ["tenant", *(p.name for p in dashboard.parameters if p.name not in ("since", "until"))]
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
            raw = target["rawSql"]
            # No server-side parameter is left for Grafana to choke on; each became a macro or a quoted variable.
            assert not re.search(r"(?<!\$)\{\w+:\w+\}", raw), raw
            for name in re.findall(r"\{(\w+):\w+\}", definition.sql):
                expected = {"since": "toDate($__fromTime)", "until": "toDate($__toTime)"}.get(name)
                assert (expected or f"${{{name}:sqlstring}}") in raw
                assert expected or name in variables
            # Each table a panel may read is bound to the variable, and only through Grafana's quoting.
            for name, table, reads in TENANT_TABLES:
                assert (
                    f"{name} AS (SELECT {reads} FROM `wellwon`.{table} FINAL WHERE tenant_id = ${{tenant:sqlstring}})"
                    in raw
                )
        assert {panel["type"] for panel in exported["panels"]} <= {"timeseries", "barchart", "table", "stat"}


def test_panels_are_laid_out_two_abreast_without_overlapping() -> None:
    for dashboard in DASHBOARDS.values():
        cells = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in grafana_dashboard(dashboard, "wellwon")["panels"]]
        assert len(set(cells)) == len(cells)
        assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in grafana_dashboard(dashboard, "w")["panels"])
