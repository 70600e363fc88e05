"""The customs-gateway credential decider: platform operators issue and revoke the authority's credentials.

A credential belongs to no tenant: it names the tenants whose declarations the gateway may act on,
so only a platform operator (claim role=platform_operator on a command that carries no tenant) may
issue or revoke one; no route of the API sends either command, and no tenant's session could carry
that claim. Expiry is a property of the issued credential, checked where the key is presented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from streams.customs_gateway.commands import GatewayCredentialCommand, IssueGatewayCredential, RevokeGatewayCredential
from streams.customs_gateway.events import (
    GatewayCredentialEvent,
    GatewayCredentialIssued,
    GatewayCredentialRevoked,
    GatewayScope,
)
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.shipment.details import invalid, required_text
from wellwon.api_keys import is_key_hash

PLATFORM_OPERATOR_ROLE = "platform_operator"
TENANT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
MAX_TENANTS = 100

Decision = Sequence[GatewayCredentialEvent] | Rejection


@dataclass(frozen=True)
class GatewayCredential:
    name: str | None = None  # None: not issued
    tenant_ids: tuple[str, ...] = ()
    scopes: tuple[GatewayScope, ...] = ()
    key_hash: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


def _platform_operator_only(context: CommandContext) -> Rejection | None:
    if context.tenant_id is not None or context.claim("role") != PLATFORM_OPERATOR_ROLE:
        return reject(RejectionCode.FORBIDDEN, "gateway credentials are issued and revoked by platform operators")
    return None


def _checked_scopes(scopes: Sequence[str]) -> tuple[GatewayScope, ...] | Rejection:
    allowed = ", ".join(GatewayScope)
    try:
        checked = tuple(dict.fromkeys(GatewayScope(scope) for scope in scopes))
    except ValueError:
        return invalid(f"scopes are some of {allowed}", "scopes")
    return checked or invalid(f"a credential needs at least one scope of {allowed}", "scopes")


def _issue(state: GatewayCredential, cmd: IssueGatewayCredential, context: CommandContext) -> Decision:
    if state.name is not None:
        return reject(RejectionCode.CONFLICT, "this credential was issued already")
    name = required_text(cmd.name, "name", 140)
    if isinstance(name, Rejection):
        return name
    tenant_ids = tuple(dict.fromkeys(t.strip() for t in cmd.tenant_ids))
    if not tenant_ids or len(tenant_ids) > MAX_TENANTS:
        return invalid(f"a credential acts for 1 to {MAX_TENANTS} tenants", "tenant_ids")
    if bad := next((t for t in tenant_ids if not TENANT_ID_PATTERN.match(t)), None):
        return invalid(f"{bad!r} is not a tenant id", "tenant_ids")
    scopes = _checked_scopes(cmd.scopes)
    if isinstance(scopes, Rejection):
        return scopes
    if not is_key_hash(cmd.key_hash):
        return invalid("key_hash must be a SHA-256 hex digest", "key_hash")
    if cmd.expires_at is not None and cmd.expires_at <= context.issued_at:
        return invalid("expires_at must be in the future", "expires_at")
    return [
        GatewayCredentialIssued(
            name=name,
            tenant_ids=tenant_ids,
            scopes=scopes,
            key_hash=cmd.key_hash,
            issued_at=context.issued_at,
            expires_at=cmd.expires_at,
        )
    ]


def _revoke(state: GatewayCredential, cmd: RevokeGatewayCredential, context: CommandContext) -> Decision:
    if state.name is None:
        return reject(RejectionCode.NOT_FOUND, "no such customs-gateway credential")
    if state.revoked_at is not None:
        return reject(RejectionCode.ILLEGAL_STATE, f"the credential was revoked already ({state.revocation_reason})")
    reason = required_text(cmd.reason, "reason", 500)
    if isinstance(reason, Rejection):
        return reason
    return [GatewayCredentialRevoked(reason=reason, revoked_at=context.issued_at)]


def decide(state: GatewayCredential, command: GatewayCredentialCommand, context: CommandContext) -> Decision:
    if rejection := _platform_operator_only(context):
        return rejection
    match command:
        case IssueGatewayCredential():
            return _issue(state, command, context)
        case RevokeGatewayCredential():
            return _revoke(state, command, context)
    raise TypeError(f"not a customs-gateway command: {command!r}")


def evolve(state: GatewayCredential, event: GatewayCredentialEvent) -> GatewayCredential:
    match event:
        case GatewayCredentialIssued():
            return GatewayCredential(
                name=event.name,
                tenant_ids=event.tenant_ids,
                scopes=event.scopes,
                key_hash=event.key_hash,
                issued_at=event.issued_at,
                expires_at=event.expires_at,
            )
        case GatewayCredentialRevoked():
            return replace(state, revoked_at=event.revoked_at, revocation_reason=event.reason)
    raise TypeError(f"not a customs-gateway event: {event!r}")


gateway_credential_decider: Decider[GatewayCredential, GatewayCredentialCommand, GatewayCredentialEvent] = Decider(
    initial_state=GatewayCredential(), decide=decide, evolve=evolve
)
