"""A read model's work queue as Dagster runs: one dynamic partition and one run per piece of work, and the failures
reported back as commands.

`queue_sensor` polls the queue (a query on the read models), adds a partition per new piece of work and requests
its run under the partition key as run key, so the sensor never runs the same piece twice (Dagster refuses a run
key a sensor already used, across restarts); its cursor keeps the keys it requested last, so a queue that stays
unchanged while its runs are in flight costs a query and nothing else. `failure_sensors` watch the queue's job:
when a run has failed for good (its retries spent, its worker dead) or was canceled, `report` turns it into the
command that gives the piece of work its failed status, so none is ever left pending.
"""

# No `from __future__ import annotations`: Dagster reads the parameters' real types (context, resources).

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from dagster import (
    Backoff,
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    Jitter,
    RetryPolicy,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from dagster._core.execution.plan.objects import StepFailureData
from dagster._utils.error import SerializableErrorInfo

from pipelines.resources import CommandProducer, ReadModels

PARTITION_TAG = "dagster/partition"  # Dagster's own tag on a partition's run


def transient_retries(attempts: int = 3, first_delay_seconds: float = 2.0) -> RetryPolicy:
    """Up to `attempts` tries, the waits doubling (with jitter) between them: for errors that may pass (a broker or
    the object store briefly away); an input that can never be read is not an error but a result."""
    return RetryPolicy(
        max_retries=attempts - 1, delay=first_delay_seconds, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
    )


@dataclass(frozen=True)
class Work:
    """One piece of work the queue holds: its partition key and what its run needs to know (as run tags)."""

    partition_key: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedRun:
    """A run of the queue's job that failed for good: which piece of work, after how many tries, and why."""

    run_id: str
    partition_key: str
    tags: Mapping[str, str]
    attempts: int
    reason: str


def queue_sensor(
    name: str,
    job: UnresolvedAssetJobDefinition,
    partitions: DynamicPartitionsDefinition,
    pending: Callable[[ReadModels], Sequence[Work]],
    interval_seconds: int,
) -> SensorDefinition:
    partitions_name = partitions.name
    assert partitions_name is not None, "a work queue's partitions are named (dynamic partitions are per instance)"

    @sensor(
        name=name, job=job, minimum_interval_seconds=interval_seconds, default_status=DefaultSensorStatus.RUNNING,
        description=f"Polls the read models for new work and requests one run of {job.name} per partition.",
    )  # fmt: skip
    def poll(context: SensorEvaluationContext, read_models: ReadModels) -> SensorResult | SkipReason:
        found = list(pending(read_models))
        requested_last = set(json.loads(context.cursor)) if context.cursor else set()
        new = [work for work in found if work.partition_key not in requested_last]
        # Only what is still pending is remembered: the cursor stays as small as the queue.
        context.update_cursor(json.dumps(sorted(work.partition_key for work in found)))
        if not new:
            return SkipReason(f"{len(found)} pending, all requested already")
        unknown = [
            w.partition_key for w in new if not context.instance.has_dynamic_partition(partitions_name, w.partition_key)
        ]
        return SensorResult(
            run_requests=[
                RunRequest(run_key=work.partition_key, partition_key=work.partition_key, tags=dict(work.tags))
                for work in new
            ],
            dynamic_partitions_requests=[partitions.build_add_request(unknown)] if unknown else [],
        )

    return poll


def root_cause(error: SerializableErrorInfo) -> str:
    """The user's own exception under Dagster's wrappers ("ValueError: the broker is away")."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def failed_run(context: RunStatusSensorContext, reason: str) -> FailedRun | None:
    """What a run of the queue's job that ended without its result says: its piece of work, tries and reason."""
    run = context.dagster_run
    tags = dict(run.tags)
    if PARTITION_TAG not in tags:
        return None  # not a piece of the queue's work (e.g. a run launched by hand without a partition)
    # A step's first try is a STEP_START, each retry a STEP_RESTARTED.
    tries = context.instance.get_records_for_run(
        run.run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_RESTARTED}, limit=1000
    ).records
    return FailedRun(run.run_id, tags[PARTITION_TAG], tags, max(1, len(tries)), reason)


def failure_sensors(
    names: tuple[str, str],
    job: UnresolvedAssetJobDefinition,
    report: Callable[[FailedRun, CommandProducer], None],
    interval_seconds: int,
) -> tuple[SensorDefinition, SensorDefinition]:
    """Two sensors (named `names`) that report each run of `job` that failed for good, or was canceled by hand: either
    way its piece of work gets no result from it, and the sensor will not run it again."""
    failed_name, canceled_name = names

    @run_failure_sensor(
        name=failed_name, monitored_jobs=[job], minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Reports each failed run of {job.name} back to the platform as a command.",
    )  # fmt: skip
    def report_failure(context: RunFailureSensorContext, commands: CommandProducer) -> None:
        step_errors = [
            root_cause(event.event_specific_data.error)
            for event in context.get_step_failure_events()
            if isinstance(event.event_specific_data, StepFailureData) and event.event_specific_data.error is not None
        ]
        reason = step_errors[-1] if step_errors else (context.failure_event.message or "the run failed")
        if failed := failed_run(context, reason):
            report(failed, commands)

    @run_status_sensor(
        name=canceled_name, run_status=DagsterRunStatus.CANCELED, monitored_jobs=[job],
        minimum_interval_seconds=interval_seconds, default_status=DefaultSensorStatus.RUNNING,
        description=f"Reports each canceled run of {job.name} back to the platform as a command.",
    )  # fmt: skip
    def report_cancel(context: RunStatusSensorContext, commands: CommandProducer) -> None:
        if failed := failed_run(context, "the run was canceled"):
            report(failed, commands)

    return report_failure, report_cancel
