"""The dashboards as Apache Superset payloads: a ClickHouse database, and per company one dataset and chart per panel.

Same definitions as the console's and Grafana's. Superset has no session company, so each dataset is bound to one:
a virtual (SQL) dataset whose SQL is the panel's, with the `tenant_*` tables as subqueries of that company's rows
(the company id a quoted literal, checked as a UUID) and the dashboard's parameters at their defaults as
expressions (the period the last 90 days up to `today()`, so a dataset does not go stale; every other parameter
"all"). Whoever logs in to this Superset sees the companies it was set up for: it is an operator's tool. A ClickHouse
user per company with a row policy would be the stronger fence, but the local ClickHouse (chDB behind
`stack/clickhouse_http.py`) has no users; on a real server, give the database connection such a read-only user.

Pure: definitions in, JSON-ready dicts out. `stack/superset.py` sends them through Superset's REST API.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.definitions import SERVER_PARAMETER, Chart, Dashboard, Panel, ParameterKind
from dashboards.query import tenant_scoped

# Superset's visualisation for each of our charts (its viz_type names).
VISUALISATION = {
    Chart.LINE: "echarts_timeseries_line",
    Chart.BAR: "echarts_timeseries_bar",
    Chart.TABLE: "table",
    Chart.NUMBER: "big_number_total",
}
ROW_LIMIT = 10_000
# Superset's dashboard grid is 12 columns wide; two charts abreast.
CHART_WIDTH, CHART_HEIGHT, COLUMNS = 6, 50, 2


def tenant_literal(tenant_id: str) -> str:
    """The company id as a ClickHouse string literal; only a UUID is accepted, so nothing else reaches the SQL."""
    return f"'{uuid.UUID(tenant_id)}'"


def default_expression(dashboard: Dashboard, name: str) -> str:
    """A parameter's default as a ClickHouse expression, evaluated when the chart runs (dates relative to today)."""
    parameter = next(p for p in dashboard.parameters if p.name == name)
    if parameter.kind is ParameterKind.DATE:
        return f"(today() - {parameter.default_days_ago or 0})"
    default = parameter.choices[0] if parameter.choices else ""
    return "'" + default.replace("\\", "\\\\").replace("'", "\\'") + "'"


def dataset_sql(database: str, tenant_id: str, dashboard: Dashboard, panel: Panel) -> str:
    """The panel's SQL for one company, every server-side parameter replaced by a literal or an expression."""
    tenant = tenant_literal(tenant_id)
    return SERVER_PARAMETER.sub(
        lambda m: tenant if m.group(1) == "tenant" else default_expression(dashboard, m.group(1)),
        tenant_scoped(database, panel),
    )


def database_name(database: str) -> str:
    return f"WellWon ClickHouse ({database})"


def database_payload(database: str, sqlalchemy_uri: str) -> dict[str, Any]:
    """The connection through clickhouse-connect's `clickhousedb` dialect; read only, and not offered in SQL Lab
    (there a reader could query every company's rows)."""
    return {
        "database_name": database_name(database),
        "sqlalchemy_uri": sqlalchemy_uri,
        "expose_in_sqllab": False,
        "allow_dml": False,
        "allow_run_async": False,
        "allow_file_upload": False,
    }


def dataset_name(tenant_id: str, dashboard: Dashboard, panel: Panel) -> str:
    """Unique per company and panel: Superset's key for a dataset is its name within the database."""
    return f"wellwon_{uuid.UUID(tenant_id).hex}_{dashboard.id}_{panel.id}"


def dataset_payload(
    database_id: int, database: str, tenant_id: str, dashboard: Dashboard, panel: Panel
) -> dict[str, Any]:
    return {
        "database": database_id,
        "table_name": dataset_name(tenant_id, dashboard, panel),
        "sql": dataset_sql(database, tenant_id, dashboard, panel),
    }


@dataclass(frozen=True)
class Column:
    """A column of a panel's result, in SELECT order, with its ClickHouse type."""

    name: str
    type: str

    @property
    def base_type(self) -> str:
        return re.sub(r"^(?:(?:Nullable|LowCardinality)\()+", "", self.type).rstrip(")")

    @property
    def numeric(self) -> bool:
        return re.match(r"U?Int|Float|Decimal", self.base_type) is not None


def metric(column: Column, aggregate: str) -> dict[str, Any]:
    """An aggregate of a panel's already aggregated column, labelled as the column, so the chart's result keeps
    the panel's column names."""
    return {
        "expressionType": "SIMPLE",
        "column": {"column_name": column.name, "type": column.type},
        "aggregate": aggregate,
        "label": column.name,
        "optionName": f"metric_{column.name}",
    }


def chart_form_data(dataset_id: int, panel: Panel, columns: Sequence[Column]) -> dict[str, Any]:
    """What Superset's explore view draws (the chart's `params`).

    Table: the rows as they are. Line and bar: the first column along the x axis, each further numeric column a
    series (summed per x value, where each panel has one row), other columns series groups. Number: the first
    numeric column of the panel's one row."""
    common = {"datasource": f"{dataset_id}__table", "viz_type": VISUALISATION[panel.chart], "adhoc_filters": []}
    names = [c.name for c in columns]
    if panel.chart is Chart.TABLE:
        return {
            **common,
            "query_mode": "raw",
            "all_columns": names,
            "order_by_cols": [],
            "row_limit": ROW_LIMIT,
            "server_pagination": False,
            "include_search": False,
        }
    if panel.chart is Chart.NUMBER:
        (value, *_) = [c for c in columns if c.numeric]
        return {**common, "metric": metric(value, "MAX"), "y_axis_format": "SMART_NUMBER"}
    x_axis, *rest = columns
    return {
        **common,
        "x_axis": x_axis.name,
        "metrics": [metric(c, "SUM") for c in rest if c.numeric],
        "groupby": [c.name for c in rest if not c.numeric],
        "row_limit": ROW_LIMIT,
        "order_desc": True,
        "show_legend": True,
        "rich_tooltip": True,
        "x_axis_title": x_axis.name,
    }


def chart_query(form_data: Mapping[str, Any]) -> dict[str, Any]:
    """The one query behind the chart, as Superset's chart data API runs it (`/api/v1/chart/{id}/data/`):
    the table's rows, or the chart's metrics per x value and group, without the front end's pivoting."""
    if form_data["viz_type"] == VISUALISATION[Chart.TABLE]:
        columns: list[Any] = list(form_data["all_columns"])
        metrics: list[Any] = []
    elif form_data["viz_type"] == VISUALISATION[Chart.NUMBER]:
        columns, metrics = [], [form_data["metric"]]
    else:
        axis = {"columnType": "BASE_AXIS", "expressionType": "SQL", "label": form_data["x_axis"],
                "sqlExpression": form_data["x_axis"]}  # fmt: skip
        columns, metrics = [axis, *form_data["groupby"]], list(form_data["metrics"])
    return {
        "columns": columns,
        "metrics": metrics,
        "orderby": [],
        "filters": [],
        "extras": {"having": "", "where": ""},
        "row_limit": ROW_LIMIT,
        "series_limit": 0,
        "order_desc": True,
        "annotation_layers": [],
        "applied_time_extras": {},
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "post_processing": [],
    }


def chart_payload(
    dataset_id: int, dashboard_ids: Sequence[int], panel: Panel, columns: Sequence[Column]
) -> dict[str, Any]:
    form_data = chart_form_data(dataset_id, panel, columns)
    query_context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [chart_query(form_data)],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": panel.title,
        "description": f"WellWon panel {panel.id}",
        "viz_type": form_data["viz_type"],
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(form_data),
        "query_context": json.dumps(query_context),
        "dashboards": list(dashboard_ids),
    }


def dashboard_slug(tenant_id: str, dashboard: Dashboard) -> str:
    return f"wellwon-{dashboard.id.replace('_', '-')}-{uuid.UUID(tenant_id).hex}"


def dashboard_layout(dashboard: Dashboard, chart_ids: Mapping[str, int]) -> dict[str, Any]:
    """Superset's v2 dashboard layout: the panels in definition order, two abreast."""
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    panels = [p for p in dashboard.panels if p.id in chart_ids]
    for start in range(0, len(panels), COLUMNS):
        row_id = f"ROW-{start // COLUMNS}"
        layout["GRID_ID"]["children"].append(row_id)
        children: list[str] = []
        layout[row_id] = {"type": "ROW", "id": row_id, "children": children, "parents": ["ROOT_ID", "GRID_ID"],
                          "meta": {"background": "BACKGROUND_TRANSPARENT"}}  # fmt: skip
        for panel in panels[start : start + COLUMNS]:
            chart_id = f"CHART-{panel.id}"
            children.append(chart_id)
            layout[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"chartId": chart_ids[panel.id], "width": CHART_WIDTH, "height": CHART_HEIGHT,
                         "sliceName": panel.title},
            }  # fmt: skip
    return layout


def dashboard_payload(tenant_id: str, label: str, dashboard: Dashboard, chart_ids: Mapping[str, int]) -> dict[str, Any]:
    """The dashboard, its title naming the company by `label`, its layout placing the charts made so far."""
    return {
        "dashboard_title": f"WellWon: {dashboard.title} ({label})",
        "slug": dashboard_slug(tenant_id, dashboard),
        "published": True,
        "position_json": json.dumps(dashboard_layout(dashboard, chart_ids)),
    }
