"""Projection of company events: companies (tenants), their participants and invitations."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from streams.company.events import (
    CompanyArchived,
    CompanyCreated,
    CompanyDetailsUpdated,
    CompanyUnarchived,
    InvitationAccepted,
    InvitationRevoked,
    ParticipantAdded,
    ParticipantInvited,
    ParticipantRemoved,
    ParticipantRoleChanged,
)
from wellwon.envelope import Envelope
from wellwon.schemas import to_avro

DDL = (
    """CREATE TABLE IF NOT EXISTS companies (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        legal_name text NOT NULL,
        short_name text NOT NULL,
        country text NOT NULL,
        inn text,
        kpp text,
        ogrn text,
        vat_number text,
        registration_number text,
        details jsonb NOT NULL,
        status text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS company_participants (
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        role text NOT NULL,
        joined_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS company_participants_user ON company_participants (user_id)",
    """CREATE TABLE IF NOT EXISTS company_invitations (
        invitation_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        email text NOT NULL,
        role text NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        invited_by text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        decided_at timestamptz
    )""",
    "CREATE INDEX IF NOT EXISTS company_invitations_token ON company_invitations (token_hash)",
)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    company_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    match event:
        case CompanyCreated(details=details, created_by=created_by):
            await cur.execute(
                """INSERT INTO companies (id, tenant_id, legal_name, short_name, country, inn, kpp, ogrn, vat_number,
                       registration_number, details, status, created_by, created_at, updated_at, version)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'active', %s, %s, %s, %s)""",
                (company_id, company_id, details.legal_name, details.short_name, details.country, details.inn,
                 details.kpp, details.ogrn, details.vat_number, details.registration_number,
                 orjson.dumps(to_avro(details)).decode(), created_by, at, at, version),
            )  # fmt: skip
        case CompanyDetailsUpdated(details=details):
            await cur.execute(
                """UPDATE companies SET legal_name = %s, short_name = %s, country = %s, inn = %s, kpp = %s, ogrn = %s,
                       vat_number = %s, registration_number = %s, details = %s WHERE id = %s""",
                (details.legal_name, details.short_name, details.country, details.inn, details.kpp, details.ogrn,
                 details.vat_number, details.registration_number, orjson.dumps(to_avro(details)).decode(), company_id),
            )  # fmt: skip
        case CompanyArchived():
            await cur.execute("UPDATE companies SET status = 'archived' WHERE id = %s", (company_id,))
        case CompanyUnarchived():
            await cur.execute("UPDATE companies SET status = 'active' WHERE id = %s", (company_id,))
        case ParticipantAdded(user_id=user_id, role=role):
            await cur.execute(
                """INSERT INTO company_participants (tenant_id, user_id, role, joined_at) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role""",
                (company_id, user_id, str(role), at),
            )
        case ParticipantRemoved(user_id=user_id):
            await cur.execute(
                "DELETE FROM company_participants WHERE tenant_id = %s AND user_id = %s", (company_id, user_id)
            )
        case ParticipantRoleChanged(user_id=user_id, role=role):
            await cur.execute(
                "UPDATE company_participants SET role = %s WHERE tenant_id = %s AND user_id = %s",
                (str(role), company_id, user_id),
            )
        case ParticipantInvited():
            await cur.execute(
                """INSERT INTO company_invitations (invitation_id, tenant_id, email, role, token_hash, expires_at,
                       invited_by, status, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', %s)
                   ON CONFLICT (invitation_id) DO NOTHING""",
                (event.invitation_id, company_id, event.email, str(event.role), event.token_hash, event.expires_at,
                 event.invited_by, at),
            )  # fmt: skip
            if event.replaces_invitation_id:
                await cur.execute(
                    "UPDATE company_invitations SET status = 'superseded', decided_at = %s WHERE invitation_id = %s",
                    (at, event.replaces_invitation_id),
                )
        case InvitationAccepted(invitation_id=invitation_id):
            await cur.execute(
                "UPDATE company_invitations SET status = 'accepted', decided_at = %s WHERE invitation_id = %s",
                (at, invitation_id),
            )
        case InvitationRevoked(invitation_id=invitation_id):
            await cur.execute(
                "UPDATE company_invitations SET status = 'revoked', decided_at = %s WHERE invitation_id = %s",
                (at, invitation_id),
            )
    await cur.execute("UPDATE companies SET updated_at = %s, version = %s WHERE id = %s", (at, version, company_id))


COMPANY_PROJECTION = Projection(
    domain="company",
    ddl=DDL,
    tables=("companies", "company_participants", "company_invitations"),
    apply=apply,
    tenant_tables=("companies", "company_participants", "company_invitations"),
)
