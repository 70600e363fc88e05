"""The tenant's tariff tables: CSV uploads that become commands of the customs-tariff domain, so they are in
Kafka and survive a replay like everything else; their contents and load history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import TypeAdapter

from api.deps import CurrentSession, PlatformDep, issued, require_permission, tenant_db
from api.outcomes import send_and_read
from api.routers.customs.read_models import read_tables
from sinks.postgres import customs_tariff_queries
from streams.company.permissions import Action
from streams.customs.classification import load_national_lines
from streams.customs.duty_tables import (
    TariffTableError,
    load_duty_rates,
    load_exchange_rates,
    load_excise_rates,
    load_fee_bands,
    load_preferences,
    load_vat_rates,
)
from streams.customs_tariff.commands import LoadTable
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.tables import LoadMode, TableKind, TableRows, aggregate_id

router = APIRouter(tags=["customs"])
MAX_UPLOAD_BYTES = 5_000_000

# How each uploadable table's CSV is read; the loaders raise TariffTableError naming line and column.
LOADERS: dict[TableKind, Callable[[str], tuple[Any, ...]]] = {
    TableKind.DUTY_RATES: load_duty_rates,
    TableKind.PREFERENCES: load_preferences,
    TableKind.EXCISE_RATES: load_excise_rates,
    TableKind.VAT_RATES: load_vat_rates,
    TableKind.FEE_SCALE: load_fee_bands,
    TableKind.EXCHANGE_RATES: load_exchange_rates,
    TableKind.NATIONAL_LINES: load_national_lines,
}


def uploadable(kind: TableKind) -> TableKind:
    if kind not in LOADERS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{kind} is not loaded by upload")
    return kind


@router.post("/api/customs/tariff/{kind}")
async def load_table(
    kind: TableKind,
    request: Request,
    session: CurrentSession,
    found: PlatformDep,
    mode: LoadMode = LoadMode.UPDATE,
    source: Annotated[str, Query(max_length=200)] = "",
) -> Any:
    """Load rows from a CSV body (columns per table: see `streams.customs.duty_tables`): replace or update the table."""
    tenant_id = require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    raw = await request.body()
    if len(raw) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_UPLOAD_BYTES} bytes per upload")
    try:
        rows = LOADERS[uploadable(kind)](raw.decode("utf-8"))
    except (TariffTableError, UnicodeDecodeError) as problem:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": ["body"], "msg": str(problem), "type": "csv"}]
        ) from None
    command = LoadTable(kind, TableRows.holding(kind, rows), mode, source)
    return await send_and_read(
        found, CUSTOMS_TARIFF, aggregate_id(tenant_id, kind), command, issued(session),
        lambda outcome: {"kind": kind, "mode": mode, "loaded": len(rows), "version": outcome.aggregate_version},
    )  # fmt: skip


@router.get("/api/customs/tariff")
async def tables_overview(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        tables, loads = await customs_tariff_queries.tables_overview(conn)
    return {"tables": tables, "loads": loads}


@router.get("/api/customs/tariff/{kind}")
async def table_rows(kind: TableKind, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    table = (await read_tables(found, session, (kind,))).get(kind)
    if table is None:
        return {"kind": kind, "rows": [], "loads": 0}
    rows = TypeAdapter(tuple[Any, ...]).dump_python(table.rows.of(kind), mode="json")
    return {"kind": kind, "rows": rows, "loads": table.loads, "updated_at": table.updated_at}
