"""Projection of shipment events into the operational read model (tables declared below)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from wellwon.envelope import Envelope

DDL: tuple[str, ...] = ()


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    return None


SHIPMENT_PROJECTION = Projection(domain="shipment", ddl=DDL, tables=(), apply=apply, tenant_tables=())
