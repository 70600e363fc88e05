"""Analytics dashboards over HTTP: the active company's figures from ClickHouse."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.deps import CurrentSession, PlatformDep, require_permission
from dashboards.definitions import DASHBOARDS
from dashboards.query import run_panel
from sinks.clickhouse import analytics_client, analytics_database
from streams.company.permissions import Action

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


@router.get("/dashboards")
async def dashboards(session: CurrentSession) -> list[dict[str, Any]]:
    require_permission(session, Action.COMPANY_READ)
    return [
        {"id": d.id, "title": d.title, "panels": [{"id": p.id, "title": p.title, "chart": p.chart} for p in d.panels]}
        for d in DASHBOARDS.values()
    ]


@router.get("/dashboards/{dashboard_id}")
async def dashboard(dashboard_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    tenant_id = require_permission(session, Action.COMPANY_READ)
    chosen = DASHBOARDS.get(dashboard_id)
    if chosen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such dashboard")

    def run() -> list[dict[str, Any]]:
        client = analytics_client(found.settings)
        try:
            database = analytics_database(found.settings)
            return [run_panel(client, database, tenant_id, panel) for panel in chosen.panels]
        finally:
            client.close()

    return {"id": chosen.id, "title": chosen.title, "panels": await asyncio.to_thread(run)}
