"""What the customs routers read: a declaration (404 unless the tenant's), the tenant's tariff tables, today."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from api.deps import Session, tenant_db
from api.platform import Platform
from sinks.postgres import customs_queries, customs_tariff_queries
from streams.customs.declaration import Declaration, FieldError
from streams.customs_tariff.tables import TableKind, TariffTable
from wellwon.envelope import now

NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such declaration")
DECLARATION = TypeAdapter(Declaration)
TABLE = TypeAdapter(TariffTable)


def today() -> date:
    return now().date()


async def read_declaration(
    found: Platform, session: Session, declaration_id: str
) -> tuple[Declaration, dict[str, Any]]:
    """The declaration's state and its row's bookkeeping (version, updated_at); 404 when not the tenant's."""
    async with tenant_db(found, session) as conn:
        row = await customs_queries.declaration(conn, declaration_id)
    if row is None:
        raise NOT_FOUND
    return DECLARATION.validate_python(row.pop("state")), row


async def declaration_json(found: Platform, session: Session, declaration_id: str) -> dict[str, Any]:
    declaration, meta = await read_declaration(found, session, declaration_id)
    body: dict[str, Any] = DECLARATION.dump_python(declaration, mode="json")
    return {"id": declaration_id, **body, "version": meta["version"], "updated_at": meta["updated_at"].isoformat()}


async def read_tables(
    found: Platform, session: Session, kinds: tuple[TableKind, ...] = tuple(TableKind)
) -> dict[TableKind, TariffTable]:
    async with tenant_db(found, session) as conn:
        states = await customs_tariff_queries.table_states(conn, kinds)
    tables = [TABLE.validate_python(state) for state in states]
    return {table.kind: table for table in tables if table.kind is not None}


def field_errors(errors: tuple[FieldError, ...]) -> JSONResponse:
    """422 listing each problem by the declaration field it concerns (e.g. `items[2].commodity_code`)."""
    detail = [{"loc": ["declaration", error.path], "field": error.path, "msg": error.message} for error in errors]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
