"""The `wellwon` command: the local stack, topics, migrations, replays, commands from files, and `run`.

The kernel knows no domain: `main` is given the platform's domains by its caller (the composition
root, `streams.registry.main`, which is the `wellwon` script).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
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
        print(f"{name:18} {state}")


async def prepare(config: Settings, domains: Sequence[Domain]) -> None:
    """Topics, Postgres schema, ClickHouse tables and the documents' bucket: everything the processes expect."""
    from sinks.clickhouse import migrate_analytics
    from sinks.postgres.projections import PROJECTIONS
    from sinks.postgres.sink import migrate
    from wellwon.object_store import object_store
    from wellwon.topics import create_topics, platform_topics

    await create_topics(config, platform_topics(config, domains))
    await migrate(config, PROJECTIONS)
    await asyncio.to_thread(migrate_analytics, config)
    await asyncio.to_thread(object_store(config).ensure_bucket)


def _topics(args: argparse.Namespace) -> None:
    from wellwon.topics import create_topics, platform_topics

    specs = platform_topics(settings(), args.domains)
    created = asyncio.run(create_topics(settings(), specs))
    for spec in specs:
        mark = "created" if spec.name in created else "exists "
        print(f"{mark} {spec.name:55} partitions={spec.partitions} {spec.config}")


def _migrate(args: argparse.Namespace) -> None:
    asyncio.run(prepare(settings(), args.domains))
    print("topics, postgres, clickhouse and the object store ready")


def _replay(args: argparse.Namespace) -> None:
    from sinks.postgres.projections import PROJECTIONS
    from sinks.progress import Progress
    from sinks.replay import replay_all, replay_clickhouse, replay_postgres
    from wellwon.envelope import codec_for

    config, domains = settings(), tuple(args.domains)
    codec = codec_for(domains)
    events = [config.name(d.events_topic) for d in domains]
    results = [config.name(d.results_topic) for d in domains]
    progress = Progress(args.target if args.target != "all" else "postgres and clickhouse")
    if args.target == "postgres":
        counts = {"postgres": asyncio.run(replay_postgres(config, codec, PROJECTIONS, events + results, progress))}
    elif args.target == "clickhouse":
        counts = {"clickhouse": asyncio.run(replay_clickhouse(config, codec, events, progress))}
    else:
        postgres, clickhouse = replay_all(config, codec, PROJECTIONS, events, results, progress)
        counts = {"postgres": postgres, "clickhouse": clickhouse}
    progress.finish()
    for target, count in counts.items():
        print(f"{target}: rebuilt from {count} records")


async def send_from_file(config: Settings, path: Path, domains: Sequence[Domain]) -> dict[str, Any]:
    """Send one command described by a JSON file and wait for its outcome.

    The file: {"domain": "user_account", "type": "UpdateProfile", "aggregate_id": "...",
    "payload": {...}, "actor_id": "...", "tenant_id": null, "command_id": null}.
    """
    from api.command_bus import Issued
    from wellwon.envelope import codec_for

    spec = json.loads(path.read_text())
    domain = next((d for d in domains if d.name == spec["domain"]), None)
    if domain is None:
        raise SystemExit(f"no domain named {spec['domain']!r}: {[d.name for d in domains]}")
    codec = codec_for(tuple(domains))
    message_type = {cls.__name__: cls for cls in domain.commands}.get(spec["type"])
    if message_type is None:
        raise SystemExit(f"{spec['type']!r} is not a command of {domain.name}: {[c.__name__ for c in domain.commands]}")
    command = codec.payloads.decode_dict(f"{domain.name}.{spec['type']}", spec.get("payload", {}))
    issued = Issued(actor_id=spec.get("actor_id"), tenant_id=spec.get("tenant_id"))
    return await send_once(config, domains, domain, spec["aggregate_id"], command, issued, spec.get("command_id"))


async def send_once(
    config: Settings,
    domains: Sequence[Domain],
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
    from wellwon.envelope import codec_for

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

    bus = CommandBus(config, codec_for(tuple(domains)), tuple(domains), projected_version)
    await bus.start()
    try:
        sent_id, outcome = await bus.send(domain, aggregate_id, command, issued, command_id)
        if wait_for_read_model and outcome is not None and outcome.status == "accepted" and outcome.event_ids:
            wait = config.command_timeout_seconds
            if not await bus.wait_projected(domain.name, aggregate_id, outcome.aggregate_version, wait):
                outcome = None  # accepted, but not readable yet: answered as pending
    finally:
        await bus.stop()
    return outcome_json(sent_id, outcome)


def _send(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(send_from_file(settings(), Path(args.file), args.domains)), indent=2))


def _schemas(args: argparse.Namespace) -> None:
    from wellwon.envelope import message_groups
    from wellwon.schemas import check_schemas, write_schemas

    groups = message_groups(args.domains)
    if args.action == "write":
        for path in write_schemas(groups):
            print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    problems = check_schemas(groups)
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


def _loadtest(args: argparse.Namespace) -> None:
    from wellwon.loadtest import main as loadtest

    loadtest(args)


def _run(args: argparse.Namespace) -> None:
    """Start the stack and every platform process, supervised: one exiting is restarted with backoff.

    Ctrl-C stops the processes (the stack stays).
    """
    import threading

    from stack import services
    from stack.processes import PlatformProcesses, Supervisor

    if not any(os.environ.get(v) for v in services.URL_VARIABLES.values()):
        services.up()
    config = settings()
    asyncio.run(prepare(config, args.domains))
    processes = PlatformProcesses(namespace=config.namespace, api_port=config.api_port)
    processes.start_all(log_to_file=False)
    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisor = Supervisor(processes, log_to_file=False)
    watcher = threading.Thread(target=supervisor.run, args=(stopping.is_set,), name="supervisor", daemon=True)
    watcher.start()
    try:
        processes.wait_for_api(timeout=120, restarting=True)
        print(f"WellWon API on http://{config.api_host}:{config.api_port} (OpenAPI at /docs); Ctrl-C stops")
        if args.demo:
            from wellwon.demo import load_demo_data

            # In a thread of its own: it waits for the stack's Dagster to recognise the demo's invoice, and Ctrl-C
            # must not wait for that.
            demo = lambda: asyncio.run(load_demo_data(config, recognition_wait=300))  # noqa: E731
            threading.Thread(target=demo, name="demo", daemon=True).start()
        stopping.wait()
    finally:
        stopping.set()
        watcher.join()
        processes.stop_all()


def main(
    domains: Sequence[Domain] | None = None,
    argv: list[str] | None = None,
    extra_commands: Sequence[Callable[[Any], None]] = (),
) -> None:
    """The `wellwon` command; domains may add subcommands of their own (`extra_commands(subparsers)`)."""
    if domains is None:
        # Called without its domains (`python -m wellwon.cli`, an old script): the composition root is
        # named here, not imported, so the kernel still depends on no domain.
        import importlib

        root = importlib.import_module("streams.registry")
        domains, extra_commands = root.DOMAINS, root.CLI_COMMANDS
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    parser = argparse.ArgumentParser(prog="wellwon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    stack = sub.add_parser("stack", help="the local Kafka, Postgres, Redis, ClickHouse and Dagster")
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
    loadtest = sub.add_parser(
        "loadtest",
        help="drive a mix of logins, shipment updates, EDI bursts, declaration edits and reads at a rate",
        description="Load test a running platform through its API: throughput, errors and latency per operation. "
        "The API's only edge limit is the throttle on failed logins (LOGIN_FAILURES_ALLOWED, LOGIN_BACKOFF_SECONDS "
        "in the API's environment); its 429s get their own column.",
    )
    from wellwon.loadtest import add_arguments as loadtest_arguments

    loadtest_arguments(loadtest)
    loadtest.set_defaults(func=_loadtest)
    for add_commands in extra_commands:
        add_commands(sub)
    args = parser.parse_args(argv)
    args.domains = tuple(domains)
    args.func(args)


if __name__ == "__main__":
    main()
