"""Projection of customs-gateway credentials: who may act as the customs authority, for whom, and until when.

The table holds key hashes only. It belongs to no tenant and the API's role must not list it, so it
has row-level security with no policy: only its owner (the sink) reads it. The API finds the
credential behind a presented key through `customs_gateway_of_key`, a narrow SECURITY DEFINER
lookup that answers only for a key that is neither revoked nor expired.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from streams.customs_gateway.events import GatewayCredentialIssued, GatewayCredentialRevoked
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS customs_gateway_credentials (
        id text PRIMARY KEY,
        name text NOT NULL,
        tenant_ids text[] NOT NULL,
        scopes text[] NOT NULL,
        key_hash text NOT NULL UNIQUE,
        issued_at timestamptz NOT NULL,
        issued_by text,
        expires_at timestamptz,
        revoked_at timestamptz,
        revoked_by text,
        revocation_reason text,
        version bigint NOT NULL
    )""",
    # The tenancy migration grants the API's role SELECT on every table; without a policy it still sees no row.
    "ALTER TABLE customs_gateway_credentials ENABLE ROW LEVEL SECURITY",
    """CREATE OR REPLACE FUNCTION customs_gateway_of_key(hash text)
       RETURNS TABLE (credential_id text, name text, tenant_ids text[], scopes text[])
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
       $$ SELECT c.id, c.name, c.tenant_ids, c.scopes FROM customs_gateway_credentials c
          WHERE c.key_hash = hash AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) $$""",
)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    credential_id, version, actor = envelope.aggregate_id, envelope.aggregate_version, envelope.actor_id
    match event:
        case GatewayCredentialIssued():
            await cur.execute(
                """INSERT INTO customs_gateway_credentials (id, name, tenant_ids, scopes, key_hash, issued_at,
                       issued_by, expires_at, version)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING""",
                (credential_id, event.name, list(event.tenant_ids), [str(s) for s in event.scopes], event.key_hash,
                 event.issued_at, actor, event.expires_at, version),
            )  # fmt: skip
        case GatewayCredentialRevoked():
            await cur.execute(
                """UPDATE customs_gateway_credentials SET revoked_at = %s, revoked_by = %s, revocation_reason = %s,
                       version = %s WHERE id = %s""",
                (event.revoked_at, actor, event.reason, version, credential_id),
            )


CUSTOMS_GATEWAY_PROJECTION = Projection(
    domain="customs_gateway",
    ddl=DDL,
    tables=("customs_gateway_credentials",),
    apply=apply,
)
