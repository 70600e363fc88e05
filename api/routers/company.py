"""Companies (tenants) over HTTP: /api/companies, participants, invitations, switching company.

Every route under /api/companies/{id} serves only the caller's active company (the token's
tenant); any other id answers 404, whether or not it exists, so existence is not revealed.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import Field

from api.auth import deliver_tokens, issue_tokens, token_hash
from api.command_bus import Issued
from api.deps import (
    CurrentSession,
    PlatformDep,
    Session,
    Strict,
    issued,
    require_permission,
    tenant_db,
)
from api.idempotency import created_id
from api.outcomes import CommandsOn, invalid_field, no_content, send_and_read
from api.platform import Platform
from sinks.postgres import company_queries, user_account_queries
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
from wellwon.envelope import CommandOutcome, now

router = APIRouter(tags=["companies"])
INVITATION_TTL = timedelta(days=7)
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such company")
COMPANY_NAMESPACE = uuid.UUID("0d7c2a4e-8f3b-4b8e-a1f5-6b2c9d3e7f10")


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


class CompanyPatchIn(Strict):
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


async def company_json(found: Platform, session: Session, company_id: str) -> dict[str, Any]:
    scoped = Session(session.account_id, session.session_id, session.email, session.claims, company_id, session.role)
    async with tenant_db(found, scoped) as conn:
        found_company = await company_queries.company(conn, company_id)
    if found_company is None:
        raise NOT_FOUND
    return found_company


# Each route checks the company is the caller's own and the permission first (`own_company`).
COMPANIES = CommandsOn(COMPANY, company_json)


@router.post("/api/companies", status_code=status.HTTP_201_CREATED)
async def create_company(body: CompanyIn, session: CurrentSession, found: PlatformDep) -> Any:
    details = checked(details_from(body))
    company_id = created_id(COMPANY_NAMESPACE)
    founder = Issued(actor_id=session.account_id, tenant_id=company_id, claims=((ROLE_CLAIM, Role.OWNER),))
    return await send_and_read(
        found, COMPANY, company_id, CreateCompany(details=details), founder,
        lambda _: company_json(found, session, company_id),
    )  # fmt: skip


@router.get("/api/companies")
async def my_companies(session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    async with found.pool.connection() as conn:
        companies = await company_queries.companies_of_user(conn, session.account_id)
    return [{**company, "active": company["id"] == session.tenant_id} for company in companies]


@router.get("/api/companies/{company_id}")
async def get_company(company_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    own_company(session, company_id, Action.COMPANY_READ)
    return await company_json(found, session, company_id)


@router.patch("/api/companies/{company_id}")
async def update_company(
    company_id: str,
    body: CompanyPatchIn,
    session: CurrentSession,
    found: PlatformDep,
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
    return await COMPANIES.send(found, session, company_id, command)


@router.post("/api/companies/{company_id}/archive")
async def archive_company(company_id: str, body: ArchiveIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_ARCHIVE)
    return await COMPANIES.send(found, session, company_id, ArchiveCompany(body.reason))


@router.post("/api/companies/{company_id}/unarchive")
async def unarchive_company(company_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_ARCHIVE)
    return await COMPANIES.send(found, session, company_id, UnarchiveCompany())


@router.post("/api/companies/{company_id}/switch")
async def switch_company(company_id: str, request: Request, session: CurrentSession, found: PlatformDep) -> Any:
    """New tokens naming this company as the active tenant (same session)."""
    async with found.pool.connection() as conn:
        role = await company_queries.role_in_company(conn, company_id, session.account_id)
    if role is None:
        raise NOT_FOUND
    tokens = issue_tokens(found.settings.jwt_secret, session.account_id, session.session_id, company_id)
    return deliver_tokens(request, tokens)


@router.get("/api/companies/{company_id}/participants")
async def participants(company_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_READ)
    async with tenant_db(found, session) as conn:
        return await company_queries.participants(conn)


@router.post("/api/companies/{company_id}/participants", status_code=status.HTTP_201_CREATED)
async def add_participant(company_id: str, body: ParticipantIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    user_id = account_id_for_email(body.email)
    async with found.pool.connection() as conn:
        known = await user_account_queries.is_active_account(conn, user_id)
    if not known:
        raise invalid_field(["email"], "no registered user has this email: invite them")
    return await send_and_read(
        found, COMPANY, company_id, AddParticipant(user_id, body.role), issued(session),
        lambda _: {"user_id": user_id, "role": body.role},
    )  # fmt: skip


@router.patch("/api/companies/{company_id}/participants/{user_id}")
async def change_role(company_id: str, user_id: str, body: RoleIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    return await send_and_read(
        found, COMPANY, company_id, ChangeParticipantRole(user_id, body.role), issued(session),
        lambda _: {"user_id": user_id, "role": body.role},
    )  # fmt: skip


@router.delete("/api/companies/{company_id}/participants/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_participant(company_id: str, user_id: str, session: CurrentSession, found: PlatformDep) -> Response:
    own_company(session, company_id, Action.COMPANY_PARTICIPANTS_MANAGE)
    return await send_and_read(found, COMPANY, company_id, RemoveParticipant(user_id), issued(session), no_content)


@router.get("/api/companies/{company_id}/invitations")
async def invitations(company_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    async with tenant_db(found, session) as conn:
        return await company_queries.invitations(conn)


@router.post("/api/companies/{company_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite(company_id: str, body: InvitationIn, session: CurrentSession, found: PlatformDep) -> Any:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    invitation_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(32)
    email, expires_at = normalize_email(body.email), now() + INVITATION_TTL
    command = InviteParticipant(invitation_id, email, body.role, token_hash(secret), expires_at)

    async def mail(_: CommandOutcome) -> None:
        await found.mailer.send(
            email,
            "You are invited to a company on WellWon",
            f"Accept with this token (valid until {expires_at:%Y-%m-%d}): {secret}",
            {"invitation": secret},
        )

    return await send_and_read(
        found, COMPANY, company_id, command, issued(session),
        lambda _: {"id": invitation_id, "email": email, "role": body.role, "expires_at": expires_at},
        on_accepted=mail,
    )  # fmt: skip


@router.delete("/api/companies/{company_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(
    company_id: str, invitation_id: str, session: CurrentSession, found: PlatformDep
) -> Response:
    own_company(session, company_id, Action.COMPANY_INVITATIONS_MANAGE)
    return await send_and_read(found, COMPANY, company_id, RevokeInvitation(invitation_id), issued(session), no_content)


@router.post("/api/invitations/accept")
async def accept_invitation(body: TokenIn, request: Request, session: CurrentSession, found: PlatformDep) -> Any:
    """Join the company that invited the caller's email; answers tokens naming that company."""
    hashed = token_hash(body.token)
    async with found.pool.connection() as conn:
        company_id = await company_queries.company_of_invitation(conn, hashed)
    if company_id is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, {"reason": "invitation token is invalid", "field": "token"})
    command = AcceptInvitation(token_hash=hashed, email=session.email)
    answer = await send_and_read(
        found, COMPANY, company_id, command, Issued(session.account_id, company_id),
        lambda _: {
            "company_id": company_id,
            **issue_tokens(found.settings.jwt_secret, session.account_id, session.session_id, company_id),
        },
    )  # fmt: skip
    return deliver_tokens(request, answer) if isinstance(answer, dict) else answer
