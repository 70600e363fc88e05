"""A declaration's payments and its XML document, computed on read.

Payments come from the declaration's current read model and the tenant's tariff tables in force on the
declaration date, so every change is reflected at once and a tariff update applies to every declaration
still being prepared.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import TypeAdapter

from api.deps import CurrentSession, PlatformDep, Session, require_permission
from api.platform import Platform
from api.routers.customs.read_models import field_errors, read_declaration, read_tables, today
from streams.company.permissions import Action
from streams.customs.calculation import CalculationError, PaymentCalculation, calculate_payments
from streams.customs.codes import PAYMENT_TYPE_BY_CODE
from streams.customs.declaration import Declaration
from streams.customs.esad_xml import export_declaration
from streams.customs_tariff.tables import tariff_tables

router = APIRouter(tags=["customs"])
CALCULATION = TypeAdapter(PaymentCalculation)


def calculation_json(calculation: PaymentCalculation) -> dict[str, Any]:
    body: dict[str, Any] = CALCULATION.dump_python(calculation, mode="json")
    names = {code: PAYMENT_TYPE_BY_CODE[code].name for code in calculation.totals if code in PAYMENT_TYPE_BY_CODE}
    return {
        **body,
        "grand_total": str(calculation.grand_total),
        "payment_types": names,
        "rounding": "each item's customs value and each payment per item to kopecks, half up; totals are sums",
    }


async def declaration_and_calculation(
    found: Platform, session: Session, declaration_id: str
) -> tuple[Declaration, dict[str, Any], date, PaymentCalculation | CalculationError]:
    """The declaration and its payments on its declaration date (today while none is set)."""
    require_permission(session, Action.CUSTOMS_READ)
    declaration, meta = await read_declaration(found, session, declaration_id)
    tables = tariff_tables(await read_tables(found, session))
    on = declaration.assessment_date(today())
    try:
        return declaration, meta, on, calculate_payments(declaration, tables, on)
    except CalculationError as gaps:
        return declaration, meta, on, gaps


@router.get("/api/declarations/{declaration_id}/calculation")
async def calculation(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Customs value and payments per item and in total, each amount with its formula, inputs and sources."""
    _, _, _, result = await declaration_and_calculation(found, session, declaration_id)
    if isinstance(result, CalculationError):
        return field_errors(result.problems)
    return calculation_json(result)


@router.get("/api/declarations/{declaration_id}/xml", response_class=Response)
async def xml(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Response:
    """The ESADout_CU 5.23.0 document; 422 with the field errors while the declaration has gaps."""
    declaration, meta, on, result = await declaration_and_calculation(found, session, declaration_id)
    calculated = None if isinstance(result, CalculationError) else result
    exported = await asyncio.to_thread(
        export_declaration, declaration, document_id=declaration_id, created_at=meta["updated_at"], on=on,
        calculation=calculated,
    )  # fmt: skip
    gaps = (*exported.errors, *(result.problems if isinstance(result, CalculationError) else ()))
    if gaps or exported.xml is None:
        return field_errors(gaps)
    return Response(
        exported.xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="ESADout_CU-{declaration_id}.xml"'},
    )
