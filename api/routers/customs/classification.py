"""Classification: HS subheadings and the tenant's national lines ranked for a goods description; an operator's
confirmed choice is a command too and lifts that code for similar descriptions later."""

from __future__ import annotations

import asyncio
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field

from api.deps import CurrentSession, PlatformDep, Strict, issued, require_permission
from api.outcomes import invalid_field, send_and_read
from api.routers.customs.read_models import read_tables, today
from streams.company.permissions import Action
from streams.customs.classification import Classifier, NationalLine, default_classifier
from streams.customs_tariff.commands import ConfirmClassification
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.tables import TableKind, aggregate_id, tenant_feedback

router = APIRouter(tags=["customs"])


class ConfirmationIn(Strict):
    description: str = Field(min_length=1, max_length=1000)
    code: str = Field(pattern=r"^\d{6}(\d{4})?$", description="the chosen 6- or 10-digit code")


@lru_cache(maxsize=32)
def classifier_with(national: tuple[NationalLine, ...], on: date) -> Classifier:
    """The nomenclature with a tenant's national lines in force on `on`; cached per table content and day."""
    return default_classifier().with_national_lines(national, on) if national else default_classifier()


@router.get("/api/customs/classify")
async def classify(
    session: CurrentSession,
    found: PlatformDep,
    q: Annotated[str, Query(min_length=2, max_length=1000, description="the goods description")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[dict[str, Any]]:
    """Codes for a goods description, best first: [{code, description, score, reason}]."""
    require_permission(session, Action.CUSTOMS_READ)
    tables = await read_tables(found, session, (TableKind.NATIONAL_LINES, TableKind.CLASSIFICATIONS))
    national = tables.get(TableKind.NATIONAL_LINES)
    lines = national.rows.national_lines if national is not None else ()
    chosen = await asyncio.to_thread(classifier_with, lines, today())
    feedback = tenant_feedback(tables.get(TableKind.CLASSIFICATIONS))
    suggestions = await asyncio.to_thread(chosen.suggest, q, feedback, limit)
    return [suggestion.as_json() for suggestion in suggestions]


@router.post("/api/customs/classify/confirm", status_code=status.HTTP_201_CREATED)
async def confirm_classification(body: ConfirmationIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Record an operator's confirmed code for a description; the tenant's later suggestions learn from it."""
    tenant_id = require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    if body.code[:6] not in default_classifier().entries:
        raise invalid_field(["code"], f"{body.code[:6]} is not an HS subheading")
    command = ConfirmClassification(body.description, body.code)
    table_id = aggregate_id(tenant_id, TableKind.CLASSIFICATIONS)
    return await send_and_read(
        found, CUSTOMS_TARIFF, table_id, command, issued(session),
        lambda _: {"description": body.description, "code": body.code},
    )  # fmt: skip
