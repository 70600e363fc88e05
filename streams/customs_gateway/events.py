"""Events of a customs-gateway credential, and the actions a credential may be scoped to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class GatewayScope(StrEnum):
    """What the authority's gateway may do to a declaration."""

    REGISTER = "register"
    RELEASE = "release"
    REJECT = "reject"


@dataclass(frozen=True)
class GatewayCredentialIssued:
    name: str
    tenant_ids: tuple[str, ...]
    scopes: tuple[GatewayScope, ...]
    key_hash: str = field(metadata={"secret": True})  # kept in Postgres for the lookup; left out of analytics
    issued_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class GatewayCredentialRevoked:
    reason: str
    revoked_at: datetime


GatewayCredentialEvent = GatewayCredentialIssued | GatewayCredentialRevoked
EVENTS: tuple[type, ...] = GatewayCredentialEvent.__args__
