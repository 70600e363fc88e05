"""The customs authority's gateway: its credential, presented as `X-Gateway-Key`, admits register/release/reject.

A key is `<credential id>.<secret>`, issued by a platform operator (`wellwon gateways issue`) for named
tenants and scopes; Postgres keeps its SHA-256 only. For each request the key must be known, not
revoked and not expired (else 401); the declaration must belong to one of the credential's tenants
(else 404, exactly as for a declaration that does not exist); and the route's action must be one of
its scopes (else 403). The caller then acts as the customs authority in the declaration's tenant,
with the credential id as the actor, so the audit trail names the credential behind each decision.
A user's token, however privileged, is no gateway key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Security, status
from fastapi.security import APIKeyHeader

from api.auth import Session
from api.platform import Platform, platform
from sinks.postgres.tenancy import TENANT_SETTING
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE
from streams.customs_gateway.events import GatewayScope
from wellwon.api_keys import key_hash

GATEWAY_KEY = APIKeyHeader(
    name="X-Gateway-Key",
    scheme_name="CustomsGatewayKey",
    description="the customs authority gateway's key, `<credential id>.<secret>` (issued by a platform operator)",
    auto_error=False,  # a missing key is answered by the dependency, as 401 with the reason
)
INVALID_KEY = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    "the X-Gateway-Key header is missing, unknown, revoked or expired",
    {"WWW-Authenticate": "ApiKey"},
)
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such declaration")


@dataclass(frozen=True)
class ActiveCredential:
    credential_id: str
    name: str
    tenant_ids: tuple[str, ...]
    scopes: frozenset[GatewayScope]


async def credential_of_key(found: Platform, key: str | None) -> ActiveCredential:
    """The credential the key belongs to if it is neither revoked nor expired, or 401."""
    credential_id, dot, secret = (key or "").partition(".")
    if key is None or not (dot and credential_id and secret):
        raise INVALID_KEY
    async with found.pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT credential_id, name, tenant_ids, scopes FROM customs_gateway_of_key(%s)", (key_hash(key),)
            )
        ).fetchone()
    if row is None or row[0] != credential_id:
        raise INVALID_KEY
    return ActiveCredential(row[0], row[1], tuple(row[2]), frozenset(GatewayScope(s) for s in row[3]))


async def tenant_of_declaration(found: Platform, credential: ActiveCredential, declaration_id: str) -> str | None:
    """Which of the credential's tenants has the declaration: each is asked under its own row-level security."""
    async with found.pool.connection() as conn, conn.transaction():
        for tenant_id in credential.tenant_ids:
            await conn.execute("SELECT set_config(%s, %s, true)", (TENANT_SETTING, tenant_id))
            found_row = await (
                await conn.execute("SELECT 1 FROM customs_declarations WHERE id = %s", (declaration_id,))
            ).fetchone()
            if found_row is not None:
                return tenant_id
    return None


class CustomsGateway:
    """The dependency for a route the authority's gateway calls with the given scope: the authority's session."""

    def __init__(self, scope: GatewayScope):
        self.scope = scope

    async def __call__(
        self,
        declaration_id: str,
        found: Annotated[Platform, Depends(platform)],
        key: Annotated[str | None, Security(GATEWAY_KEY)] = None,
    ) -> Session:
        credential = await credential_of_key(found, key)
        if self.scope not in credential.scopes:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"credential {credential.credential_id} may not {self.scope} declarations"
            )
        tenant_id = await tenant_of_declaration(found, credential, declaration_id)
        if tenant_id is None:
            raise NOT_FOUND
        claims: dict[str, Any] = {"gateway": credential.name, "scopes": sorted(credential.scopes)}
        return Session(credential.credential_id, "", "", claims, tenant_id, CUSTOMS_AUTHORITY_ROLE)


GatewayMayRegister = Annotated[Session, Depends(CustomsGateway(GatewayScope.REGISTER))]
GatewayMayRelease = Annotated[Session, Depends(CustomsGateway(GatewayScope.RELEASE))]
GatewayMayReject = Annotated[Session, Depends(CustomsGateway(GatewayScope.REJECT))]
