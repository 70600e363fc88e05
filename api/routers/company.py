"""Companies (tenants) over HTTP: /api/companies, participants, invitations, switching company.

Every route under /api/companies/{id} serves only the caller's active company (the token's
tenant); any other id answers 404, whether or not it exists, so existence is not revealed.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentSession, Session, issue_tokens, require_permission, tenant_db, token_hash
from api.command_bus import Issued
from api.outcomes import invalid_field, send_command
from api.platform import Platform, platform
from streams.company.commands import (
    AcceptInvitation,
    AddParticipant,
    ArchiveCompany,
    ChangeParticipantRole,
    CreateCompany,
    InviteParticipant,
    RemoveParticipant,
    RevokeInvitation,
    UnarchiveCompany,
    UpdateCompanyDetails,
)
from streams.company.details import Address, BankAccount, CompanyDetails, validate_details
from streams.company.domain import COMPANY
from streams.company.permissions import ROLE_CLAIM, Action, Role
from streams.decider import Rejection
from streams.user_account.decider import account_id_for_email, normalize_email
from wellwon.envelope import now

router = APIRouter(tags=["companies"])
PlatformDep = Annotated[Platform, Depends(platform)]
IdempotencyKey = Annotated[uuid.UUID | None, Header(description="Repeat a command safely: same key, same outcome")]
INVITATION_TTL = timedelta(days=7)
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such company")
COMPANY_NAMESPACE = uuid.UUID("0d7c2a4e-8f3b-4b8e-a1f5-6b2c9d3e7f10")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(Strict):
    country: str = Field(min_length=2, max_length=2)
    city: str = Field(min_length=1, max_length=100)
    street: str = Field(min_length=1, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    region: str | None = Field(None, max_length=100)
    building: str | None = Field(None, max_length=50)
    office: str | None = Field(None, max_length=50)


class BankAccountIn(Strict):
    bank_name: str = Field(min_length=1, max_length=200)
    bic: str | None = None
    correspondent_account: str | None = None
    settlement_account: str | None = None
    swift_code: str | None = None
    iban: str | None = None


class CompanyIn(Strict):
    legal_name: str = Field(min_length=1, max_length=300)
    name: str = Field(min_length=1, max_length=100, description="the short name")
    country: str = Field(min_length=2, max_length=2)
    legal_address: AddressIn
    postal_address: AddressIn | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    vat_number: str | None = None
    registration_number: str | None = None
    bank_accounts: list[BankAccountIn] = Field(default_factory=list, max_length=20)


class CompanyPatch(Strict):
    legal_name: str | None = Field(None, min_length=1, max_length=300)
    name: str | None = Field(None, min_length=1, max_length=100)
    country: str | None = Field(None, min_length=2, max_length=2)
    legal_address: AddressIn | None = None
    postal_address: AddressIn | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    vat_number: str | None = None
    registration_number: str | None = None
    bank_accounts: list[BankAccountIn] | None = None


class ArchiveIn(Strict):
    reason: str | None = Field(None, max_length=500)


class ParticipantIn(Strict):
    email: str = Field(max_length=254, description="the email of a registered user")
    role: Role


class RoleIn(Strict):
    role: Role


class InvitationIn(Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    role: Role


class TokenIn(Strict):
    token: str = Field(min_length=10, max_length=200)


def details_from(body: CompanyIn) -> CompanyDetails:
    def address(a: AddressIn | None) -> Address | None:
        return Address(**a.model_dump()) if a else None

    legal = address(body.legal_address)
    assert legal is not None
    return CompanyDetails(
        legal_name=body.legal_name,
        short_name=body.name,
        country=body.country.upper(),
        legal_address=legal,
        postal_address=address(body.postal_address),
        inn=body.inn,
        kpp=body.kpp,
        ogrn=body.ogrn,
        vat_number=body.vat_number,
        registration_number=body.registration_number,
        bank_accounts=tuple(BankAccount(**b.model_dump()) for b in body.bank_accounts),
    )


def checked(details: CompanyDetails) -> CompanyDetails:
    """The details validated where they enter: 422 naming the field at fault."""
    result = validate_details(details)
    if isinstance(result, Rejection):
        raise invalid_field((result.field or "").split("."), result.reason)
    return result


def own_company(session: Session, company_id: str, action: Action) -> str:
    if company_id != session.tenant_id:
        raise NOT_FOUND
    return require_permission(session, action)


def issued(session: Session, tenant_id: str | None = None) -> Issued:
    role = (("role", session.role),) if session.role else ()
    return Issued(actor_id=session.account_id, tenant_id=tenant_id or session.tenant_id, claims=role)


async def company_json(found: Platform, session: Session, company_id: str) -> dict[str, Any]:
    scoped = Session(session.account_id, session.session_id, session.email, session.claims, company_id, session.role)
    async with tenant_db(found, scoped) as conn:
        cursor = await conn.execute(
            """SELECT id, legal_name, short_name, country, inn, kpp, ogrn, vat_number, registration_number, details,
                      status, created_by, created_at, updated_at, version FROM companies WHERE id = %s""",
            (company_id,),
        )
        row = await cursor.fetchone()
        if row is None:
            raise NOT_FOUND
        found_row = dict(zip([c.name for c in cursor.description or []], row, strict=True))
    found_row["name"] = found_row.pop("short_name")
    for stamp in ("created_at", "updated_at"):
        found_row[stamp] = found_row[stamp].isoformat()
    return found_row


@router.post("/api/companies", status_code=status.HTTP_201_CREATED)
async def create_company(
    body: CompanyIn, session: CurrentSession, found: PlatformDep, idempotency_key: IdempotencyKey = None
) -> Any:
    details = checked(details_from(body))
    company_id = str(uuid.uuid5(COMPANY_NAMESPACE, str(idempotency_key))) if idempotency_key else str(uuid.uuid4())
    outcome = await send_command(
        found,
        COMPANY,
        company_id,
        CreateCompany(details=details),
        Issued(actor_id=session.account_id, tenant_id=company_id, claims=((ROLE_CLAIM, Role.OWNER),)),
        idempotency_key,
    )
    if isinstance(outcome, JSONResponse):
        return outcome
    return await company_json(found, session, company_id)


@router.get("/api/companies")
async def my_companies(session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    async with found.pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT company_id, role, legal_name, short_name, country, status FROM companies_of_user(%s)",
                (session.account_id,),
            )
        ).fetchall()
    return [
        {"id": r[0], "role": r[1], "legal_name": r[2], "name": r[3], "country": r[4], "status": r[5],
         "active": r[0] == session.tenant_id}
        for r in rows
    ]  # fmt: skip


@router.get("/api/companies/{company_id}")
async def get_company(company_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    own_company(session, company_id, Action.COMPANY_READ)
    return await company_json(found, session, company_id)


@router.patch("/api/companies/{company_id}")
async def update_company(
    company_id: str,
    body: CompanyPatch,
    session: CurrentSession,
    found: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    own_company(session, company_id, Action.COMPANY_UPDATE)
    current = await company_json(found, session, company_id)
    patch = body.model_dump(exclude_unset=True)
    if "name" in patch:
        patch["short_name"] = patch.pop("name")
    merged = {**current["details"], **patch}
    merged["name"] = merged.pop("short_name")
    details = CompanyIn.model_validate(merged)
    command = UpdateCompanyDetails(details=checked(details_from(details)))
    outcome = await send_command(found, COMPANY, company_id, command, issued(session), idempotency_key)
    if isinstance(outcome, JSONResponse):
        return outcome
    return await company_json(found, session, company_id)


@router.post("/api/companies/{company_id}/archive")
async def archive_company(company_id: str, body: ArchiveIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_ARCHIVE)
    outcome = await send_command(found, COMPANY, company_id, ArchiveCompany(body.reason), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else await company_json(found, session, company_id)


@router.post("/api/companies/{company_id}/unarchive")
async def unarchive_company(company_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_ARCHIVE)
    outcome = await send_command(found, COMPANY, company_id, UnarchiveCompany(), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else await company_json(found, session, company_id)


@router.post("/api/companies/{company_id}/switch")
async def switch_company(company_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, str]:
    """New tokens naming this company as the active tenant (same session)."""
    async with found.pool.connection() as conn:
        row = await (await conn.execute("SELECT role_in_company(%s, %s)", (company_id, session.account_id))).fetchone()
    if row is None or row[0] is None:
        raise NOT_FOUND
    return issue_tokens(found.settings.jwt_secret, session.account_id, session.session_id, company_id)


@router.get("/api/companies/{company_id}/participants")
async def participants(company_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_READ)
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                """SELECT p.user_id, p.role, p.joined_at, a.email, a.first_name, a.last_name
                   FROM company_participants p LEFT JOIN user_accounts a ON a.id::text = p.user_id
                   ORDER BY p.joined_at""",
            )
        ).fetchall()
    return [
        {"user_id": r[0], "role": r[1], "joined_at": r[2].isoformat(), "email": r[3], "first_name": r[4],
         "last_name": r[5]}
        for r in rows
    ]  # fmt: skip


@router.post("/api/companies/{company_id}/participants", status_code=status.HTTP_201_CREATED)
async def add_participant(company_id: str, body: ParticipantIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    user_id = account_id_for_email(body.email)
    async with found.pool.connection() as conn:
        known = await (
            await conn.execute("SELECT 1 FROM user_accounts WHERE id = %s AND status = 'active'", (user_id,))
        ).fetchone()
    if known is None:
        raise invalid_field(["email"], "no registered user has this email: invite them")
    outcome = await send_command(found, COMPANY, company_id, AddParticipant(user_id, body.role), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else {"user_id": user_id, "role": body.role}


@router.patch("/api/companies/{company_id}/participants/{user_id}")
async def change_role(company_id: str, user_id: str, body: RoleIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    outcome = await send_command(found, COMPANY, company_id, ChangeParticipantRole(user_id, body.role), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else {"user_id": user_id, "role": body.role}


@router.delete("/api/companies/{company_id}/participants/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_participant(company_id: str, user_id: str, session: CurrentSession, found: PlatformDep) -> Response:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    outcome = await send_command(found, COMPANY, company_id, RemoveParticipant(user_id), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/companies/{company_id}/invitations")
async def invitations(company_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                """SELECT invitation_id, email, role, status, expires_at, invited_by, created_at
                   FROM company_invitations ORDER BY created_at DESC"""
            )
        ).fetchall()
    return [
        {"id": r[0], "email": r[1], "role": r[2], "status": r[3], "expires_at": r[4].isoformat(), "invited_by": r[5],
         "created_at": r[6].isoformat()}
        for r in rows
    ]  # fmt: skip


@router.post("/api/companies/{company_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite(company_id: str, body: InvitationIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    invitation_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(32)
    expires_at = now() + INVITATION_TTL
    command = InviteParticipant(invitation_id, normalize_email(body.email), body.role, token_hash(secret), expires_at)
    outcome = await send_command(found, COMPANY, company_id, command, issued(session))
    if isinstance(outcome, JSONResponse):
        return outcome
    await found.mailer.send(
        normalize_email(body.email),
        "You are invited to a company on WellWon",
        f"Accept with this token (valid until {expires_at:%Y-%m-%d}): {secret}",
        {"invitation": secret},
    )
    return {"id": invitation_id, "email": normalize_email(body.email), "role": body.role, "expires_at": expires_at}


@router.delete("/api/companies/{company_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(
    company_id: str, invitation_id: str, session: CurrentSession, found: PlatformDep
) -> Response:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    outcome = await send_command(found, COMPANY, company_id, RevokeInvitation(invitation_id), issued(session))
    return outcome if isinstance(outcome, JSONResponse) else Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/invitations/accept")
async def accept_invitation(body: TokenIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Join the company that invited the caller's email; answers tokens naming that company."""
    hashed = token_hash(body.token)
    async with found.pool.connection() as conn:
        row = await (await conn.execute("SELECT company_of_invitation(%s)", (hashed,))).fetchone()
    if row is None or row[0] is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, {"reason": "invitation token is invalid", "field": "token"})
    company_id = str(row[0])
    command = AcceptInvitation(token_hash=hashed, email=session.email)
    outcome = await send_command(found, COMPANY, company_id, command, Issued(session.account_id, company_id))
    if isinstance(outcome, JSONResponse):
        return outcome
    return {
        "company_id": company_id,
        **issue_tokens(found.settings.jwt_secret, session.account_id, session.session_id, company_id),
    }
