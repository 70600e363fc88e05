"""The analytics query layer: runs a panel for one tenant, the tenant taken from the session.

Callers choose a panel, never SQL and never the tenant: the panel's SQL reads `tenant_events` and
`tenant_ledger_entries`, which this layer binds to the session's tenant's rows with a server-side
parameter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboards.definitions import TENANT_TABLES, Panel


def tenant_scoped(database: str, panel: Panel) -> str:
    scoped = ", ".join(
        f"{name} AS (SELECT * FROM `{database}`.{table} FINAL WHERE tenant_id = {{tenant:String}})"
        for name, table in TENANT_TABLES
    )
    return f"WITH {scoped} {panel.sql}"


def run_panel(client: Client, database: str, tenant_id: str, panel: Panel) -> dict[str, Any]:
    result = client.query(tenant_scoped(database, panel), parameters={"tenant": tenant_id})
    rows = [
        [value.isoformat() if isinstance(value, date | datetime) else value for value in row]
        for row in result.result_rows
    ]
    return {
        "id": panel.id,
        "title": panel.title,
        "chart": panel.chart,
        "columns": list(result.column_names),
        "rows": rows,
    }
