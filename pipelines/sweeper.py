"""The object store swept of orphans: document files no version references, older than a grace period, deleted.

An upload stores its file before sending its command (api/routers/document.py). A command refused at once has its
file deleted there; one answered 202 and refused later, or never applied (an API stopped between the two), leaves
a file no document version names. Once a day the sweeper lists each tenant's `<tenant_id>/documents/` prefix (the
tenants of this namespace's read model only: namespaces share the bucket), asks the read model which of the keys
a version references, and deletes the others last modified more than the grace period ago (an hour unless the
run's config says otherwise), so a command still on its way never loses its file. Each deletion is logged; the
run's metadata counts what was listed, referenced, kept as too recent and deleted.
"""

# No `from __future__ import annotations`: Dagster reads the parameters' real types (context, config, resources).

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dagster import (
    Config,
    DefaultScheduleStatus,
    Nothing,
    OpExecutionContext,
    Out,
    Output,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

from pipelines.pipeline import Pipeline
from pipelines.resources import ObjectStore, ReadModels, StoredObject

PIPELINE = "document_sweeper"
DEFAULT_GRACE_SECONDS = 3600
DOCUMENTS_FOLDER = "documents/"  # under each tenant's prefix (streams.document.decider.object_key)
BATCH = 500  # keys asked about in one query
DAILY_AT = "17 3 * * *"  # UTC, away from the working day and from the hour's start


@dataclass
class SweepReport:
    tenants: int = 0
    listed: int = 0
    referenced: int = 0
    too_recent: int = 0
    deleted: list[str] = field(default_factory=list)


def orphans(listed: Sequence[StoredObject], referenced: set[str], older_than: datetime) -> tuple[list[str], int]:
    """The keys no version references and last modified before `older_than`, and how many unreferenced were newer."""
    unreferenced = [o for o in listed if o.key not in referenced]
    old = [o.key for o in unreferenced if o.last_modified < older_than]
    return old, len(unreferenced) - len(old)


def batches(items: Sequence[StoredObject], size: int) -> Iterator[Sequence[StoredObject]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sweep(read_models: ReadModels, object_store: ObjectStore, grace: timedelta, now: datetime) -> SweepReport:
    """List, then ask the read model (a key referenced meanwhile is seen referenced), then delete the old orphans."""
    from sinks.postgres.document_queries import referenced_objects, tenants

    older_than = now - grace
    report = SweepReport()
    with read_models.connect() as conn:
        tenant_ids = tenants(conn)
    report.tenants = len(tenant_ids)
    for tenant_id in tenant_ids:
        listed = list(object_store.listed(f"{tenant_id}/{DOCUMENTS_FOLDER}"))
        report.listed += len(listed)
        for batch in batches(listed, BATCH):
            with read_models.connect() as conn:
                referenced = referenced_objects(conn, [o.key for o in batch])
            report.referenced += len(referenced)
            old, recent = orphans(batch, referenced, older_than)
            report.too_recent += recent
            for key in old:
                object_store.delete(key)
                report.deleted.append(key)
    return report


class SweepConfig(Config):  # type: ignore[misc]
    grace_seconds: int = Field(
        default=DEFAULT_GRACE_SECONDS, ge=0, description="an unreferenced file younger than this is kept"
    )


@op(
    out=Out(Nothing),
    description="Deletes document files no version references that are older than the grace period.",
)
def sweep_orphaned_documents(
    context: OpExecutionContext, config: SweepConfig, read_models: ReadModels, object_store: ObjectStore
) -> Iterator[Output[None]]:
    report = sweep(read_models, object_store, timedelta(seconds=config.grace_seconds), datetime.now(UTC))
    for key in report.deleted:
        context.log.info(f"deleted orphaned object {key}")
    context.log.info(
        f"{report.tenants} tenants: {report.listed} objects listed, {report.referenced} referenced, "
        f"{report.too_recent} unreferenced but younger than {config.grace_seconds} s, {len(report.deleted)} deleted"
    )
    yield Output(
        None,
        metadata={
            "tenants": report.tenants, "listed": report.listed, "referenced": report.referenced,
            "too_recent": report.too_recent, "deleted": len(report.deleted), "grace_seconds": config.grace_seconds,
        },
    )  # fmt: skip


@job(executor_def=in_process_executor, description="Sweeps the object store of orphaned document files.")
def sweep_documents() -> None:
    sweep_orphaned_documents()


daily_sweep = ScheduleDefinition(
    name="daily_document_sweep",
    job=sweep_documents,
    cron_schedule=DAILY_AT,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Once a day, with the default grace period.",
)

SWEEPER = Pipeline(name=PIPELINE, jobs=(sweep_documents,), schedules=(daily_sweep,))
