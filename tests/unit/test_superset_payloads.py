"""The Superset payloads built from the dashboard definitions: one company's rows, each chart's query, the layout."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from dashboards.definitions import DASHBOARDS, TENANT_TABLES, Chart
from dashboards.superset import (
    VISUALISATION,
    Column,
    chart_payload,
    dashboard_layout,
    dashboard_payload,
    dataset_name,
    dataset_payload,
    dataset_sql,
)

TENANT = "3f2c7a4e-1b2d-4c5e-8f90-123456789abc"
COLUMNS = {
    Chart.LINE: [Column("day", "Date"), Column("events", "UInt64")],
    Chart.BAR: [Column("status", "LowCardinality(String)"), Column("shipments", "UInt64")],
    Chart.TABLE: [Column("kind", "String"), Column("owed", "Nullable(Decimal(38, 2))")],
    Chart.NUMBER: [Column("on_time", "Nullable(Float64)")],
}


def test_every_dataset_reads_only_the_companys_rows_with_no_parameter_left() -> None:
    for dashboard in DASHBOARDS.values():
        for panel in dashboard.panels:
            sql = dataset_sql("wellwon", TENANT, dashboard, panel)
            assert not re.search(r"\{\w+:\w+\}", sql), sql  # Superset would send them to ClickHouse unbound
            for name, table, reads in TENANT_TABLES:
                assert f"{name} AS (SELECT {reads} FROM `wellwon`.{table} FINAL WHERE tenant_id = '{TENANT}')" in sql
            if not dashboard.parameters:
                assert sql.endswith(f") {panel.sql}")


def test_parameters_take_their_defaults_as_expressions_evaluated_when_the_chart_runs() -> None:
    logistics = DASHBOARDS["logistics"]
    sql = dataset_sql("wellwon", TENANT, logistics, logistics.panels[0])
    assert "toDate(created_at) BETWEEN (today() - 90) AND (today() - 0)" in sql
    assert "('' = '' OR mode = '')" in sql  # every mode, as the console's default


@pytest.mark.parametrize("tenant", ["x' OR 1=1 --", "", "3f2c7a4e"])
def test_only_a_company_id_reaches_the_sql(tenant: str) -> None:
    dashboard = DASHBOARDS["activity"]
    with pytest.raises(ValueError):
        dataset_sql("wellwon", tenant, dashboard, dashboard.panels[0])


def test_datasets_are_named_per_company_and_panel() -> None:
    names = {
        dataset_payload(7, "wellwon", TENANT, dashboard, panel)["table_name"]
        for dashboard in DASHBOARDS.values()
        for panel in dashboard.panels
    }
    assert len(names) == sum(len(d.panels) for d in DASHBOARDS.values())
    other = str(uuid.uuid4())
    activity = DASHBOARDS["activity"]
    assert dataset_name(other, activity, activity.panels[0]) not in names


def test_each_chart_has_its_viz_type_and_a_saved_query_that_returns_the_panels_columns() -> None:
    for dashboard in DASHBOARDS.values():
        for panel in dashboard.panels:
            payload = chart_payload(11, [3], panel, COLUMNS[panel.chart])
            assert (payload["slice_name"], payload["datasource_id"], payload["dashboards"]) == (panel.title, 11, [3])
            form_data, context = json.loads(payload["params"]), json.loads(payload["query_context"])
            assert payload["viz_type"] == form_data["viz_type"] == VISUALISATION[panel.chart]
            assert context["datasource"] == {"id": 11, "type": "table"} and form_data["datasource"] == "11__table"
            (query,) = context["queries"]
            labels = [c if isinstance(c, str) else c["label"] for c in query["columns"]]
            labels += [m["label"] for m in query["metrics"]]
            assert labels == [c.name for c in COLUMNS[panel.chart]], panel.id
            assert query["post_processing"] == []  # rows as the panel gives them, not pivoted


def test_line_and_bar_charts_sum_each_measure_along_the_first_column() -> None:
    chart = chart_payload(1, [], DASHBOARDS["activity"].panels[0], COLUMNS[Chart.LINE])
    form_data = json.loads(chart["params"])
    assert form_data["x_axis"] == "day" and form_data["groupby"] == []
    assert [(m["aggregate"], m["column"]["column_name"]) for m in form_data["metrics"]] == [("SUM", "events")]
    grouped = [Column("day", "Date"), Column("activity", "String"), Column("times", "UInt64")]
    form_data = json.loads(chart_payload(1, [], DASHBOARDS["activity"].panels[0], grouped)["params"])
    assert form_data["groupby"] == ["activity"] and [m["label"] for m in form_data["metrics"]] == ["times"]


def test_a_number_is_the_panels_one_value_and_a_table_its_raw_rows() -> None:
    number = json.loads(chart_payload(1, [], DASHBOARDS["logistics"].panels[4], COLUMNS[Chart.NUMBER])["params"])
    assert (number["metric"]["aggregate"], number["metric"]["label"]) == ("MAX", "on_time")
    table = json.loads(chart_payload(1, [], DASHBOARDS["finance"].panels[0], COLUMNS[Chart.TABLE])["params"])
    assert (table["query_mode"], table["all_columns"]) == ("raw", ["kind", "owed"])


def test_the_layout_places_every_chart_once_two_abreast() -> None:
    for dashboard in DASHBOARDS.values():
        chart_ids = {panel.id: 100 + n for n, panel in enumerate(dashboard.panels)}
        layout = dashboard_layout(dashboard, chart_ids)
        charts = [item for item in layout.values() if isinstance(item, dict) and item.get("type") == "CHART"]
        assert sorted(c["meta"]["chartId"] for c in charts) == sorted(chart_ids.values())
        rows = [layout[row_id] for row_id in layout["GRID_ID"]["children"]]
        assert all(sum(layout[c]["meta"]["width"] for c in row["children"]) <= 12 for row in rows)
        assert [c for row in rows for c in row["children"]] == [f"CHART-{p.id}" for p in dashboard.panels]
        payload = dashboard_payload(TENANT, "Acme", dashboard, chart_ids)
        assert json.loads(payload["position_json"]) == layout
        assert payload["dashboard_title"] == f"WellWon: {dashboard.title} (Acme)"
        assert TENANT.replace("-", "") in payload["slug"]
