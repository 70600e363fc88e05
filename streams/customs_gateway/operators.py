"""Customs-gateway credentials from the operator's shell (`wellwon gateways issue|revoke|list`), never through the API.

Platform operators issue a credential per gateway; the key is printed once and only its hash is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from api.command_bus import Issued
from streams.domain import Domain
from wellwon.cli import send_once
from wellwon.config import Settings, settings


def _domains() -> tuple[Domain, ...]:
    # The composition root imports this module for its subcommands: named, not imported, to keep no cycle.
    import importlib

    domains: tuple[Domain, ...] = importlib.import_module("streams.registry").DOMAINS
    return domains


def _operator() -> Issued:
    """Who sends gateway commands from this shell: a platform operator, named in the audit by the OS user."""
    import getpass

    from streams.customs_gateway.decider import PLATFORM_OPERATOR_ROLE

    return Issued(actor_id=f"operator:{getpass.getuser()}", tenant_id=None, claims=(("role", PLATFORM_OPERATOR_ROLE),))


async def issue_gateway_credential(
    config: Settings, name: str, tenant_ids: list[str], scopes: list[str], expires_at: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """Issue a credential (once the tenants are known companies): the key to hand over, and the outcome.

    The key is `<credential id>.<secret>`; only its hash leaves this function.
    """
    import uuid

    import psycopg

    from sinks.postgres.database import owner_dsn
    from streams.customs_gateway.commands import IssueGatewayCredential
    from streams.customs_gateway.domain import CUSTOMS_GATEWAY
    from streams.customs_gateway.events import GatewayScope
    from wellwon.api_keys import key_hash, new_key

    async with await psycopg.AsyncConnection.connect(owner_dsn(config)) as conn:
        rows = await (await conn.execute("SELECT id FROM companies WHERE id = ANY(%s)", (tenant_ids,))).fetchall()
    if unknown := sorted(set(tenant_ids) - {row[0] for row in rows}):
        raise SystemExit(f"no such companies: {', '.join(unknown)}")
    credential_id = str(uuid.uuid4())
    key = new_key(f"{credential_id}.")
    command = IssueGatewayCredential(
        name, tuple(tenant_ids), tuple(GatewayScope(s) for s in scopes), key_hash(key), expires_at
    )
    outcome = await send_once(
        config, _domains(), CUSTOMS_GATEWAY, credential_id, command, _operator(), wait_for_read_model=True
    )
    return key, outcome


async def revoke_gateway_credential(config: Settings, credential_id: str, reason: str) -> dict[str, Any]:
    from streams.customs_gateway.commands import RevokeGatewayCredential
    from streams.customs_gateway.domain import CUSTOMS_GATEWAY

    command = RevokeGatewayCredential(reason)
    return await send_once(
        config, _domains(), CUSTOMS_GATEWAY, credential_id, command, _operator(), wait_for_read_model=True
    )


async def gateway_credentials(config: Settings) -> list[dict[str, Any]]:
    import psycopg

    from sinks.postgres.database import owner_dsn

    async with await psycopg.AsyncConnection.connect(owner_dsn(config)) as conn:
        rows = await (
            await conn.execute(
                """SELECT id, name, tenant_ids, scopes, issued_at, issued_by, expires_at, revoked_at,
                          revocation_reason FROM customs_gateway_credentials ORDER BY issued_at"""
            )
        ).fetchall()
    names = ("id", "name", "tenant_ids", "scopes", "issued_at", "issued_by", "expires_at", "revoked_at", "reason")
    return [dict(zip(names, row, strict=True)) for row in rows]


def _gateways(args: argparse.Namespace) -> None:
    config = settings()
    if args.action == "list":
        for credential in asyncio.run(gateway_credentials(config)):
            print(json.dumps(credential, default=str))
        return
    if args.action == "issue":
        expires_at = datetime.fromisoformat(args.expires_at) if args.expires_at else None
        if expires_at is not None and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        key, outcome = asyncio.run(issue_gateway_credential(config, args.name, args.tenant, args.scope, expires_at))
    else:
        outcome = asyncio.run(revoke_gateway_credential(config, args.credential_id, args.reason))
    if outcome["status"] not in ("accepted", "pending"):
        raise SystemExit(f"refused: {outcome.get('reason') or outcome['status']}")
    pending = " (not confirmed yet: see `wellwon gateways list`)" if outcome["status"] == "pending" else ""
    if args.action == "issue":
        # Printed even when pending: the command may still be accepted, and the key exists nowhere else.
        print(f"credential {key.partition('.')[0]} issued{pending}; its key, shown only now (send as X-Gateway-Key):")
        print(key)
    else:
        print(f"credential {args.credential_id} revoked{pending}")


def add_gateway_commands(sub: Any) -> None:
    from streams.customs_gateway.events import GatewayScope

    gateways = sub.add_parser("gateways", help="customs-gateway credentials (platform operators)")
    actions = gateways.add_subparsers(dest="action", required=True)
    issue = actions.add_parser("issue", help="issue a credential and print its key once")
    issue.add_argument("--name", required=True, help="the gateway, e.g. 'FTS central gateway'")
    issue.add_argument("--tenant", action="append", required=True, help="a company it acts for (repeatable)")
    issue.add_argument(
        "--scope", action="append", required=True, choices=[s.value for s in GatewayScope], help="(repeatable)"
    )
    issue.add_argument("--expires-at", help="ISO date-time; UTC when no offset is given")
    revoke = actions.add_parser("revoke", help="revoke a credential: its key stops working at once")
    revoke.add_argument("credential_id")
    revoke.add_argument("--reason", required=True)
    actions.add_parser("list", help="every credential, active or not (never keys)")
    gateways.set_defaults(func=_gateways)
