"""The dashboards as Grafana dashboard JSON for the ClickHouse data source (`grafana-clickhouse-datasource`).

Same definitions as the console's: each panel's SQL, scoped to one company by a dashboard variable
`tenant` (Grafana quotes and escapes it with `${tenant:sqlstring}`) instead of the API's session. The
dashboard's parameters become Grafana's: the period is the dashboard's time range (the plugin's
`$__fromTime`/`$__toTime`), every other parameter a textbox variable quoted the same way ("" for all). The data
source is an `__inputs` entry, so an import asks which ClickHouse to use. Whoever runs Grafana sees every
company they type in: give its ClickHouse user read access only, and row policies if it serves tenants.

    wellwon dashboards grafana OUT_DIR      # one <dashboard>.json per dashboard
"""

from __future__ import annotations

from typing import Any

from dashboards.definitions import SERVER_PARAMETER, SINCE, TENANT_TABLES, UNTIL, Chart, Dashboard, Panel

PLUGIN = "grafana-clickhouse-datasource"
DATASOURCE_INPUT = "DS_CLICKHOUSE"
DATASOURCE = {"type": PLUGIN, "uid": f"${{{DATASOURCE_INPUT}}}"}
# The plugin's Format enum: 0 time series, 1 table.
TIME_SERIES_FORMAT, TABLE_FORMAT = 0, 1
# Grafana's visualisation for each of our charts.
VISUALISATION = {Chart.LINE: "timeseries", Chart.BAR: "barchart", Chart.TABLE: "table", Chart.NUMBER: "stat"}
PANEL_WIDTH, PANEL_HEIGHT, COLUMNS = 12, 8, 2


PERIOD = {SINCE.name: "toDate($__fromTime)", UNTIL.name: "toDate($__toTime)"}


def grafana_parameters(sql: str) -> str:
    """Server-side parameters `{name:Type}` as Grafana's: the time range, or the variable quoted as a string."""
    return SERVER_PARAMETER.sub(lambda m: PERIOD.get(m.group(1), f"${{{m.group(1)}:sqlstring}}"), sql)


def grafana_sql(database: str, panel: Panel) -> str:
    """The panel's SQL with its tenant tables bound to the dashboard's `tenant` variable."""
    scoped = ", ".join(
        f"{name} AS (SELECT {reads} FROM `{database}`.{table} FINAL WHERE tenant_id = ${{tenant:sqlstring}})"
        for name, table, reads in TENANT_TABLES
    )
    return f"WITH {scoped} {grafana_parameters(panel.sql)}"


def grafana_variable(name: str, label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "textbox",
        "query": "",
        "current": {"text": "", "value": ""},
        "hide": 0,
    }


def grafana_target(database: str, panel: Panel) -> dict[str, Any]:
    series = panel.chart is Chart.LINE
    return {
        "refId": "A",
        "datasource": DATASOURCE,
        "editorType": "sql",
        "rawSql": grafana_sql(database, panel),
        "queryType": "timeSeries" if series else "table",
        "format": TIME_SERIES_FORMAT if series else TABLE_FORMAT,
    }


def grafana_panel(database: str, panel: Panel, index: int) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": VISUALISATION[panel.chart],
        "title": panel.title,
        "datasource": DATASOURCE,
        "gridPos": {
            "x": (index % COLUMNS) * PANEL_WIDTH,
            "y": (index // COLUMNS) * PANEL_HEIGHT,
            "w": PANEL_WIDTH,
            "h": PANEL_HEIGHT,
        },
        "targets": [grafana_target(database, panel)],
    }


def grafana_dashboard(dashboard: Dashboard, database: str) -> dict[str, Any]:
    """A dashboard to import in Grafana (Dashboards > Import), asking for its ClickHouse data source."""
    return {
        "__inputs": [
            {
                "name": DATASOURCE_INPUT,
                "label": "ClickHouse",
                "description": "The platform's ClickHouse (the database the sinks write)",
                "type": "datasource",
                "pluginId": PLUGIN,
                "pluginName": "ClickHouse",
            }
        ],
        "__requires": [{"type": "datasource", "id": PLUGIN, "name": "ClickHouse", "version": "4.0.0"}],
        "uid": f"wellwon-{dashboard.id}",
        "title": f"WellWon: {dashboard.title}",
        "tags": ["wellwon"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": f"now-{SINCE.default_days_ago}d", "to": "now"},
        "templating": {
            "list": [
                grafana_variable("tenant", "Company id"),
                *(grafana_variable(p.name, p.label) for p in dashboard.parameters if p.name not in PERIOD),
            ]
        },
        "panels": [grafana_panel(database, panel, index) for index, panel in enumerate(dashboard.panels)],
    }


def _export(args: Any) -> None:
    import json
    from pathlib import Path

    from dashboards.definitions import DASHBOARDS
    from sinks.clickhouse import analytics_database
    from wellwon.config import settings

    folder = Path(args.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    database = analytics_database(settings())
    for dashboard in DASHBOARDS.values():
        path = folder / f"{dashboard.id}.json"
        path.write_text(json.dumps(grafana_dashboard(dashboard, database), ensure_ascii=False, indent=2) + "\n")
        print(path)


def add_dashboard_commands(sub: Any) -> None:
    dashboards = sub.add_parser("dashboards", help="export the analytics dashboards to other tools")
    actions = dashboards.add_subparsers(dest="action", required=True)
    grafana = actions.add_parser("grafana", help="one Grafana dashboard JSON per dashboard (ClickHouse data source)")
    grafana.add_argument("out_dir")
    grafana.set_defaults(func=_export)
