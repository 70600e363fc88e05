"""Dagster for real: a daemon in the test's namespace runs sensor-requested runs, retries a failing one, reports it.

The test starts its own dagster-daemon (a DAGSTER_HOME in a temporary folder, the database `dagster_<namespace>`
on the stack's Postgres, the namespace in its environment) rather than using the stack's: the stack's daemon loads
whichever checkout started it, in the default namespace, while this one loads this module in the test's, so what
it runs, reads and sends is the test's alone, and it goes away with the test.

This module is also that daemon's code location (`defs` below): a probe pipeline built from the same machinery
as document recognition (pipelines/work_queue.py, pipelines/resources.py), whose queue is a table in the
namespace's Postgres database and whose commands go to the shipment domain's topic (any registered command
serves: the test reads the topic, no engine applies them).
"""

# No `from __future__ import annotations`: Dagster reads the asset's parameters' real types.

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from dagster import (
    AssetExecutionContext,
    DagsterEventType,
    DagsterRun,
    DagsterRunStatus,
    DynamicPartitionsDefinition,
    MaterializeResult,
    asset,
    define_asset_job,
    in_process_executor,
)
from kafka import KafkaConsumer, TopicPartition

from pipelines.pipeline import Pipeline, definitions_of
from pipelines.resources import CommandProducer, PipelineCommand, ReadModels, pipeline_command_id
from pipelines.work_queue import FailedRun, Work, failure_sensors, queue_sensor, transient_retries
from stack.dagster import DaemonInNamespace, running_daemon
from stack.processes import throwaway_namespace
from streams.shipment.commands import NoteTransportEvent
from wellwon.config import Settings

PROBE = "probe"
TENANT_TAG = "wellwon/tenant"
BEHAVIOUR_TAG = "probe/behaviour"  # "succeeds", "fails" (always) or "waits" (held in the run queue, never started)
PROBES = DynamicPartitionsDefinition(name="probes")
BEHAVIOURS = ("succeeds", "fails", "waits")
WAIT_SECONDS = 240.0  # a loaded 2-core machine: the daemon, its code server and each run worker start Python


def pending_probes(read_models: ReadModels) -> list[Work]:
    with read_models.connect() as conn:
        rows = conn.execute("SELECT probe_id, tenant_id, behaviour FROM dagster_probes ORDER BY probe_id").fetchall()
    return [
        Work(f"{probe_id}:v1", {TENANT_TAG: tenant, BEHAVIOUR_TAG: behaviour}) for probe_id, tenant, behaviour in rows
    ]


def send_note(commands: CommandProducer, key: str, tenant_id: str, run_id: str, description: str, step: str) -> None:
    note = NoteTransportEvent(description=description, occurred_at=datetime.now(UTC))
    command_id = pipeline_command_id(PROBE, key, run_id, step)
    commands.send(PipelineCommand("shipment", key.split(":")[0], tenant_id, note, command_id, PROBE, run_id))


@asset(partitions_def=PROBES, retry_policy=transient_retries(attempts=3, first_delay_seconds=0.2))
def probe(context: AssetExecutionContext, commands: CommandProducer) -> MaterializeResult:  # type: ignore[type-arg]
    behaviour = context.run.tags[BEHAVIOUR_TAG]
    if behaviour == "fails":
        raise ConnectionError("the probe's source is away")
    send_note(commands, context.partition_key, context.run.tags[TENANT_TAG], context.run_id, "probed", "probe")
    return MaterializeResult(metadata={"probed": context.partition_key})


def report_probe_failure(failed: FailedRun, commands: CommandProducer) -> None:
    description = f"failed after {failed.attempts} attempts: {failed.reason}"
    send_note(commands, failed.partition_key, failed.tags[TENANT_TAG], failed.run_id, description, "run-failed")


probe_job = define_asset_job("probe_job", [probe], executor_def=in_process_executor)
defs = definitions_of(
    (
        Pipeline(
            PROBE,
            assets=(probe,),
            jobs=(probe_job,),
            sensors=(
                queue_sensor("pending_probes", probe_job, PROBES, pending_probes, 1),
                *failure_sensors(("failed_probes", "canceled_probes"), probe_job, report_probe_failure, 1),
            ),
        ),
    ),
    Settings(),
)


def enqueue(daemon: DaemonInNamespace, probe_id: str, tenant_id: str, behaviour: str) -> str:
    settings = daemon.settings
    with psycopg.connect(ReadModels(postgres_dsn=settings.postgres_dsn, namespace=settings.namespace).dsn()) as conn:
        conn.execute("INSERT INTO dagster_probes VALUES (%s, %s, %s)", (probe_id, tenant_id, behaviour))
    return f"{probe_id}:v1"


def command_on_kafka(
    settings: Settings, domain: str, command_id: str, timeout: float = WAIT_SECONDS
) -> tuple[Any, Any]:
    """The command with this id on the domain's commands topic, decoded by the platform's codec (polled)."""
    from streams.registry import codec

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        topic = settings.name(f"{domain}.commands")
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout  # a failure sensor reports on its next tick, on a loaded machine
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    envelope, command = codec().decode(record.value)
                    if envelope.message_id == command_id:
                        assert record.key == envelope.aggregate_id.encode()
                        return envelope, command
        raise AssertionError(f"command {command_id} not on {topic}")
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def probe_dagster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonInNamespace]:
    from sinks.postgres.database import ensure_database
    from stack import services
    from streams.shipment.domain import SHIPMENT
    from wellwon.topics import create_topics, delete_namespace_topics, platform_topics

    services.up()
    settings = Settings(namespace=throwaway_namespace())
    asyncio.run(create_topics(settings, platform_topics(settings, [SHIPMENT])))
    asyncio.run(ensure_database(settings))
    with psycopg.connect(ReadModels(postgres_dsn=settings.postgres_dsn, namespace=settings.namespace).dsn()) as conn:
        conn.execute("CREATE TABLE dagster_probes (probe_id text PRIMARY KEY, tenant_id text, behaviour text)")
    try:
        home = tmp_path_factory.mktemp("dagster-home")
        held = ((BEHAVIOUR_TAG, "waits"),)
        with running_daemon(home, settings, module=__name__, held_tags=held) as daemon:
            yield daemon
    finally:
        asyncio.run(delete_namespace_topics(settings))


@dataclass(frozen=True)
class Probed:
    """Three pieces of work queued together: one succeeds, one's step always fails, one is canceled in the queue."""

    succeeding: str
    succeeded: DagsterRun
    failing: str
    failed: DagsterRun
    waiting: str
    canceled: DagsterRun


@pytest.fixture(scope="module")
def probed(probe_dagster: DaemonInNamespace) -> Probed:
    # A run-status sensor's first tick only sets its cursor to "now": a run that ended before it would go unseen
    # (a first deployment's concern, not a running platform's), so the probes start once both sensors have ticked.
    for name in ("failed_probes", "canceled_probes"):
        probe_dagster.wait_for_tick_after(name, 0.0, WAIT_SECONDS)
    keys = [enqueue(probe_dagster, str(uuid.uuid4()), f"tenant-{n}", b) for n, b in enumerate(BEHAVIOURS)]
    waiting = probe_dagster.run_in(keys[2], {"QUEUED"}, WAIT_SECONDS)
    assert probe_dagster.instance.run_coordinator.cancel_run(waiting.run_id)  # as the UI's "terminate" on a queued run
    runs = [probe_dagster.finished_run(key, WAIT_SECONDS) for key in keys]
    return Probed(keys[0], runs[0], keys[1], runs[1], keys[2], runs[2])


def test_a_sensor_requested_run_sends_its_command_as_a_pipeline_once(
    probe_dagster: DaemonInNamespace, probed: Probed
) -> None:
    key, run = probed.succeeding, probed.succeeded
    assert run.status == DagsterRunStatus.SUCCESS, probe_dagster.log_tail()
    assert run.tags["dagster/sensor_name"] == "pending_probes" and run.tags["dagster/run_key"] == key
    materialized = probe_dagster.instance.get_latest_materialization_event(probe.key)
    assert materialized is not None and materialized.run_id == run.run_id

    envelope, command = command_on_kafka(
        probe_dagster.settings, "shipment", pipeline_command_id(PROBE, key, run.run_id, "probe")
    )
    assert envelope.claims == {"role": "pipeline", "pipeline": PROBE, "pipeline.run": run.run_id}
    assert (envelope.tenant_id, envelope.actor_id, envelope.aggregate_id) == ("tenant-0", "pipeline:probe", key[:-3])
    assert isinstance(command, NoteTransportEvent) and command.description == "probed"

    # The queue still holds it (nothing marks a probe done): the sensor ticks on after the run ended and
    # requests no second run of it.
    ended = probe_dagster.instance.get_run_record_by_id(run.run_id)
    assert ended is not None and ended.end_time is not None
    probe_dagster.wait_for_tick_after("pending_probes", ended.end_time, WAIT_SECONDS)
    assert len(probe_dagster.runs_of(key)) == 1


def test_a_failing_run_is_retried_then_reported_as_a_command(probe_dagster: DaemonInNamespace, probed: Probed) -> None:
    key, run = probed.failing, probed.failed
    assert run.status == DagsterRunStatus.FAILURE
    retried = probe_dagster.instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_RESTARTED).records
    assert len(retried) == 2  # the first try and two retries

    envelope, command = command_on_kafka(
        probe_dagster.settings, "shipment", pipeline_command_id(PROBE, key, run.run_id, "run-failed")
    )
    assert envelope.claims["role"] == "pipeline" and envelope.tenant_id == "tenant-1"
    assert command.description == "failed after 3 attempts: ConnectionError: the probe's source is away"


def test_a_run_canceled_in_the_queue_is_reported_too(probe_dagster: DaemonInNamespace, probed: Probed) -> None:
    key, run = probed.waiting, probed.canceled
    assert run.status == DagsterRunStatus.CANCELED
    envelope, command = command_on_kafka(
        probe_dagster.settings, "shipment", pipeline_command_id(PROBE, key, run.run_id, "run-failed")
    )
    assert envelope.tenant_id == "tenant-2"
    assert command.description == "failed after 1 attempts: the run was canceled"
