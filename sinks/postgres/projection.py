"""What a domain gives the Postgres sink: its tables and how each event changes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncCursor

from wellwon.envelope import Envelope

ApplyEvent = Callable[[AsyncCursor[Any], Envelope, Any], Awaitable[None]]


@dataclass(frozen=True)
class Projection:
    domain: str
    ddl: tuple[str, ...]  # idempotent statements (CREATE ... IF NOT EXISTS)
    tables: tuple[str, ...]  # dropped and rebuilt by a replay
    apply: ApplyEvent
    # Tables with a `tenant_id` column: row-level security shows the API's role only the rows of
    # the tenant its request set (see sinks/postgres/tenancy.py).
    tenant_tables: tuple[str, ...] = ()
    # Writes the API's role may make beside reading (e.g. "UPDATE (read_at) ON notifications"), under RLS.
    api_grants: tuple[str, ...] = ()
