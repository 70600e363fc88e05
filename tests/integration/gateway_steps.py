"""Customs-gateway credentials for integration tests, issued and revoked as an operator does: `wellwon gateways`."""

from __future__ import annotations

from stack.processes import PlatformProcesses
from streams.customs_gateway.operators import issue_gateway_credential, revoke_gateway_credential

ALL_SCOPES = ("register", "release", "reject")


async def gateway_key(
    platform: PlatformProcesses, *tenant_ids: str, scopes: tuple[str, ...] = ALL_SCOPES, name: str = "FTS gateway"
) -> str:
    """A new credential's key (`<credential id>.<secret>`), issued through Kafka and readable in Postgres."""
    key, outcome = await issue_gateway_credential(platform.settings, name, list(tenant_ids), list(scopes))
    assert outcome["status"] == "accepted", outcome
    return key


def credential_id(key: str) -> str:
    return key.partition(".")[0]


def gateway(key: str) -> dict[str, str]:
    """The headers the authority's gateway sends."""
    return {"X-Gateway-Key": key}


async def revoke(platform: PlatformProcesses, key: str, reason: str = "key leaked") -> None:
    outcome = await revoke_gateway_credential(platform.settings, credential_id(key), reason)
    assert outcome["status"] == "accepted", outcome
