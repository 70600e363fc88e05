"""The `wellwon` command: the local stack, topics, migrations, replays, commands from files, and `run`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wellwon.config import PROJECT_ROOT, Settings, settings
from wellwon.logs import configure_logging

if TYPE_CHECKING:
    from api.command_bus import Issued
    from streams.domain import Domain


def _stack(args: argparse.Namespace) -> None:
    from stack import services

    if args.action == "up":
        services.up()
    elif args.action == "down":
        services.down()
    for name, state in services.status().items():
        print(f"{name:11} {state}")


async def prepare(config: Settings) -> None:
    """Topics, Postgres schema and ClickHouse tables: everything the processes expect to exist."""
    from sinks.clickhouse import migrate_analytics
    from sinks.postgres.projections import PROJECTIONS
    from sinks.postgres.sink import migrate
    from wellwon.topics import create_topics

    await create_topics(config)
    await migrate(config, PROJECTIONS)
    await asyncio.to_thread(migrate_analytics, config)


def _topics(args: argparse.Namespace) -> None:
    from wellwon.topics import create_topics, platform_topics

    created = asyncio.run(create_topics(settings()))
    for spec in platform_topics(settings()):
        mark = "created" if spec.name in created else "exists "
        print(f"{mark} {spec.name:55} partitions={spec.partitions} {spec.config}")


def _migrate(args: argparse.Namespace) -> None:
    asyncio.run(prepare(settings()))
    print("topics, postgres and clickhouse ready")


def _replay(args: argparse.Namespace) -> None:
    from sinks.postgres.projections import PROJECTIONS
    from sinks.replay import replay_clickhouse, replay_postgres
    from streams.registry import DOMAINS
    from wellwon.envelope import codec

    config = settings()
    events = [config.name(d.events_topic) for d in DOMAINS]
    if args.target in ("postgres", "all"):
        results = [config.name(d.results_topic) for d in DOMAINS]
        count = asyncio.run(replay_postgres(config, codec(), PROJECTIONS, events + results))
        print(f"postgres: rebuilt from {count} records")
    if args.target in ("clickhouse", "all"):
        count = asyncio.run(replay_clickhouse(config, codec(), events))
        print(f"clickhouse: rebuilt from {count} records")


async def send_from_file(config: Settings, path: Path) -> dict[str, Any]:
    """Send one command described by a JSON file and wait for its outcome.

    The file: {"domain": "user_account", "type": "UpdateProfile", "aggregate_id": "...",
    "payload": {...}, "actor_id": "...", "tenant_id": null, "command_id": null}.
    """
    from api.command_bus import Issued
    from streams.registry import domain_named
    from wellwon.envelope import codec

    spec = json.loads(path.read_text())
    domain = domain_named(spec["domain"])
    message_type = {cls.__name__: cls for cls in domain.commands}.get(spec["type"])
    if message_type is None:
        raise SystemExit(f"{spec['type']!r} is not a command of {domain.name}: {[c.__name__ for c in domain.commands]}")
    command = codec().payloads.decode_dict(f"{domain.name}.{spec['type']}", spec.get("payload", {}))
    issued = Issued(actor_id=spec.get("actor_id"), tenant_id=spec.get("tenant_id"))
    return await send_once(config, domain, spec["aggregate_id"], command, issued, spec.get("command_id"))


async def send_once(
    config: Settings,
    domain: Domain,
    aggregate_id: str,
    command: Any,
    issued: Issued,
    command_id: str | None = None,
    wait_for_read_model: bool = False,
) -> dict[str, Any]:
    """Send one command from outside the API and wait for its outcome (and, if asked, its Postgres projection)."""
    from api.command_bus import CommandBus
    from api.outcomes import outcome_json
    from sinks.postgres.database import owner_dsn
    from streams.registry import DOMAINS
    from wellwon.envelope import codec

    async def projected_version(aggregate_type: str, aggregate_id: str) -> int:
        if not wait_for_read_model:
            return 1 << 62  # no waiting for read models
        import psycopg

        async with await psycopg.AsyncConnection.connect(owner_dsn(config)) as conn:
            row = await (
                await conn.execute(
                    "SELECT version FROM aggregate_positions WHERE aggregate_type = %s AND aggregate_id = %s",
                    (aggregate_type, aggregate_id),
                )
            ).fetchone()
        return int(row[0]) if row else 0

    bus = CommandBus(config, codec(), DOMAINS, projected_version)
    await bus.start()
    try:
        sent_id, outcome = await bus.send(domain, aggregate_id, command, issued, command_id)
    finally:
        await bus.stop()
    return outcome_json(sent_id, outcome)


def _send(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(send_from_file(settings(), Path(args.file))), indent=2))


def _schemas(args: argparse.Namespace) -> None:
    from wellwon.envelope import message_groups
    from wellwon.schemas import check_schemas, write_schemas

    if args.action == "write":
        for path in write_schemas(message_groups()):
            print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    problems = check_schemas(message_groups())
    for problem in problems:
        print(f"schema problem: {problem}", file=sys.stderr)
    if problems:
        raise SystemExit(1)
    print("schemas: every message matches its latest committed version; all versions backward compatible")


def _deadletters(args: argparse.Namespace) -> None:
    from wellwon.dead_letters import list_dead_letters, replay_dead_letters

    config = settings()
    if args.action == "list":
        for letter in asyncio.run(list_dead_letters(config, args.topic)):
            print(json.dumps(letter))
    else:
        count = asyncio.run(replay_dead_letters(config, args.topic, args.offset))
        print(f"replayed {count} dead letters to their source topics")


def _run(args: argparse.Namespace) -> None:
    """Start the stack and every platform process; Ctrl-C stops the processes (the stack stays)."""
    from stack import services
    from stack.processes import PlatformProcesses

    if not any(os.environ.get(v) for v in services.URL_VARIABLES.values()):
        services.up()
    config = settings()
    asyncio.run(prepare(config))
    processes = PlatformProcesses(namespace=config.namespace, api_port=config.api_port)
    processes.start_all(log_to_file=False)
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        processes.wait_for_api()
        print(f"WellWon API on http://{config.api_host}:{config.api_port} (OpenAPI at /docs); Ctrl-C stops")
        if args.demo:
            from wellwon.demo import load_demo_data

            asyncio.run(load_demo_data(config))
        while not stopping and not processes.exited():
            time.sleep(0.5)
        for name in processes.exited():
            print(f"{name} exited; stopping the others", file=sys.stderr)
    finally:
        processes.stop_all()


# Customs-gateway credentials: issued and revoked by platform operators, never through the API --------------


def _operator() -> Issued:
    """Who sends gateway commands from this shell: a platform operator, named in the audit by the OS user."""
    import getpass

    from api.command_bus import Issued
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
    outcome = await send_once(config, CUSTOMS_GATEWAY, credential_id, command, _operator(), wait_for_read_model=True)
    return key, outcome


async def revoke_gateway_credential(config: Settings, credential_id: str, reason: str) -> dict[str, Any]:
    from streams.customs_gateway.commands import RevokeGatewayCredential
    from streams.customs_gateway.domain import CUSTOMS_GATEWAY

    command = RevokeGatewayCredential(reason)
    return await send_once(config, CUSTOMS_GATEWAY, credential_id, command, _operator(), wait_for_read_model=True)


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


def main(argv: list[str] | None = None) -> None:
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    parser = argparse.ArgumentParser(prog="wellwon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    stack = sub.add_parser("stack", help="the local Kafka, Postgres, Redis and ClickHouse")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.set_defaults(func=_stack)
    sub.add_parser("topics", help="create the platform's topics").set_defaults(func=_topics)
    sub.add_parser("migrate", help="topics, Postgres schema, ClickHouse tables").set_defaults(func=_migrate)
    replay = sub.add_parser("replay", help="rebuild read models from the event topics")
    replay.add_argument("target", choices=["postgres", "clickhouse", "all"])
    replay.set_defaults(func=_replay)
    send = sub.add_parser("send", help="send a command described by a JSON file, print its outcome")
    send.add_argument("file")
    send.set_defaults(func=_send)
    schemas = sub.add_parser("schemas", help="check or write the Avro schemas")
    schemas.add_argument("action", choices=["check", "write"])
    schemas.set_defaults(func=_schemas)
    dead = sub.add_parser("deadletters", help="list or replay a dead-letter topic")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("topic", help="the dead-letter topic, e.g. user_account.commands.deadletter")
    dead.add_argument("--offset", type=int, default=None, help="replay only the letter at this offset")
    dead.set_defaults(func=_deadletters)
    run = sub.add_parser("run", help="start the stack and the platform's processes")
    run.add_argument("--demo", action="store_true", help="load demo data once the API is up")
    run.set_defaults(func=_run)
    add_gateway_commands(sub)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
