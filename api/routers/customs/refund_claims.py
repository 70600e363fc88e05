"""Refund claims: the customs payments the duty reconciliation found paid over what the authority assessed."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentSession, PlatformDep, require_permission, tenant_db
from sinks.postgres import customs_queries
from streams.company.permissions import Action
from streams.customs.codes import PAYMENT_TYPE_BY_CODE

router = APIRouter(tags=["customs"])


class RefundClaim(BaseModel):
    declaration_id: str
    reference: str
    registration_number: str | None
    payment_code: str = Field(description="payment type, e.g. 2010 import duty")
    payment_type: str = Field(description="the payment type's name")
    amount: Decimal = Field(description="roubles to reclaim: paid less assessed")
    assessed: Decimal
    paid: Decimal
    reconciled_on: str = Field(description="the day reconciled (ISO date)")
    explanation: str


class RefundClaims(BaseModel):
    claims: list[RefundClaim]
    total: Decimal = Field(description="roubles to reclaim across the claims")


@router.get("/api/customs/refund-claims", response_model=RefundClaims)
async def refund_claims(session: CurrentSession, found: PlatformDep) -> RefundClaims:
    """The company's overpaid customs payments, one claim per declaration and payment type (newest first)."""
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        rows = await customs_queries.refund_claims(conn)
    claims = [
        RefundClaim(
            **{k: v for k, v in row.items() if k != "recorded_at"},
            payment_type=PAYMENT_TYPE_BY_CODE[row["payment_code"]].name
            if row["payment_code"] in PAYMENT_TYPE_BY_CODE
            else row["payment_code"],
        )
        for row in rows
    ]
    return RefundClaims(claims=claims, total=sum((c.amount for c in claims), Decimal(0)))
