"""Analytics dashboards over HTTP: the active company's figures from ClickHouse, for the parameters chosen."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import CurrentSession, PlatformDep, require_permission
from dashboards.definitions import CURRENCY, DASHBOARDS, MODE, PROCEDURE, Dashboard, Parameter
from dashboards.query import BadParameter, bind, run_panel
from sinks.clickhouse import analytics_client, analytics_database
from streams.company.permissions import Action

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


def described(parameter: Parameter, today: date) -> dict[str, Any]:
    return {
        "name": parameter.name,
        "label": parameter.label,
        "kind": str(parameter.kind),
        "choices": list(parameter.choices),
        "pattern": parameter.pattern,
        "default": parameter.default(today),
    }


def listed(d: Dashboard, today: date) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "parameters": [described(p, today) for p in d.parameters],
        "panels": [{"id": p.id, "title": p.title, "chart": p.chart} for p in d.panels],
    }


@router.get("/dashboards")
async def dashboards(session: CurrentSession) -> list[dict[str, Any]]:
    require_permission(session, Action.COMPANY_READ)
    today = datetime.now(UTC).date()
    return [listed(d, today) for d in DASHBOARDS.values()]


@router.get(
    "/dashboards/{dashboard_id}",
    responses={404: {"description": "No such dashboard"}, 422: {"description": "A parameter the dashboard rejects"}},
)
async def dashboard(
    dashboard_id: str,
    session: CurrentSession,
    found: PlatformDep,
    since: Annotated[date | None, Query(description="First day of the period (default: 90 days ago)")] = None,
    until: Annotated[date | None, Query(description="Last day of the period (default: today)")] = None,
    mode: Annotated[str | None, Query(description=MODE.label + ": " + ", ".join(MODE.choices[1:]))] = None,
    currency: Annotated[str | None, Query(description=CURRENCY.label, pattern=CURRENCY.pattern)] = None,
    procedure: Annotated[str | None, Query(description=PROCEDURE.label, pattern=PROCEDURE.pattern)] = None,
) -> dict[str, Any]:
    """Every panel of the dashboard for the session's company; a parameter the dashboard does not take is a 422."""
    tenant_id = require_permission(session, Action.COMPANY_READ)
    chosen = DASHBOARDS.get(dashboard_id)
    if chosen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such dashboard")
    given = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "mode": mode,
        "currency": currency,
        "procedure": procedure,
    }
    today = datetime.now(UTC).date()
    try:
        parameters = bind(chosen, given, today)
    except BadParameter as bad:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(bad)) from None

    def run() -> list[dict[str, Any]]:
        client = analytics_client(found.settings)
        try:
            database = analytics_database(found.settings)
            return [run_panel(client, database, tenant_id, panel, parameters) for panel in chosen.panels]
        finally:
            client.close()

    return {
        **listed(chosen, today),
        "values": {name: str(value) for name, value in parameters.items()},
        "panels": await asyncio.to_thread(run),
    }
