"""The analytics query layer: runs a panel for one tenant, the tenant taken from the session.

Callers choose a panel and its dashboard's parameters, never SQL and never the tenant: the panel's SQL reads
`tenant_events` and `tenant_<fact table>`, which this layer binds to the session's tenant's rows, and its
parameters, all as ClickHouse server-side parameters (`{name:Type}`), so no value is ever spliced into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboards.definitions import TENANT_TABLES, Dashboard, Panel, ParameterKind


class BadParameter(ValueError):
    """A parameter value the dashboard does not take; the message says why, for the caller."""


def tenant_scoped(database: str, panel: Panel) -> str:
    scoped = ", ".join(
        f"{name} AS (SELECT {reads} FROM `{database}`.{table} FINAL WHERE tenant_id = {{tenant:String}})"
        for name, table, reads in TENANT_TABLES
    )
    return f"WITH {scoped} {panel.sql}"


def bind(dashboard: Dashboard, given: Mapping[str, str | None], today: date) -> dict[str, Any]:
    """The dashboard's parameters from what the caller sent (defaults for the rest), checked; BadParameter if not."""
    taken = {p.name for p in dashboard.parameters}
    if unknown := sorted(name for name, value in given.items() if value is not None and name not in taken):
        raise BadParameter(
            f"dashboard {dashboard.id} takes no {', '.join(unknown)}"
            f" (it takes: {', '.join(sorted(taken)) or 'nothing'})"
        )
    bound: dict[str, Any] = {}
    for parameter in dashboard.parameters:
        value = given.get(parameter.name)
        text = parameter.default(today) if value is None else value
        if parameter.kind is ParameterKind.DATE:
            try:
                bound[parameter.name] = date.fromisoformat(text)
            except ValueError:
                raise BadParameter(f"{parameter.name}: {text!r} is not a date (YYYY-MM-DD)") from None
        elif parameter.choices and text not in parameter.choices:
            raise BadParameter(
                f"{parameter.name}: {text!r} is not one of {', '.join(c or '(all)' for c in parameter.choices)}"
            )
        elif parameter.pattern and not re.fullmatch(parameter.pattern, text):
            raise BadParameter(f"{parameter.name}: {text!r} does not match {parameter.pattern}")
        else:
            bound[parameter.name] = text
    if "since" in bound and "until" in bound and bound["since"] > bound["until"]:
        raise BadParameter(f"since ({bound['since']}) is after until ({bound['until']})")
    return bound


def run_panel(
    client: Client, database: str, tenant_id: str, panel: Panel, parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    result = client.query(tenant_scoped(database, panel), parameters={**(parameters or {}), "tenant": tenant_id})
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
