"""Commands on a customs-gateway credential. The aggregate id is the credential id (the key's first part)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.customs_gateway.events import GatewayScope


@dataclass(frozen=True)
class IssueGatewayCredential:
    name: str  # the gateway, e.g. "FTS central gateway"
    tenant_ids: tuple[str, ...]  # the companies whose declarations it may act on
    scopes: tuple[GatewayScope, ...]
    key_hash: str  # SHA-256 of the key; the key itself is printed once, never stored
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RevokeGatewayCredential:
    reason: str


GatewayCredentialCommand = IssueGatewayCredential | RevokeGatewayCredential
COMMANDS: tuple[type, ...] = GatewayCredentialCommand.__args__
