"""A declaration's lifecycle: validated and submitted by the company, corrected, and decided by customs.

Register, release and reject are the customs authority's decisions: they take the gateway's credential
(a credential's `X-Gateway-Key`, api/gateway.py), never a user's token.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, status
from pydantic import Field

from api.command_bus import Issued
from api.deps import CurrentSession, PlatformDep, Session, Strict
from api.gateway import GatewayMayRegister, GatewayMayReject, GatewayMayRelease
from api.outcomes import send_and_read
from api.platform import Platform
from api.routers.customs.declarations import DECLARATIONS
from api.routers.customs.read_models import declaration_json
from streams.company.permissions import ROLE_CLAIM, Action
from streams.customs.commands import (
    ApplyCorrection,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RequestCorrection,
    RetryDutyPayment,
    SubmitDeclaration,
    ValidateDeclaration,
)
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE
from streams.customs.declaration import GoodsItem, SupportingDocument
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.reconciliation import AssessedPayment

router = APIRouter(tags=["customs"])


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class CorrectionIn(ReasonIn):
    correction_id: str | None = Field(None, min_length=1, max_length=100)


class CorrectionValuesIn(ReasonIn):
    items: list[GoodsItem] = Field(default_factory=list, max_length=999)
    documents: list[SupportingDocument] = Field(default_factory=list, max_length=200)


class RegistrationIn(Strict):
    registration_number: str = Field(max_length=30, description="OOOOOOOO/DDMMYY/NNNNNNN")
    registered_on: date
    payments_due: Decimal | None = Field(
        None,
        description="Roubles the authority assessed; when stated, the tenant's ledger pays them and the goods are"
        " released only once paid",
    )


@router.post("/api/declarations/{declaration_id}/validate")
async def validate(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Validated, or back in draft with every field error listed in `validation_errors`."""
    command = ValidateDeclaration()
    return await DECLARATIONS.send(found, session, declaration_id, command)


@router.post("/api/declarations/{declaration_id}/submit")
async def submit(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = SubmitDeclaration()
    return await DECLARATIONS.send(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


@router.post("/api/declarations/{declaration_id}/duty/retry")
async def retry_duty_payment(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Pay the assessed payments again, after the ledger refused them (e.g. once the account is topped up)."""
    command = RetryDutyPayment()
    return await DECLARATIONS.send(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


@router.post("/api/declarations/{declaration_id}/corrections", status_code=status.HTTP_201_CREATED)
async def request_correction(
    declaration_id: str, body: CorrectionIn, session: CurrentSession, found: PlatformDep
) -> Any:
    command = RequestCorrection(body.correction_id or str(uuid.uuid4()), body.reason)
    return await DECLARATIONS.send(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


@router.post("/api/declarations/{declaration_id}/corrections/{correction_id}/apply")
async def apply_correction(
    declaration_id: str, correction_id: str, body: CorrectionValuesIn, session: CurrentSession, found: PlatformDep
) -> Any:
    command = ApplyCorrection(correction_id, body.reason, tuple(body.items), tuple(body.documents))
    return await DECLARATIONS.send(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


# The customs authority's decisions ----------------------------------------------------------------------


async def authority_command(found: Platform, gateway: Session, declaration_id: str, command: Any) -> Any:
    authority = Issued(gateway.account_id, gateway.tenant_id, ((ROLE_CLAIM, CUSTOMS_AUTHORITY_ROLE),))
    return await send_and_read(
        found, CUSTOMS_DECLARATION, declaration_id, command, authority,
        lambda _: declaration_json(found, gateway, declaration_id),
    )  # fmt: skip


class AssessedPaymentIn(Strict):
    payment_code: str = Field(min_length=4, max_length=4, description="payment type, e.g. 2010 import duty")
    amount: Decimal = Field(description="roubles the authority assessed for this payment type")
    rate: str = Field("", max_length=200, description="the rate(s) applied, as the tariff states them")
    exchange_rate_date: date | None = Field(None, description="the date of the official exchange rate applied")


class ReleaseIn(Strict):
    assessed: list[AssessedPaymentIn] = Field(
        default_factory=list, max_length=20, description="the payments the authority assessed, per payment type"
    )


@router.post("/api/declarations/{declaration_id}/register")
async def register(declaration_id: str, body: RegistrationIn, gateway: GatewayMayRegister, found: PlatformDep) -> Any:
    command = RegisterDeclaration(body.registration_number, body.registered_on, body.payments_due)
    return await authority_command(found, gateway, declaration_id, command)


@router.post("/api/declarations/{declaration_id}/release")
async def release(
    declaration_id: str, gateway: GatewayMayRelease, found: PlatformDep, body: ReleaseIn | None = None
) -> Any:
    """The goods are released; the body may state the payments assessed per type (the reconciliation reads them)."""
    assessed = tuple(AssessedPayment(**a.model_dump()) for a in body.assessed) if body else ()
    return await authority_command(found, gateway, declaration_id, ReleaseDeclaration(assessed))


@router.post("/api/declarations/{declaration_id}/reject")
async def reject(declaration_id: str, body: ReasonIn, gateway: GatewayMayReject, found: PlatformDep) -> Any:
    return await authority_command(found, gateway, declaration_id, RejectDeclaration(body.reason))
